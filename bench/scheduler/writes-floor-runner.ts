/**
 * The "floor + durable writes" row of `pnpm bench:scheduler`, in a process of its own: the floor's
 * bare engine loop plus the least PostgreSQL and Redis work that Game Master's guarantees need, on
 * Game Master's own schema — and nothing else (no scheduler, no cron, no Lobby, no logging, no
 * metrics, no validation).
 *
 * `WRITES_WORKERS` loops, each: claim up to `WRITES_BATCH` due games with Game Master's claim
 * statement (a lease per game), call every engine at once, then one statement per batch — the
 * guarded settle (lease token and turn as the CAS), one operation-log entry per turn, two outbox
 * rows per turn (the Lobby snapshot and the notification intent) under the outbox's commit-order
 * lock. A relay loop reads the outbox in id order, publishes each stream's rows with Game Master's
 * relay script (one call per stream and batch, guarded by the stream's high-water mark) and
 * deletes the batch's id range. Every round trip carries a whole batch; statements are named
 * (prepared once per connection).
 *
 * Talks to the bench over the IPC channel: sends `{ready: true}`, receives `{t0}`, sleeps until
 * T0, runs the burst, sends `{settled, relayed, failures}` once every turn is settled and every
 * outbox row relayed, and stays alive until the bench disconnects.
 */
import { OUTBOX_COMMIT_LOCK_KEY, RedisStreamBatchPublisher } from "@galaxy/gamemaster";
import { Redis } from "ioredis";
import pg from "pg";
import { Pool, request } from "undici";
import { sleep } from "./common.js";

const databaseUrl = process.env.WRITES_DATABASE_URL as string;
const redisUrl = process.env.WRITES_REDIS_URL as string;
const keyPrefix = process.env.WRITES_REDIS_KEY_PREFIX ?? "";
const engineUrl = process.env.WRITES_ENGINE_URL as string;
const games = Number(process.env.WRITES_GAMES ?? 0);
const workers = Number(process.env.WRITES_WORKERS ?? 2);
const batch = Number(process.env.WRITES_BATCH ?? 128);
const RELAY_BATCH = 1_000;

// Game Master's defaults: a pool of 10, a keep-alive engine pool sized to the turns in flight.
const sql = new pg.Pool({ connectionString: databaseUrl, max: 10, application_name: "writes" });
const redis = new Redis(redisUrl, { keyPrefix });
// Game Master's relay script: the stream's high-water mark makes a retried batch a no-op.
const publisher = new RedisStreamBatchPublisher({ redis });
const engine = new Pool(engineUrl, { connections: workers * batch, pipelining: 1 });

/** Game Master's claim statement (adapters/postgres/runtime-record-store.ts, claimDue). */
const CLAIM = `
  with due as (
    select game_id from gamemaster.runtime_records
    where status = 'running' and next_generation_at <= $1::timestamptz
      and skip_next_tick = false and lease_token is null
    order by next_generation_at, game_id
    limit $2
    for update skip locked
  )
  update gamemaster.runtime_records r
  set status = 'generation_in_progress', lease_owner = 'writes-floor',
      lease_token = gen_random_uuid()::text, lease_expires_at = $3::timestamptz,
      lease_trigger = 'scheduler', updated_at = $1::timestamptz
  where r.game_id = any(array(select game_id from due))
  returning r.game_id, r.lease_token, r.current_turn, r.engine_endpoint`;

/**
 * A batch's outcome in one statement, one round trip: the guarded settle (a turn lands only under
 * the lease it was claimed with, from the turn it was claimed at), the operation-log entry and the
 * two outbox rows of every turn that landed, the outbox ids drawn under Game Master's commit-order
 * lock (adapters/postgres/outbox-store.ts).
 */
const SETTLE = `
  with settled as (
    update gamemaster.runtime_records r
    set status = 'running', current_turn = v.turn, next_generation_at = $4::timestamptz,
        last_player_stats = v.stats, lease_owner = null, lease_token = null,
        lease_expires_at = null, lease_trigger = null, updated_at = $5::timestamptz
    from unnest($1::text[], $2::text[], $3::int[], $6::jsonb[]) as v(game_id, lease_token, turn, stats)
    where r.game_id = v.game_id and r.status = 'generation_in_progress'
      and r.lease_token = v.lease_token and r.current_turn = v.turn - 1
    returning r.game_id
  ),
  logged as (
    insert into gamemaster.operation_log (game_id, op_kind, op_source, source_ref, outcome,
      error_code, error_message, started_at, finished_at)
    select v.g, 'turn_generation', 'scheduler', '', 'success', '', '', v.s, v.f
    from unnest($1::text[], $7::timestamptz[], $8::timestamptz[]) as v(g, s, f)
    where v.g in (select game_id from settled)
  ),
  commit_order as (select pg_advisory_xact_lock(${OUTBOX_COMMIT_LOCK_KEY}))
  insert into gamemaster.outbox (stream, event_id, game_id, event_type, fields)
  select v.stream, v.event_id, v.game_id, v.event_type, v.fields
  from commit_order, unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[])
    as v(stream, event_id, game_id, event_type, fields)
  where v.game_id in (select game_id from settled)
  returning game_id`;

interface Claimed {
  game_id: string;
  lease_token: string;
  current_turn: number;
  engine_endpoint: string;
}

interface Answer {
  turn: number;
  players: unknown[];
  finished: boolean;
}

type OutboxRow = Parameters<RedisStreamBatchPublisher["publish"]>[1][number];

/** What the relay script does not read of a row. */
const OUTBOX_ROW = { eventId: "", gameId: "", eventType: "", createdAt: new Date(0) };

let settled = 0;
let failures = 0;
let firstError: string | undefined;
let committedOutbox = 0;
let relayed = 0;
let wakeRelay: (() => void) | undefined;
const nextYear = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1));

async function turnOf(game: Claimed): Promise<{ answer: Answer; started: Date; finished: Date }> {
  const started = new Date();
  const response = await request(`${game.engine_endpoint}/api/v1/admin/turn`, {
    method: "POST",
    dispatcher: engine,
    headers: { accept: "application/json" },
  });
  const answer = (await response.body.json()) as Answer;
  if (response.statusCode !== 200 || answer.turn !== game.current_turn + 1) {
    throw new Error(`${game.game_id}: ${response.statusCode} ${JSON.stringify(answer)}`);
  }
  return { answer, started, finished: new Date() };
}

async function settle(
  claimed: readonly Claimed[],
  turns: ReadonlyArray<{ answer: Answer; started: Date; finished: Date }>,
): Promise<void> {
  const now = new Date();
  const ids = claimed.map((game) => game.game_id);
  const streams: string[] = [];
  const eventIds: string[] = [];
  const gameIds: string[] = [];
  const types: string[] = [];
  const fields: string[] = [];
  claimed.forEach((game, index) => {
    const turn = (turns[index] as { answer: Answer }).answer.turn;
    streams.push("gm:lobby_events", "notification:intents");
    eventIds.push(`${game.game_id}:${turn}:snapshot`, `${game.game_id}:${turn}:ready`);
    gameIds.push(game.game_id, game.game_id);
    types.push("runtime_snapshot_update", "game.turn.ready");
    fields.push(
      JSON.stringify({
        event_type: "runtime_snapshot_update",
        game_id: game.game_id,
        current_turn: String(turn),
        runtime_status: "running",
        engine_health_summary: "healthy",
        player_turn_stats: JSON.stringify((turns[index] as { answer: Answer }).answer.players),
        occurred_at_ms: String(now.getTime()),
      }),
      JSON.stringify({
        notification_type: "game.turn.ready",
        producer: "gamemaster",
        audience_kind: "user",
        recipient_user_ids_json: JSON.stringify([0, 1, 2, 3].map((i) => `${game.game_id}-u${i}`)),
        idempotency_key: `gamemaster:game.turn.ready:${game.game_id}:${turn}`,
        occurred_at_ms: String(now.getTime()),
        payload_json: JSON.stringify({ game_id: game.game_id, turn_number: turn }),
      }),
    );
  });
  const written = await sql.query({
    name: "writes-settle",
    text: SETTLE,
    values: [
      ids,
      claimed.map((game) => game.lease_token),
      turns.map((turn) => turn.answer.turn),
      nextYear,
      now,
      turns.map((turn) => JSON.stringify(turn.answer.players)),
      turns.map((turn) => turn.started),
      turns.map((turn) => turn.finished),
      streams,
      eventIds,
      gameIds,
      types,
      fields,
    ],
  });
  if (written.rowCount !== streams.length) throw new Error("a settle lost its lease");
  settled += claimed.length;
  committedOutbox += streams.length;
  wakeRelay?.();
}

async function worker(): Promise<void> {
  while (settled + failures < games) {
    const now = new Date();
    const claimed = (
      await sql.query<Claimed>({
        name: "writes-claim",
        text: CLAIM,
        values: [now, batch, new Date(now.getTime() + 60_000)],
      })
    ).rows;
    if (claimed.length === 0) {
      // The rest is in another worker's hands.
      if (settled + failures >= games) return;
      await sleep(5);
      continue;
    }
    try {
      const turns = await Promise.all(claimed.map(turnOf));
      await settle(claimed, turns);
    } catch (error) {
      failures += claimed.length;
      firstError ??= String(error);
    }
  }
}

async function relay(): Promise<void> {
  let after = 0;
  while (relayed < games * 2 && failures === 0) {
    if (relayed >= committedOutbox) {
      await new Promise<void>((wake) => {
        wakeRelay = wake;
        setTimeout(wake, 50);
      });
      continue;
    }
    const rows = (
      await sql.query<{ id: string; stream: string; fields: Record<string, string> }>({
        name: "writes-relay",
        text: "select id, stream, fields from gamemaster.outbox where id > $1 order by id limit $2",
        values: [after, RELAY_BATCH],
      })
    ).rows;
    if (rows.length === 0) {
      await sleep(1);
      continue;
    }
    const byStream = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const outboxRow = {
        ...OUTBOX_ROW,
        id: Number(row.id),
        stream: row.stream,
        fields: row.fields,
      };
      const list = byStream.get(row.stream);
      if (list === undefined) byStream.set(row.stream, [outboxRow]);
      else list.push(outboxRow);
    }
    await Promise.all(
      [...byStream].map(([stream, streamRows]) => publisher.publish(stream, streamRows)),
    );
    const first = Number(rows[0]?.id);
    after = Number(rows.at(-1)?.id);
    await sql.query("delete from gamemaster.outbox where id >= $1 and id <= $2", [first, after]);
    relayed += rows.length;
  }
}

async function burst(t0: number) {
  await sleep(t0 - Date.now());
  await Promise.all([...Array.from({ length: workers }, worker), relay()]);
  return { settled, relayed, failures, firstError };
}

process.once("message", (message) => {
  const { t0 } = message as { t0: number };
  void burst(t0).then(
    (result) => process.send?.(result),
    (error: unknown) =>
      process.send?.({ settled, relayed, failures: games, firstError: String(error) }),
  );
});
process.once("disconnect", () => {
  void Promise.allSettled([sql.end(), redis.quit(), engine.close()]).finally(() => process.exit(0));
});
// Every connection open before T0, as a running Game Master's are.
await Promise.all(
  Array.from({ length: 10 }, () => sql.connect().then((client) => client.release())),
);
await redis.ping();
process.send?.({ ready: true });
