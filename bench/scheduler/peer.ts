/**
 * Row "peer": the same N turns as graphile-worker jobs (peer-worker.ts) — enqueued in bulk with
 * `addJobs`, all with `runAt` T0, on the same PostgreSQL server, the outcome in a table of the
 * peer's own schema. What a general-purpose PostgreSQL job queue does with the same burst.
 */
import { resolve } from "node:path";
import { createIsolatedDatabase } from "@galaxy/testkit";
import { makeWorkerUtils } from "graphile-worker";
import { BENCH_DIR, gameIds, log, nextT0, onInterrupt, sleep, waitUntil } from "./common.js";
import { startEngineStub } from "./engine.js";
import { benchPool, Meter } from "./meter.js";
import { NodeProcess } from "./processes.js";
import { type RowResult, summarise } from "./stats.js";

const WORKER = resolve(BENCH_DIR, "scheduler/peer-worker.ts");
const ENQUEUE_BATCH = 5_000;

export interface PeerOptions {
  games: number;
  concurrency: number;
  pollIntervalMs: number;
  timeoutMs: number;
}

export async function runPeer(options: PeerOptions): Promise<RowResult> {
  const { games } = options;
  const database = await createIsolatedDatabase(`bench_sched_peer_${games}`);
  const forget = onInterrupt(() => database.drop());
  const sql = benchPool(database.url);
  const ids = gameIds(games);
  const started: NodeProcess[] = [];
  try {
    const engine = await startEngineStub(ids);
    started.push(engine.process);
    await sql.query(`CREATE SCHEMA bench_peer;
      CREATE TABLE bench_peer.turns (
        game_id text PRIMARY KEY,
        engine_endpoint text NOT NULL,
        turns integer NOT NULL DEFAULT 0,
        current_turn integer NOT NULL DEFAULT 0,
        outcome text,
        error text NOT NULL DEFAULT '',
        started_at timestamptz,
        finished_at timestamptz)`);
    await sql.query(
      `INSERT INTO bench_peer.turns (game_id, engine_endpoint)
       SELECT id, $2 || '/games/' || id FROM unnest($1::text[]) AS id`,
      [ids, engine.url],
    );

    const worker = new NodeProcess(
      "graphile-worker",
      WORKER,
      {
        PEER_DATABASE_URL: database.url,
        PEER_CONCURRENCY: String(options.concurrency),
        PEER_POLL_INTERVAL_MS: String(options.pollIntervalMs),
      },
      { talk: true },
    );
    started.push(worker);
    // The runner installs graphile-worker's schema before it polls.
    await worker.receive<{ ready: boolean }>(60_000);

    // Enqueueing is set-up, not part of the burst: T0 leaves time for it (~20 µs a job here).
    const t0 = nextT0(1_500 + games * 0.05);
    log(`    enqueueing ${games} graphile-worker jobs (runAt T0)`);
    const utils = await makeWorkerUtils({ connectionString: database.url });
    try {
      for (let offset = 0; offset < games; offset += ENQUEUE_BATCH) {
        await utils.addJobs(
          ids.slice(offset, offset + ENQUEUE_BATCH).map((gameId) => ({
            identifier: "turn",
            payload: { game_id: gameId, endpoint: `${engine.url}/games/${gameId}` },
            runAt: new Date(t0),
          })),
        );
      }
    } finally {
      await utils.release();
    }
    if (Date.now() > t0 - 100) throw new Error("enqueueing ran past T0: raise the lead in peer.ts");

    const meter = new Meter([worker], engine.process, { sql, name: database.name });
    await sleep(t0 - Date.now() - 50);
    await meter.start();
    await waitUntil(
      `${games} peer outcomes`,
      async () => {
        if (worker.exited) throw new Error(`graphile-worker exited:\n${worker.tail()}`);
        const done = await sql.query<{ n: string }>(
          "SELECT count(*) AS n FROM bench_peer.turns WHERE outcome IS NOT NULL",
        );
        return Number(done.rows[0]?.n) >= games;
      },
      options.timeoutMs,
      250,
    );
    const measured = await meter.stop();

    const rows = await sql.query<{
      turns: number;
      current_turn: number;
      outcome: string;
      started_at: Date;
      finished_at: Date;
    }>("SELECT turns, current_turn, outcome, started_at, finished_at FROM bench_peer.turns");
    const failures: string[] = [];
    const wrong = rows.rows.filter(
      (row) => row.turns !== 1 || row.current_turn !== 1 || row.outcome !== "success",
    ).length;
    if (wrong > 0 || rows.rows.length !== games) {
      failures.push(`${wrong} of ${rows.rows.length} games not generated exactly once to turn 1`);
    }
    return {
      row: "peer",
      label: "peer (graphile-worker)",
      games,
      ...summarise(t0, {
        starts: rows.rows.map((row) => row.started_at.getTime()),
        finishes: rows.rows.map((row) => row.finished_at.getTime()),
      }),
      ...measured,
      failures,
    };
  } finally {
    await Promise.all(started.map((process) => process.stop()));
    await sql.end().catch(() => undefined);
    await database
      .drop()
      .catch((error: unknown) => log(`could not drop ${database.name}: ${error}`));
    forget();
  }
}
