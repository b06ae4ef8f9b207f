/**
 * `pnpm bench:outbox` — how fast Game Master's outbox relay empties a backlog, against the floor
 * of a bare pipelined XADD of the same entries, and how long an event takes from its commit to
 * its stream when the relay is idle and woken by LISTEN/NOTIFY.
 *
 *   1. an isolated database (GM's migrations applied) and Redis key prefix (testkit);
 *   2. BENCH_ROWS (default 100 000) snapshot rows inserted into gamemaster.outbox in one statement
 *      (the same fields GM writes: event_type, event_id, game_id, turn, status, health, stats);
 *   3. floor: the same entries, already in memory, XADDed to a second stream in pipelines of
 *      BENCH_BATCH (default 500) with the same MINID trimming — no PostgreSQL, no script;
 *   4. relay: OutboxRelay.drain() — read a batch in id order, one Lua call per batch (high-water
 *      mark + XADDs), delete the rows — until the table is empty; then every stream entry is
 *      checked: 100 000 entries, in outbox order, no id twice;
 *   5. latency: the relay runs as in GM (LISTEN/NOTIFY + 1 s poll); BENCH_LATENCY_EVENTS (default
 *      1 000) units of work of one snapshot each are committed at ~BENCH_LATENCY_RATE/s (default
 *      200); a reader blocked on the stream timestamps each arrival. Latency = arrival − the moment
 *      the commit was acknowledged, and arrival − the moment the unit of work was started (an
 *      upper bound that includes the commit's own fsync).
 *
 * Printed: floor and relay entries/s and their ratio (target ≥ 0.5), latency p50/p99/max.
 */
import {
  DEFAULT_STREAM_RETENTION_MS,
  MIGRATIONS_FOLDER,
  MIGRATIONS_SCHEMA,
  OutboxRelay,
  PostgresOutboxCommitListener,
  PostgresOutboxSource,
  PostgresUnitOfWork,
  RedisStreamBatchPublisher,
  schema,
} from "@galaxy/gamemaster";
import { closePool, createDatabase, createPool, runMigrations } from "@galaxy/postgres";
import { closeRedis, createRedis } from "@galaxy/redisconn";
import { createIsolatedDatabase, createIsolatedRedis, stopTestServers } from "@galaxy/testkit";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 1_000);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 200);
const LOBBY_STREAM = "gm:lobby_events";
const FLOOR_STREAM = "bench:floor";
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (obj: object, msg?: string) =>
    process.stderr.write(`${msg ?? ""} ${JSON.stringify(obj)}\n`),
  child() {
    return silent;
  },
};

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

const database = await createIsolatedDatabase("bench_outbox");
const isolation = await createIsolatedRedis("bench_outbox");
const pool = createPool({ url: database.url, maxConnections: 4 });
const redis = createRedis({ url: isolation.url, keyPrefix: isolation.keyPrefix });
try {
  await runMigrations(pool, {
    migrationsFolder: MIGRATIONS_FOLDER,
    migrationsSchema: MIGRATIONS_SCHEMA,
  });
  const db = createDatabase(pool, schema);

  log(`inserting ${ROWS} outbox rows…`);
  const stats = JSON.stringify([
    { user_id: "user-1", planets: 12, population: 4350 },
    { user_id: "user-2", planets: 9, population: 3120 },
    { user_id: "user-3", planets: 7, population: 2900 },
  ]);
  await pool.query(
    `INSERT INTO gamemaster.outbox (stream, event_id, game_id, event_type, fields)
     SELECT $1, ev, 'game-' || (n % 10000), 'runtime_snapshot_update',
            jsonb_build_object(
              'event_type', 'runtime_snapshot_update', 'event_id', ev,
              'game_id', 'game-' || (n % 10000), 'current_turn', (n / 10000)::text,
              'runtime_status', 'running', 'engine_health_summary', 'healthy',
              'player_turn_stats', $2::text,
              'occurred_at_ms', (1767225600000 + n)::text)
     FROM (SELECT n, gen_random_uuid()::text AS ev FROM generate_series(1, $3) AS n) AS s`,
    [LOBBY_STREAM, stats, ROWS],
  );
  const loaded = await pool.query<{ fields: Record<string, string> }>(
    "SELECT fields FROM gamemaster.outbox ORDER BY id",
  );
  const entries = loaded.rows.map((row) => Object.entries(row.fields).flat());

  // Floor: the same entries, pipelined, same trimming argument.
  const minId = () => `${Date.now() - DEFAULT_STREAM_RETENTION_MS}-0`;
  const floorStarted = performance.now();
  for (let start = 0; start < entries.length; start += BATCH) {
    const pipeline = redis.pipeline();
    for (const flat of entries.slice(start, start + BATCH)) {
      pipeline.xadd(FLOOR_STREAM, "MINID", "~", minId(), "*", ...flat);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed !== undefined) throw failed[0];
  }
  const floorSeconds = (performance.now() - floorStarted) / 1000;
  if ((await redis.xlen(FLOOR_STREAM)) !== ROWS) throw new Error("floor: wrong entry count");
  await redis.del(FLOOR_STREAM);

  // Relay: PostgreSQL → Lua → delete, until empty.
  const source = new PostgresOutboxSource(db);
  const publisher = new RedisStreamBatchPublisher({ redis });
  const relay = new OutboxRelay({ source, publisher, logger: silent, batchSize: BATCH });
  const relayStarted = performance.now();
  const relayed = await relay.drain();
  const relaySeconds = (performance.now() - relayStarted) / 1000;
  if (relayed !== ROWS) throw new Error(`relay handled ${relayed} rows, expected ${ROWS}`);
  const onStream = await redis.xrange(LOBBY_STREAM, "-", "+");
  const ids = onStream.map(([, flat]) => flat[flat.indexOf("event_id") + 1]);
  if (onStream.length !== ROWS || new Set(ids).size !== ROWS) {
    throw new Error(`relay: ${onStream.length} entries, ${new Set(ids).size} distinct event ids`);
  }
  const expectedOrder = loaded.rows.map((row) => row.fields.event_id);
  if (ids.some((id, index) => id !== expectedOrder[index])) throw new Error("relay: out of order");
  await redis.del(LOBBY_STREAM);

  // Latency: idle relay woken by NOTIFY; a blocked reader timestamps arrivals.
  const signal = new PostgresOutboxCommitListener({ url: database.url, logger: silent });
  const live = new OutboxRelay({ source, publisher, logger: silent, signal, batchSize: BATCH });
  live.start();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const uow = new PostgresUnitOfWork({
    db,
    streams: { lobbyEvents: LOBBY_STREAM, notificationIntents: "notification:intents" },
  });
  const startedAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const arrivals = new Map<string, number>();
  const reader = redis.duplicate();
  let readerDone = false;
  const reading = (async () => {
    let last = "0-0";
    while (!readerDone) {
      const answer = (await reader.xread(
        "COUNT",
        1000,
        "BLOCK",
        200,
        "STREAMS",
        LOBBY_STREAM,
        last,
      )) as [string, [string, string[]][]][] | null;
      const now = performance.now();
      for (const [, items] of answer ?? []) {
        for (const [id, flat] of items) {
          last = id;
          arrivals.set(flat[flat.indexOf("event_id") + 1] as string, now);
        }
      }
    }
  })();
  const gapMs = 1000 / LATENCY_RATE;
  for (let index = 0; index < LATENCY_EVENTS; index += 1) {
    const begin = performance.now();
    let eventId = "";
    await uow.run(async (tx) => {
      eventId = tx.outbox.snapshotUpdate({
        gameId: `lat-${index % 50}`,
        currentTurn: index,
        runtimeStatus: "running",
        engineHealthSummary: "healthy",
        playerTurnStats: [],
        occurredAt: new Date(),
      });
    });
    startedAt.set(eventId, begin);
    committedAt.set(eventId, performance.now());
    const wait = gapMs - (performance.now() - begin);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const deadline = Date.now() + 10_000;
  while (arrivals.size < LATENCY_EVENTS && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  readerDone = true;
  await reading;
  reader.disconnect();
  await live.stop();
  await signal.close();
  const latencyFrom = (origin: Map<string, number>) =>
    [...origin]
      .map(([id, at]) => (arrivals.get(id) ?? Number.NaN) - at)
      .filter((value) => Number.isFinite(value))
      .sort((a, b) => a - b);
  const latencies = latencyFrom(startedAt);
  const afterCommit = latencyFrom(committedAt);
  if (latencies.length !== LATENCY_EVENTS) {
    throw new Error(`latency: ${latencies.length} of ${LATENCY_EVENTS} events arrived`);
  }

  const floorRate = ROWS / floorSeconds;
  const relayRate = ROWS / relaySeconds;
  const table = [
    ["", "entries", "seconds", "entries/s"],
    ["floor: pipelined XADD", String(ROWS), floorSeconds.toFixed(2), floorRate.toFixed(0)],
    [
      "outbox relay (PG → Lua → delete)",
      String(ROWS),
      relaySeconds.toFixed(2),
      relayRate.toFixed(0),
    ],
  ];
  process.stdout.write(
    `${table.map((row) => row.join(" | ")).join("\n")}\n` +
      `ratio relay / floor: ${(relayRate / floorRate).toFixed(2)} (target >= 0.5), batch ${BATCH}\n` +
      `latency over ${LATENCY_EVENTS} events at ~${LATENCY_RATE}/s (target p99 <= 200 ms):\n` +
      `  commit acknowledged -> on the stream: p50 ${percentile(afterCommit, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(afterCommit, 99).toFixed(1)} ms, max ${percentile(afterCommit, 100).toFixed(1)} ms\n` +
      `  transaction started -> on the stream: p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${percentile(latencies, 100).toFixed(1)} ms\n`,
  );
} finally {
  await closeRedis(redis).catch(() => undefined);
  await closePool(pool).catch(() => undefined);
  await isolation.cleanup();
  await database.drop();
  // The PostgreSQL and Redis containers of a Docker run go with the bench.
  await stopTestServers();
}
