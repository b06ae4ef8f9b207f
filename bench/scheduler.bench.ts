/**
 * `pnpm bench:scheduler` — how fast Game Master's scheduler drains N games that all become due at
 * the same instant, against the engine stub. For each N (default 100, 1 000, 10 000):
 *
 *   1. an isolated database and Redis key prefix (testkit), a fresh engine stub process;
 *   2. Game Master started in-process (startGameMaster) on that database;
 *   3. N games initialised on the engine stub and inserted as running runtime records (with their
 *      player mappings), then all given one next_generation_at T0 a second or two ahead; from T0
 *      the running scheduler meets a backlog of N due games and generates each once;
 *   4. done when every game has current_turn = 1; Game Master is closed, everything dropped.
 *
 * Reported per N: wall time from T0 until the last turn, turns generated per second (N / span between the
 * first cutoff and the last outcome, from the operation log), and scheduler lag at pickup:
 * (turn cutoff − next_generation_at) per game, p50 / p99 / max.
 * See README.md for the set-up and how to read the numbers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type GameMasterHandle, loadConfig, startGameMaster } from "@galaxy/gamemaster";
import { createIsolatedDatabase, createIsolatedRedis, freePort } from "@galaxy/testkit";
import pg from "pg";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
const ENGINE_STUB_MAIN = resolve(ROOT, "apps/engine-stub/src/main.ts");

const SIZES = (process.env.BENCH_SIZES ?? "100,1000,10000")
  .split(",")
  .map((value) => Number(value.trim()))
  .filter((value) => Number.isInteger(value) && value > 0);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const INTERVAL = process.env.BENCH_INTERVAL ?? "1s";
const POOL = Number(process.env.BENCH_POSTGRES_MAX_CONNECTIONS ?? 10);
const GM_LOG_LEVEL = process.env.BENCH_GM_LOG_LEVEL ?? "warn";
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 300_000);
const RACES = ["Aelinari", "Borg", "Cylon", "Dalek"];

interface Result {
  games: number;
  wallSeconds: number;
  turnsPerSecond: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  failures: number;
}

const children = new Set<ChildProcess>();

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function waitUntil(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The engine stub in its own process (its own event loop), as in production. */
async function startEngineStub(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@galaxy/source", ENGINE_STUB_MAIN],
    {
      cwd: HERE,
      env: {
        ...process.env,
        ENGINE_STUB_HTTP_PORT: String(port),
        ENGINE_STUB_HTTP_HOST: "127.0.0.1",
        ENGINE_STUB_CALLS_LIMIT: "4",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  children.add(child);
  child.on("exit", () => children.delete(child));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    "the engine stub",
    async () => {
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    30_000,
  );
  return { url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

/**
 * A minimal Lobby answering every roster with active members, so that the turn-ready intents go
 * through GM's membership cache as in production (one roster load per game).
 */
async function startFakeLobby(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const match = /^\/api\/v1\/internal\/games\/([^/]+)\/memberships$/.exec(req.url ?? "");
    if (match?.[1] === undefined) {
      res.writeHead(404).end();
      return;
    }
    const gameId = decodeURIComponent(match[1]);
    const memberships = RACES.map((race, index) => ({
      user_id: `${gameId}-u${index}`,
      race_name: race,
      status: "active",
    }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ memberships }));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function mapLimit<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        if (item !== undefined) await run(item);
      }
    }),
  );
}

async function initEngineGames(engineUrl: string, gameIds: readonly string[]): Promise<void> {
  await mapLimit(gameIds, 32, async (gameId) => {
    const response = await fetch(`${engineUrl}/games/${gameId}/api/v1/admin/init`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ races: RACES.map((race_name) => ({ race_name })) }),
    });
    if (!response.ok) throw new Error(`engine init ${gameId}: ${response.status}`);
    await response.text();
  });
}

/** Inserts the running records (all due at `dueAt`) and their mappings, 1 000 rows a statement. */
async function insertGames(
  sql: pg.Pool,
  engineUrl: string,
  gameIds: readonly string[],
  dueAt: Date | null,
): Promise<void> {
  const now = new Date();
  for (let offset = 0; offset < gameIds.length; offset += 1_000) {
    const batch = gameIds.slice(offset, offset + 1_000);
    await sql.query(
      `INSERT INTO gamemaster.runtime_records
         (game_id, status, engine_endpoint, current_image_ref, current_engine_version, turn_schedule,
          current_turn, next_generation_at, skip_next_tick, engine_health, created_at, updated_at, started_at)
       SELECT id, 'running', $2 || '/games/' || id, 'galaxy/game:1.4.2', '1.4.2', '0 0 1 1 *',
              0, $3, false, 'healthy', $4, $4, $4
       FROM unnest($1::text[]) AS id`,
      [batch, engineUrl, dueAt, now],
    );
    const mappingGames: string[] = [];
    const users: string[] = [];
    const races: string[] = [];
    for (const gameId of batch) {
      RACES.forEach((race, index) => {
        mappingGames.push(gameId);
        users.push(`${gameId}-u${index}`);
        races.push(race);
      });
    }
    await sql.query(
      `INSERT INTO gamemaster.player_mappings (game_id, user_id, race_name, engine_player_uuid, created_at)
       SELECT g, u, r, g || ':' || r, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(g, u, r)`,
      [mappingGames, users, races, now],
    );
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function runOnce(games: number, lobbyUrl: string): Promise<Result> {
  const label = `bench_sched_${games}`;
  const database = await createIsolatedDatabase(label);
  const redis = await createIsolatedRedis(label);
  const engine = await startEngineStub();
  const sql = new pg.Pool({ connectionString: database.url, max: 4 });
  let gm: GameMasterHandle | undefined;
  try {
    const config = loadConfig({
      GAMEMASTER_HTTP_PORT: "0",
      GAMEMASTER_POSTGRES_URL: database.url,
      GAMEMASTER_POSTGRES_MAX_CONNECTIONS: String(POOL),
      GAMEMASTER_REDIS_URL: redis.url,
      GAMEMASTER_REDIS_KEY_PREFIX: redis.keyPrefix,
      GAMEMASTER_LOBBY_BASE_URL: lobbyUrl,
      GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
      GAMEMASTER_SCHEDULER_INTERVAL: INTERVAL,
      GAMEMASTER_SCHEDULER_CONCURRENCY: String(CONCURRENCY),
      GAMEMASTER_LOG_LEVEL: GM_LOG_LEVEL,
    });
    log(`  N=${games}: starting Game Master (concurrency ${CONCURRENCY}, interval ${INTERVAL})`);
    gm = await startGameMaster(config, { host: "127.0.0.1" });

    const gameIds = Array.from({ length: games }, (_, index) => `bench-${games}-${index}`);
    log(`  N=${games}: initialising ${games} games on the engine stub and in PostgreSQL`);
    await initEngineGames(engine.url, gameIds);
    // Inserted unscheduled, then every game gets the same next_generation_at in one statement:
    // a whole-second instant shortly ahead, so the running scheduler meets all N at once.
    await insertGames(sql, engine.url, gameIds, null);
    const dueAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    await sql.query("UPDATE gamemaster.runtime_records SET next_generation_at = $1", [dueAt]);
    await new Promise((done) => setTimeout(done, Math.max(0, dueAt.getTime() - Date.now())));
    const started = performance.now();
    await waitUntil(
      `${games} turns`,
      async () => {
        const done = await sql.query<{ n: string }>(
          "SELECT count(*) AS n FROM gamemaster.runtime_records WHERE current_turn >= 1 OR status <> 'running'",
        );
        return Number(done.rows[0]?.n ?? 0) >= games;
      },
      TIMEOUT_MS,
    );
    const wallSeconds = (performance.now() - started) / 1000;
    await gm.close();
    gm = undefined;

    const ops = await sql.query<{ started_at: Date; finished_at: Date; outcome: string }>(
      "SELECT started_at, finished_at, outcome FROM gamemaster.operation_log WHERE op_kind = 'turn_generation'",
    );
    const lags = ops.rows
      .map((row) => (row.started_at.getTime() - dueAt.getTime()) / 1000)
      .sort((a, b) => a - b);
    const firstCutoff = Math.min(...ops.rows.map((row) => row.started_at.getTime()));
    const lastOutcome = Math.max(...ops.rows.map((row) => row.finished_at.getTime()));
    const failures = ops.rows.filter((row) => row.outcome !== "success").length;
    return {
      games,
      wallSeconds,
      turnsPerSecond:
        (ops.rows.length - failures) / Math.max(0.001, (lastOutcome - firstCutoff) / 1000),
      lagP50: percentile(lags, 50),
      lagP99: percentile(lags, 99),
      lagMax: lags[lags.length - 1] ?? Number.NaN,
      failures,
    };
  } finally {
    await gm?.close().catch(() => undefined);
    await sql.end().catch(() => undefined);
    await stopChild(engine.child);
    await redis.cleanup().catch(() => undefined);
    await database.drop().catch(() => undefined);
  }
}

function table(results: readonly Result[]): string {
  const header = [
    "games (N)",
    "wall time (s)",
    "turns/s",
    "lag p50 (s)",
    "lag p99 (s)",
    "lag max (s)",
    "failed",
  ];
  const rows = results.map((r) => [
    r.games.toLocaleString("en-US"),
    r.wallSeconds.toFixed(2),
    r.turnsPerSecond.toFixed(0),
    r.lagP50.toFixed(3),
    r.lagP99.toFixed(3),
    r.lagMax.toFixed(3),
    String(r.failures),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

let stopping = false;
async function main(): Promise<void> {
  log(
    `scheduler benchmark: N = ${SIZES.join(", ")}; concurrency ${CONCURRENCY}, interval ${INTERVAL}, pool ${POOL}`,
  );
  const lobby = await startFakeLobby();
  const results: Result[] = [];
  try {
    for (const games of SIZES) {
      results.push(await runOnce(games, lobby.url));
      log(`  N=${games}: done`);
    }
  } finally {
    stopping = true;
    await new Promise((done) => lobby.server.close(done));
  }
  process.stdout.write(
    `\nGame Master scheduler: N games due at one instant, each generated once (engine stub, ${process.platform} ${process.arch}, node ${process.version})\n` +
      `GAMEMASTER_SCHEDULER_CONCURRENCY=${CONCURRENCY} GAMEMASTER_SCHEDULER_INTERVAL=${INTERVAL} GAMEMASTER_POSTGRES_MAX_CONNECTIONS=${POOL}\n\n` +
      `${table(results)}\n\n` +
      "lag = turn cutoff - next_generation_at (the instant every game became due); turns/s = N / (last outcome - first cutoff)\n",
  );
}

const cleanUp = () => {
  for (const child of children) child.kill("SIGKILL");
};
process.on("exit", cleanUp);
process.on("SIGINT", () => {
  if (!stopping) cleanUp();
  process.exit(130);
});

await main();
