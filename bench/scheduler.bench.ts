/**
 * `pnpm bench:scheduler` — Game Master's burst throughput side by side with its floor and a peer,
 * in one run. For each N of `BENCH_SIZES` (default 1 000, 10 000, 100 000), N games become due at
 * the same instant T0 (a whole second 1–2 s ahead) and each is generated exactly once (turn 1)
 * against the engine stub, in its own process. Rows (`BENCH_ROWS`, default all):
 *
 *   floor  N engine `/admin/turn` calls from a bare keep-alive loop, the best of a few
 *          concurrencies (scheduler/floor.ts);
 *   writes the floor's loop plus the least database and Redis work GM's guarantees need, on GM's
 *          schema, no GM code (scheduler/writes-floor.ts);
 *   gm1    one Game Master process as deployed, games inserted in its database (scheduler/gamemaster.ts);
 *   gm3    three Game Master processes on the same database and Redis;
 *   peer   the same turns as graphile-worker jobs with `runAt` T0 (scheduler/peer.ts).
 *
 * Every row gets fresh processes and an isolated database (and Redis prefix), dropped after it.
 * `BENCH_PROFILE=1` adds a GM ×1 run under `--cpu-prof` at N = 10 000 and prints its top
 * self-time functions. See README.md for the columns and how to read the ratios.
 */
import { cpus, loadavg } from "node:os";
import { stopTestServers } from "@galaxy/testkit";
import { intList, log, runInterruptCleanups } from "./scheduler/common.js";
import { topSelfTime } from "./scheduler/cpuprofile.js";
import { runFloor } from "./scheduler/floor.js";
import { runGameMaster } from "./scheduler/gamemaster.js";
import { runPeer } from "./scheduler/peer.js";
import { killAll } from "./scheduler/processes.js";
import { summariseRounds } from "./scheduler/rounds.js";
import type { RowKey, RowResult } from "./scheduler/stats.js";
import { markdownTable } from "./scheduler/table.js";
import { runWritesFloor, writesShapes } from "./scheduler/writes-floor.js";

const SIZES = intList(process.env.BENCH_SIZES, "1000,10000,100000");
const ROWS = new Set(
  (process.env.BENCH_ROWS ?? "floor,writes,gm1,gm3,peer").split(",").map((row) => row.trim()),
);
/** GAMEMASTER_SCHEDULER_CONCURRENCY of every GM process; unset = GM's default. */
const GM_CONCURRENCY =
  process.env.BENCH_CONCURRENCY === undefined || process.env.BENCH_CONCURRENCY === ""
    ? undefined
    : Number(process.env.BENCH_CONCURRENCY);
const GM_LOG_LEVEL = process.env.BENCH_GM_LOG_LEVEL || undefined;
const GM_ENTRY = process.env.BENCH_GM_ENTRY || undefined;
const FLOOR_CONCURRENCY = intList(process.env.BENCH_FLOOR_CONCURRENCY, "16,64,256");
const WRITES_SHAPES = writesShapes(process.env.BENCH_WRITES_SHAPES);
/** graphile-worker's performance-page settings: concurrency 24; its default poll interval. */
const PEER_CONCURRENCY = Number(process.env.BENCH_PEER_CONCURRENCY ?? 24);
const PEER_POLL_INTERVAL_MS = Number(process.env.BENCH_PEER_POLL_INTERVAL_MS ?? 2_000);
/** Rounds of every row per N (the table shows each row's median round). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1) || 1);
const PROFILE = process.env.BENCH_PROFILE === "1";
const PROFILE_SIZE = Number(process.env.BENCH_PROFILE_SIZE ?? 10_000);

function timeoutFor(games: number): number {
  return Number(process.env.BENCH_TIMEOUT_MS ?? Math.max(300_000, games * 40));
}

async function runRow(row: RowKey, games: number): Promise<RowResult> {
  const timeoutMs = timeoutFor(games);
  switch (row) {
    case "floor":
      return runFloor(games, FLOOR_CONCURRENCY, timeoutMs);
    case "writes":
      return runWritesFloor(games, WRITES_SHAPES, timeoutMs);
    case "gm1":
    case "gm3": {
      const replicas = row === "gm1" ? 1 : 3;
      log(`  N=${games} Game Master ×${replicas}`);
      const { result } = await runGameMaster({
        games,
        replicas,
        concurrency: GM_CONCURRENCY,
        logLevel: GM_LOG_LEVEL,
        timeoutMs,
        ...(GM_ENTRY === undefined ? {} : { entry: GM_ENTRY }),
      });
      return result;
    }
    case "peer":
      log(`  N=${games} graphile-worker`);
      return runPeer({
        games,
        concurrency: PEER_CONCURRENCY,
        pollIntervalMs: PEER_POLL_INTERVAL_MS,
        timeoutMs,
      });
    default:
      throw new Error(`unknown row ${row}`);
  }
}

/** A row that could not finish (a process died, a timeout): shown empty, and a FAIL line. */
function failedRow(row: RowKey, games: number, error: unknown): RowResult {
  const none = { name: "", cpuSeconds: Number.NaN, peakRssMb: Number.NaN };
  return {
    row,
    label: row,
    games,
    wallSeconds: Number.NaN,
    turnsPerSecond: Number.NaN,
    lagP50: Number.NaN,
    lagP99: Number.NaN,
    lagMax: Number.NaN,
    turnP50Ms: Number.NaN,
    loadAtT0: Number.NaN,
    loadAtEnd: Number.NaN,
    runners: [none],
    engine: none,
    postgresCpuSeconds: Number.NaN,
    redisCpuSeconds: Number.NaN,
    failures: [error instanceof Error ? error.message : String(error)],
  };
}

async function main(): Promise<number> {
  const rows = (["floor", "writes", "gm1", "gm3", "peer"] as const).filter((row) => ROWS.has(row));
  log(`scheduler benchmark: N = ${SIZES.join(", ")}; rows ${rows.join(", ")}`);
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const results: RowResult[] = [];
  const roundNotes: string[] = [];
  for (const games of SIZES) {
    const rounds: RowResult[][] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      if (ROUNDS > 1) log(`  N=${games} round ${round} of ${ROUNDS}`);
      const roundResults: RowResult[] = [];
      for (const row of rows) {
        const result = await runRow(row, games).catch((error: unknown) =>
          failedRow(row, games, error),
        );
        roundResults.push(result);
        // The row's line right away: a long run that dies later still leaves its figures.
        log(markdownTable([result]).split("\n").at(-1) ?? "");
        log(
          `    ${result.label}: ${result.turnsPerSecond.toFixed(0)} turns/s, wall ${result.wallSeconds.toFixed(2)} s${result.failures.length > 0 ? `, FAILED: ${result.failures.join("; ")}` : ""}`,
        );
      }
      rounds.push(roundResults);
    }
    const summary = summariseRounds(rounds);
    results.push(...summary.rows);
    roundNotes.push(...summary.notes);
  }
  let profileSummary: string | undefined;
  if (PROFILE) {
    log(`  N=${PROFILE_SIZE} Game Master ×1 under --cpu-prof`);
    const { result, profilePath } = await runGameMaster({
      games: PROFILE_SIZE,
      replicas: 1,
      concurrency: GM_CONCURRENCY,
      logLevel: GM_LOG_LEVEL,
      timeoutMs: timeoutFor(PROFILE_SIZE),
      profile: true,
      ...(GM_ENTRY === undefined ? {} : { entry: GM_ENTRY }),
    });
    results.push(result);
    profileSummary =
      profilePath === undefined
        ? "no .cpuprofile was written (did GM exit gracefully?)"
        : `${profilePath}\n\n${topSelfTime(profilePath)}`;
  }

  const settings = [
    `GM: GAMEMASTER_SCHEDULER_CONCURRENCY=${GM_CONCURRENCY ?? "default"} per process, every other GAMEMASTER_* at its default${GM_LOG_LEVEL === undefined ? "" : ` but GAMEMASTER_LOG_LEVEL=${GM_LOG_LEVEL}`}`,
    `floor: concurrency ${FLOOR_CONCURRENCY.join("/")}, best shown; peer: graphile-worker concurrency ${PEER_CONCURRENCY}, pollInterval ${PEER_POLL_INTERVAL_MS} ms, localQueue 500, completeJobBatchDelay 0`,
    ...(ROUNDS > 1
      ? [
          `${ROUNDS} rounds of every row per N, one after the other; each row is its median round (by turns/s), every round in the notes`,
        ]
      : []),
    `machine: ${cpus().length} cores, node ${process.version}, load average ${loadBefore.toFixed(1)} at start, ${(loadavg()[0] ?? Number.NaN).toFixed(1)} at end`,
  ];
  const notes = [
    ...results.flatMap((result) => (result.note === undefined ? [] : [result.note])),
    ...roundNotes,
  ];
  process.stdout.write(
    [
      "",
      "Scheduler burst: N games due at T0, each generated once (turn 1) against the engine stub",
      ...settings,
      "",
      markdownTable(results),
      "",
      "wall = T0 → last outcome; turns/s = N / (last outcome − first turn start); lag = turn start − T0;",
      "turn = one turn's start → its outcome; load = the machine's 1-minute load average at T0 → at the end;",
      "× floor / × peer = turns/s over that row's at the same N; CPU = seconds from T0 to the last outcome;",
      "RSS = peak (VmHWM) per process; PostgreSQL = the row's own backends (its database's connections);",
      "Redis = the machine's redis-server, whoever used it (GM rows only).",
      ...notes,
      ...(profileSummary === undefined
        ? []
        : ["", `GM ×1 CPU profile, N = ${PROFILE_SIZE}: ${profileSummary}`]),
      "",
    ].join("\n"),
  );
  const failed = results.filter((result) => result.failures.length > 0);
  for (const result of failed) {
    process.stdout.write(`FAIL ${result.label} N=${result.games}: ${result.failures.join("; ")}\n`);
  }
  return failed.length > 0 ? 1 : 0;
}

process.on("exit", killAll);
// Stopped mid-row: no orphan processes, and the row's database and Redis keys go too.
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.once(signal, () => {
    killAll();
    void runInterruptCleanups()
      .then(stopTestServers)
      .finally(() => process.exit(code));
  });
}

try {
  process.exitCode = await main();
} finally {
  // The PostgreSQL and Redis containers of a Docker run go with the bench.
  await stopTestServers();
}
