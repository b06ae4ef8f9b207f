/**
 * The peer of `pnpm bench:scheduler`, in a process of its own: a graphile-worker runner with
 * the settings of graphile-worker's own performance page (concurrency 24, a pool of 25, a local
 * queue of 500, completion and failure batching on), one task: call the game's engine
 * `POST /admin/turn` and write the outcome with one UPDATE on `bench_peer.turns`.
 *
 * Sends `{ready: true}` over the IPC channel once the runner is polling; stops when the bench
 * disconnects.
 */
import { run, type Task } from "graphile-worker";
import { Agent, request } from "undici";

const connectionString = process.env.PEER_DATABASE_URL;
const concurrency = Number(process.env.PEER_CONCURRENCY ?? 24);
const pollInterval = Number(process.env.PEER_POLL_INTERVAL_MS ?? 2_000);
const localQueueSize = Number(process.env.PEER_LOCAL_QUEUE_SIZE ?? 500);

// The engine pool Game Master uses (apps/gamemaster/src/adapters/http/http-call.ts).
const engine = new Agent({
  connections: 128,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 30_000,
  pipelining: 1,
});

const turn: Task = async (payload, helpers) => {
  const { game_id: gameId, endpoint } = payload as { game_id: string; endpoint: string };
  const started = new Date();
  let outcome = "success";
  let error = "";
  let generated: number | null = null;
  try {
    const response = await request(`${endpoint}/api/v1/admin/turn`, {
      method: "POST",
      dispatcher: engine,
      headers: { accept: "application/json" },
    });
    const body = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`engine ${response.statusCode}: ${body}`);
    generated = (JSON.parse(body) as { turn: number }).turn;
  } catch (cause) {
    // A failed turn is an outcome, as in Game Master, not a job to retry.
    outcome = "failure";
    error = String(cause).slice(0, 500);
  }
  await helpers.withPgClient((client) =>
    client.query(
      `UPDATE bench_peer.turns
       SET turns = turns + 1, current_turn = coalesce($2, current_turn), outcome = $3, error = $4,
           started_at = $5, finished_at = $6
       WHERE game_id = $1`,
      [gameId, generated, outcome, error, started, new Date()],
    ),
  );
};

const runner = await run({
  taskList: { turn },
  noHandleSignals: true,
  preset: {
    worker: {
      connectionString,
      concurrentJobs: concurrency,
      maxPoolSize: concurrency + 1,
      pollInterval,
      localQueue: { size: localQueueSize },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  },
});

const stop = () => {
  void runner
    .stop()
    .then(() => engine.close())
    .finally(() => process.exit(0));
};
process.once("disconnect", stop);
process.once("SIGTERM", stop);
process.send?.({ ready: true });
