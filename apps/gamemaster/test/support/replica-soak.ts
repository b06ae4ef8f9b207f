/**
 * The replica soak (docs/decisions/095-gm-multi-instance-leases.md): several real Game Master
 * processes on one isolated PostgreSQL database and one Redis key prefix, one engine stub
 * process, many games ticking continuously while a chaos loop SIGKILLs a random instance and
 * starts it again. When the run is over and every interrupted turn has been recovered, it
 * audits that every due tick became exactly one turn:
 *
 * - per game: the engine's turn (`/admin/status`) = the `/admin/turn` calls the engine stub
 *   received = GM's `current_turn` = the successful turn entries (`turn_generation` /
 *   `force_next_turn`) in `operation_log`;
 * - no game left in `starting` or `generation_in_progress` (nor holding a lease);
 * - `gm:lobby_events`: exactly one `runtime_snapshot_update` per (game, turn), raw entries
 *   counted, nothing de-duplicated; likewise one `game.turn.ready` intent per (game, turn);
 * - after each SIGKILL, the time until every game the killed instance held (`lease_owner` =
 *   its id at the kill) is settled again, within the lease + the recovery interval + one engine
 *   call. Without the lease columns (a Game Master before migration 0002_leases) that is
 *   "n/a", and a proxy is measured instead: every game in generation at the kill settled.
 *
 * Used by `pnpm --filter @galaxy/gamemaster soak:replicas` (scripts/replicas-soak.ts, long
 * run, sources through tsx) and by integration/replicas.int.test.ts (short run, built dist).
 * Self-contained on purpose (node, pg, ioredis, testkit): the integration package imports it
 * by path, without pulling in Game Master's sources.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import { Redis } from "ioredis";
import pg from "pg";

/** Options of {@link runReplicaSoak}; every field has a default. */
export interface ReplicaSoakOptions {
  /** Names the database and the Redis prefix (`[a-z0-9_]`). */
  label?: string;
  /** Game Master processes (default 3). */
  instances?: number;
  /** Games registered and kept ticking (default 200). */
  games?: number;
  /** How long the games tick while the chaos loop runs (default 90). */
  seconds?: number;
  /** SIGKILLs spread over the run, each followed by a restart (default 10). */
  kills?: number;
  /**
   * `source`: `node --import tsx --conditions=@galaxy/source src/main.ts` (no build step);
   * `dist`: `node dist/main.js`, what `pnpm start` and the image run. SIGKILL hits the Game
   * Master process itself either way (no wrapper process in between).
   */
  launcher?: "source" | "dist";
  /** `GAMEMASTER_TURN_LEASE` of every instance, ms (default 3000). */
  turnLeaseMs?: number;
  /** `GAMEMASTER_RECOVERY_INTERVAL` of every instance, ms (default 500). */
  recoveryIntervalMs?: number;
  /** Some turns are slowed down in the engine stub by up to this many ms (default 1500; 0 = none). */
  slowTurnMaxMs?: number;
  /** A force-next-turn of a random game on a random instance this often, ms (default 500; 0 = none). */
  forceEveryMs?: number;
  /** How long recovery and the outbox drain may take after the run (default 120 000). */
  settleTimeoutMs?: number;
  /** `GAMEMASTER_LOG_LEVEL` of the instances (default `warn`). */
  gmLogLevel?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Aborting ends the run early; everything started is still stopped and dropped. */
  signal?: AbortSignal;
}

/** One SIGKILL of the chaos loop. */
export interface KillRecord {
  instance: string;
  /** ms since the games started ticking. */
  atMs: number;
  /** Games the instance held at the kill (lease mode) or games in generation (proxy mode). */
  held: number;
  /** ms from the kill until every held game was settled again; null = never within the run. */
  recoveryMs: number | null;
}

/** A game whose counters disagree. */
export interface TurnMismatch {
  gameId: string;
  engineTurn: number;
  engineTurnCalls: number;
  gmTurn: number;
  opLogTurns: number;
}

/** What {@link runReplicaSoak} measured. `violations` empty = every check passed. */
export interface ReplicaSoakReport {
  instances: number;
  games: number;
  seconds: number;
  /** Whether runtime_records has the lease columns (migration 0002_leases). */
  leaseColumns: boolean;
  /** Turns over every game (GM's `current_turn` summed). */
  turns: number;
  turnsPerSecond: number;
  /** force-next-turn answers by HTTP status (`error` = no answer: the instance was killed). */
  forces: Record<string, number>;
  kills: KillRecord[];
  recovery: {
    /** `lease`: games with lease_owner = the killed instance; `proxy`: every game in generation. */
    mode: "lease" | "proxy";
    maxMs: number | null;
    p50Ms: number | null;
    /** The design's bound: lease + recovery interval + one engine call. */
    boundMs: number;
  };
  mismatches: TurnMismatch[];
  /**
   * Turn entries of operation_log by kind, outcome, error code and (when it is not a scheduler
   * tick or an admin call) source_ref: how many turns recovery settled, how many outcomes were
   * discarded or refused. Informational; the checks above decide.
   */
  opLogSummary: Record<string, number>;
  snapshotDuplicates: { gameId: string; turn: number; count: number }[];
  snapshotGaps: { gameId: string; turn: number }[];
  intentDuplicates: { gameId: string; turn: number; count: number }[];
  intentGaps: { gameId: string; turn: number }[];
  /** Games still starting / in generation / holding a lease when the settle wait gave up. */
  stuck: { gameId: string; status: string; leaseOwner: string | null }[];
  /** Instances that exited without being killed by the chaos loop. */
  unexpectedExits: string[];
  violations: string[];
}

const APPS = fileURLToPath(new URL("../../../", import.meta.url));
const GM_DIR = `${APPS}gamemaster`;
const ENGINE_DIR = `${APPS}engine-stub`;
const ENGINE_VERSION = { version: "1.0.0", image_ref: "galaxy/game:1.0.0" };
/** Every minute: the shortest schedule cron allows (five fields, no seconds). */
const SCHEDULE = "* * * * *";
const TAIL_CHARS = 64 * 1024;
/** Calls the engine stub keeps per game; a full log means the turn calls cannot be counted. */
const ENGINE_CALLS_LIMIT = 20_000;
/** The engine call of a recovery (`/admin/status`) is bounded by GAMEMASTER_ENGINE_TIMEOUT. */
const ENGINE_TIMEOUT_MS = 2_000;

class AbortedError extends Error {
  constructor() {
    super("replica soak aborted");
    this.name = "AbortedError";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// Last resort when the driver dies without its cleanup (an uncaught error, a second ctrl-C):
// children are not detached, but would outlive it.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process with a bounded output tail and an always-awaited exit. */
class Child {
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #tail = "";

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    const append = (chunk: Buffer) => {
      this.#tail += chunk.toString("utf8");
      if (this.#tail.length > TAIL_CHARS) this.#tail = this.#tail.slice(-TAIL_CHARS);
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        live.delete(child);
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  static start(name: string, cwd: string, args: string[], env: Record<string, string>): Child {
    const child = spawn(process.execPath, args, {
      cwd,
      // Only what the soak sets (plus PATH/HOME): nothing from the developer's shell leaks in.
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new Child(name, child);
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    if (this.#exit !== undefined) return this.#exit;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  tail(lines = 40): string {
    return this.#tail
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  }
}

function entryArgs(launcher: "source" | "dist"): string[] {
  return launcher === "dist"
    ? ["dist/main.js"]
    : ["--import", "tsx", "--conditions=@galaxy/source", "src/main.ts"];
}

async function waitHttp(child: Child, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running) {
      throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${child.name}: ${url} not ready after ${timeoutMs} ms:\n${child.tail()}`);
    }
    await sleep(100);
  }
}

async function call(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method,
    headers: {
      "x-op-source": "admin_rest",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, text: await response.text() };
}

/**
 * The two Lobby calls a turn can make (the roster behind the membership cache) answered for
 * any game: every game has the two players the soak registers, both active.
 */
function startLobby(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const match = /^\/api\/v1\/internal\/games\/([^/]+)\/memberships$/.exec(req.url ?? "");
    if (req.method === "GET" && match !== null) {
      const gameId = decodeURIComponent(match[1] ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          memberships: [
            { user_id: `${gameId}-u1`, race_name: "Aelinari", status: "active" },
            { user_id: `${gameId}-u2`, race_name: "Borgh", status: "active" },
          ],
        }),
      );
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "not_found", message: "soak lobby" } }));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, server });
    });
  });
}

/** A Game Master instance: a fixed id and port, restarted on both after a kill. */
interface Instance {
  id: string;
  port: number;
  url: string;
  process: Child | undefined;
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? null;
}

/** Runs the soak; resolves with the report (throws only when the set-up itself fails). */
export async function runReplicaSoak(options: ReplicaSoakOptions = {}): Promise<ReplicaSoakReport> {
  const o = {
    label: options.label ?? "soak_replicas",
    instances: options.instances ?? 3,
    games: options.games ?? 200,
    seconds: options.seconds ?? 90,
    kills: options.kills ?? 10,
    launcher: options.launcher ?? "source",
    turnLeaseMs: options.turnLeaseMs ?? 3_000,
    recoveryIntervalMs: options.recoveryIntervalMs ?? 500,
    slowTurnMaxMs: options.slowTurnMaxMs ?? 1_500,
    forceEveryMs: options.forceEveryMs ?? 500,
    settleTimeoutMs: options.settleTimeoutMs ?? 120_000,
    gmLogLevel: options.gmLogLevel ?? "warn",
  };
  const log = options.log ?? (() => {});
  const signal = options.signal;

  let database: IsolatedDatabase | undefined;
  let redisIsolation: IsolatedRedis | undefined;
  let sql: pg.Pool | undefined;
  let redis: Redis | undefined;
  let engine: Child | undefined;
  let lobby: Server | undefined;
  const instances: Instance[] = [];
  const unexpectedExits: string[] = [];
  /** Processes the chaos loop killed: their exits are expected. */
  const killedOnPurpose = new Set<Child>();
  let watchingExits = true;
  let loopsRunning = true;
  const background: Promise<unknown>[] = [];

  try {
    database = await createIsolatedDatabase(o.label);
    redisIsolation = await createIsolatedRedis(o.label);
    const dbUrl = database.url;
    const db = new pg.Pool({ connectionString: dbUrl, max: 4 });
    db.on("error", () => {});
    sql = db;
    const streams = new Redis(redisIsolation.url, {
      keyPrefix: redisIsolation.keyPrefix,
      maxRetriesPerRequest: 2,
    });
    streams.on("error", () => {});
    redis = streams;

    const enginePort = await freePort();
    const engineUrl = `http://127.0.0.1:${enginePort}`;
    const engineProcess = Child.start("engine-stub", ENGINE_DIR, entryArgs(o.launcher), {
      ENGINE_STUB_HTTP_PORT: String(enginePort),
      ENGINE_STUB_HTTP_HOST: "127.0.0.1",
      // Every turn call of the run stays listed: the audit counts them. (Each game's log is a
      // preallocated ring: a million per game would cost gigabytes.)
      ENGINE_STUB_CALLS_LIMIT: String(ENGINE_CALLS_LIMIT),
      LOG_LEVEL: "warn",
    });
    engine = engineProcess;
    const lobbyServer = await startLobby();
    lobby = lobbyServer.server;

    const ports = new Set<number>([enginePort]);
    while (ports.size < o.instances + 1) ports.add(await freePort());
    const gmPorts = [...ports].filter((port) => port !== enginePort);
    for (let index = 0; index < o.instances; index += 1) {
      const port = gmPorts[index] ?? 0;
      instances.push({
        id: `gm-${String.fromCharCode(97 + index)}`,
        port,
        url: `http://127.0.0.1:${port}`,
        process: undefined,
      });
    }
    const gmEnv = (instance: Instance): Record<string, string> => ({
      GAMEMASTER_HTTP_PORT: String(instance.port),
      GAMEMASTER_INSTANCE_ID: instance.id,
      GAMEMASTER_POSTGRES_URL: dbUrl,
      GAMEMASTER_POSTGRES_MAX_CONNECTIONS: "5",
      GAMEMASTER_REDIS_URL: redisIsolation?.url ?? "",
      GAMEMASTER_REDIS_KEY_PREFIX: redisIsolation?.keyPrefix ?? "",
      GAMEMASTER_LOBBY_BASE_URL: lobbyServer.url,
      // Nothing in the soak stops or patches a runtime.
      GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
      GAMEMASTER_ENGINE_TIMEOUT: `${ENGINE_TIMEOUT_MS}ms`,
      GAMEMASTER_ENGINE_TURN_TIMEOUT: "5s",
      GAMEMASTER_SCHEDULER_INTERVAL: "200ms",
      GAMEMASTER_SCHEDULER_CONCURRENCY: "8",
      GAMEMASTER_MEMBERSHIP_CACHE_TTL: "10m",
      GAMEMASTER_SHUTDOWN_TIMEOUT: "10s",
      GAMEMASTER_TURN_LEASE: `${o.turnLeaseMs}ms`,
      GAMEMASTER_RECOVERY_INTERVAL: `${o.recoveryIntervalMs}ms`,
      GAMEMASTER_LOG_LEVEL: o.gmLogLevel,
    });
    const startInstance = async (instance: Instance): Promise<void> => {
      const child = Child.start(instance.id, GM_DIR, entryArgs(o.launcher), gmEnv(instance));
      instance.process = child;
      void child.exited.then((exit) => {
        if (!killedOnPurpose.has(child) && watchingExits) {
          unexpectedExits.push(`${instance.id} exited ${JSON.stringify(exit)}:\n${child.tail()}`);
        }
      });
      await waitHttp(child, `${instance.url}/readyz`, 60_000);
    };

    await waitHttp(engineProcess, `${engineUrl}/healthz`, 30_000);
    // The first instance migrates the database; the others then find it up to date.
    const [first, ...others] = instances;
    if (first === undefined) throw new Error("the soak needs at least one instance");
    await startInstance(first);
    await Promise.all(others.map(startInstance));
    log(`  ${o.instances} instances up (${instances.map((i) => `${i.id}:${i.port}`).join(", ")})`);

    const columns = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = 'gamemaster' AND table_name = 'runtime_records'
          AND column_name IN ('lease_owner', 'lease_token')`,
    );
    const leaseColumns = columns.rows.length === 2;
    log(
      `  lease columns: ${leaseColumns ? "present" : "absent (recovery time n/a, proxy measured)"}`,
    );

    const created = await call(
      "POST",
      `${first.url}/api/v1/internal/engine-versions`,
      ENGINE_VERSION,
    );
    if (created.status !== 201)
      throw new Error(`engine version: ${created.status} ${created.text}`);
    const gameIds = Array.from({ length: o.games }, (_, index) => `soak-${index}`);
    // Registered through every instance in turn, eight at a time.
    for (let index = 0; index < gameIds.length; index += 8) {
      await Promise.all(
        gameIds.slice(index, index + 8).map(async (gameId, offset) => {
          const via = instances[(index + offset) % instances.length] ?? first;
          const response = await call(
            "POST",
            `${via.url}/api/v1/internal/games/${gameId}/runtime`,
            {
              engine_endpoint: `${engineUrl}/games/${gameId}`,
              members: [
                { user_id: `${gameId}-u1`, race_name: "Aelinari" },
                { user_id: `${gameId}-u2`, race_name: "Borgh" },
              ],
              target_engine_version: ENGINE_VERSION.version,
              turn_schedule: SCHEDULE,
            },
          );
          if (response.status !== 201) {
            throw new Error(`register ${gameId}: ${response.status} ${response.text}`);
          }
        }),
      );
    }
    log(`  ${o.games} games registered`);

    // Staggered first activations; after each turn the schedule points at the next minute, and
    // the due loop below pulls it back to within a second, so every game ticks continuously.
    await db.query(
      `UPDATE gamemaster.runtime_records
          SET next_generation_at = now() + random() * interval '2 seconds'
        WHERE status = 'running'`,
    );
    const started = Date.now();

    const dueLoop = (async () => {
      while (loopsRunning) {
        await db
          .query(
            `UPDATE gamemaster.runtime_records
                SET next_generation_at = now() + random() * interval '1 second'
              WHERE status = 'running' AND next_generation_at > now() + interval '3 seconds'`,
          )
          .catch(() => undefined);
        if (o.slowTurnMaxMs > 0) {
          // Slow turns widen the window in which a SIGKILL lands during an engine call (and
          // make the owner renew its lease).
          for (let n = 0; n < 1 + Math.floor(o.games / 100); n += 1) {
            const gameId = gameIds[Math.floor(Math.random() * gameIds.length)];
            const ms = 100 + Math.floor(Math.random() * o.slowTurnMaxMs);
            await fetch(`${engineUrl}/games/${gameId}/_stub/slow-next-turn?ms=${ms}`, {
              method: "POST",
            })
              .then((response) => response.body?.cancel())
              .catch(() => undefined);
          }
        }
        await sleep(250);
      }
    })();
    background.push(dueLoop);

    const forces: Record<string, number> = {};
    const forceLoop = (async () => {
      if (o.forceEveryMs <= 0) return;
      while (loopsRunning) {
        await sleep(o.forceEveryMs);
        const gameId = gameIds[Math.floor(Math.random() * gameIds.length)];
        const via = instances[Math.floor(Math.random() * instances.length)];
        if (via === undefined || gameId === undefined) continue;
        let key = "error";
        try {
          const response = await call(
            "POST",
            `${via.url}/api/v1/internal/games/${gameId}/runtime/force-next-turn`,
          );
          key = String(response.status);
          if (response.status !== 200 && response.status !== 409) {
            log(`  force ${gameId} on ${via.id}: ${response.status} ${response.text}`);
          }
        } catch {
          // The instance was killed during the call, or is restarting.
        }
        forces[key] = (forces[key] ?? 0) + 1;
      }
    })();
    background.push(forceLoop);

    const kills: KillRecord[] = [];
    const trackers: Promise<void>[] = [];
    let trackersRunning = true;
    const slot = (o.seconds * 1000) / (o.kills + 1);
    for (let k = 0; k < o.kills; k += 1) {
      const at = slot * (k + 1) + (Math.random() - 0.5) * (slot / 2);
      await sleep(Math.max(0, started + at - Date.now()), signal);
      const victim = instances[Math.floor(Math.random() * instances.length)];
      const child = victim?.process;
      if (victim === undefined || child === undefined) continue;
      killedOnPurpose.add(child);
      child.kill("SIGKILL");
      const killedAt = Date.now();
      await child.exited;
      // A dead process writes nothing: what it held is frozen until someone recovers it.
      const held = leaseColumns
        ? (
            await db.query<{ game_id: string; mark: string }>(
              `SELECT game_id, lease_token::text AS mark FROM gamemaster.runtime_records
                WHERE lease_owner = $1 AND lease_token IS NOT NULL`,
              [victim.id],
            )
          ).rows
        : (
            await db.query<{ game_id: string; mark: string }>(
              `SELECT game_id, status || '@' || updated_at::text AS mark
                 FROM gamemaster.runtime_records
                WHERE status IN ('generation_in_progress', 'starting')`,
            )
          ).rows;
      const record: KillRecord = {
        instance: victim.id,
        atMs: killedAt - started,
        held: held.length,
        recoveryMs: held.length === 0 ? 0 : null,
      };
      kills.push(record);
      log(
        `  t=${(record.atMs / 1000).toFixed(1)}s SIGKILL ${victim.id} (${held.length} game(s) ${leaseColumns ? "held" : "in generation"})`,
      );
      if (held.length > 0) {
        const marks = new Map(held.map((row) => [row.game_id, row.mark]));
        trackers.push(
          (async () => {
            while (trackersRunning) {
              const rows = leaseColumns
                ? await db.query<{ game_id: string; mark: string | null }>(
                    `SELECT game_id, lease_token::text AS mark FROM gamemaster.runtime_records
                      WHERE game_id = ANY($1)`,
                    [[...marks.keys()]],
                  )
                : await db.query<{ game_id: string; mark: string | null }>(
                    `SELECT game_id, status || '@' || updated_at::text AS mark
                       FROM gamemaster.runtime_records WHERE game_id = ANY($1)`,
                    [[...marks.keys()]],
                  );
              if (rows.rows.every((row) => row.mark !== marks.get(row.game_id))) {
                record.recoveryMs = Date.now() - killedAt;
                return;
              }
              await sleep(100);
            }
          })().catch(() => undefined),
        );
      }
      await startInstance(victim);
    }
    await sleep(Math.max(0, started + o.seconds * 1000 - Date.now()), signal);
    loopsRunning = false;
    await Promise.all(background);
    const tickedMs = Date.now() - started;
    log(`  ticking stopped after ${(tickedMs / 1000).toFixed(1)} s; settling`);

    // Quiesce: the schedule would make every game due again at the next minute; push running
    // games a day out until nothing is in flight and the outbox has drained, twice in a row.
    const stuckQuery = leaseColumns
      ? `SELECT game_id, status, lease_owner FROM gamemaster.runtime_records
          WHERE status IN ('generation_in_progress', 'starting') OR lease_token IS NOT NULL`
      : `SELECT game_id, status, NULL AS lease_owner FROM gamemaster.runtime_records
          WHERE status IN ('generation_in_progress', 'starting')`;
    const settleDeadline = Date.now() + o.settleTimeoutMs;
    let quiet = 0;
    let stuck: { game_id: string; status: string; lease_owner: string | null }[] = [];
    while (quiet < 2 && Date.now() < settleDeadline) {
      await db.query(
        `UPDATE gamemaster.runtime_records SET next_generation_at = now() + interval '1 day'
          WHERE status = 'running' AND next_generation_at < now() + interval '1 hour'`,
      );
      stuck = (await db.query<(typeof stuck)[number]>(stuckQuery)).rows;
      const outbox = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM gamemaster.outbox",
      );
      quiet = stuck.length === 0 && outbox.rows[0]?.n === 0 ? quiet + 1 : 0;
      if (quiet < 2) await sleep(250, signal);
    }
    trackersRunning = false;
    await Promise.all(trackers);

    // The audit.
    const violations: string[] = [];
    const gm = await db.query<{ game_id: string; current_turn: number; status: string }>(
      "SELECT game_id, current_turn, status FROM gamemaster.runtime_records",
    );
    const opLog = await db.query<{ game_id: string; n: number }>(
      `SELECT game_id, count(*)::int AS n FROM gamemaster.operation_log
        WHERE op_kind IN ('turn_generation', 'force_next_turn') AND outcome = 'success'
        GROUP BY game_id`,
    );
    const opTurns = new Map(opLog.rows.map((row) => [row.game_id, row.n]));
    const summary = await db.query<{
      op_kind: string;
      outcome: string;
      error_code: string;
      source_ref: string;
      n: number;
    }>(
      `SELECT op_kind, outcome, error_code,
              CASE WHEN source_ref LIKE 'tick:%' THEN '' ELSE source_ref END AS source_ref,
              count(*)::int AS n
         FROM gamemaster.operation_log
        WHERE op_kind IN ('turn_generation', 'force_next_turn')
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    );
    const opLogSummary: Record<string, number> = {};
    for (const row of summary.rows) {
      const key = [row.op_kind, row.outcome, row.error_code, row.source_ref]
        .filter((part) => part !== "")
        .join(" ");
      opLogSummary[key] = row.n;
    }
    const gmTurns = new Map(gm.rows.map((row) => [row.game_id, row.current_turn]));
    const mismatches: TurnMismatch[] = [];
    let turns = 0;
    for (const gameId of gameIds) {
      const status = await fetch(`${engineUrl}/games/${gameId}/api/v1/admin/status`);
      const state = (await status.json()) as { turn: number };
      const listed = await fetch(`${engineUrl}/games/${gameId}/_stub/calls`);
      const { calls } = (await listed.json()) as { calls: { method: string; path: string }[] };
      if (calls.length >= ENGINE_CALLS_LIMIT) {
        violations.push(`${gameId}: the engine stub's call log overflowed; turn calls not counted`);
      }
      const engineTurnCalls = calls.filter(
        (entry) => entry.method === "POST" && entry.path === "/api/v1/admin/turn",
      ).length;
      const gmTurn = gmTurns.get(gameId) ?? -1;
      const opLogTurns = opTurns.get(gameId) ?? 0;
      turns += Math.max(0, gmTurn);
      if (state.turn !== gmTurn || engineTurnCalls !== gmTurn || opLogTurns !== gmTurn) {
        mismatches.push({ gameId, engineTurn: state.turn, engineTurnCalls, gmTurn, opLogTurns });
      }
    }
    if (mismatches.length > 0) {
      violations.push(
        `${mismatches.length} game(s) where engine turn, engine turn calls, current_turn and successful turn entries disagree`,
      );
    }

    const snapshots = new Map<string, number>();
    const ready = new Map<string, number>();
    const countEntries = async (
      stream: string,
      visit: (fields: Record<string, string>) => void,
    ): Promise<void> => {
      let start = "-";
      for (;;) {
        const page = await streams.xrange(stream, start, "+", "COUNT", 2000);
        for (const [, flat] of page) {
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) {
            fields[flat[i] as string] = flat[i + 1] as string;
          }
          visit(fields);
        }
        const last = page[page.length - 1];
        if (page.length < 2000 || last === undefined) return;
        start = `(${last[0]}`;
      }
    };
    await countEntries("gm:lobby_events", (fields) => {
      const turn = Number(fields.current_turn);
      // Turn 0 is the registration's snapshot; a failed turn's snapshot repeats the last turn.
      if (
        fields.event_type !== "runtime_snapshot_update" ||
        !(turn >= 1) ||
        fields.runtime_status === "generation_failed"
      ) {
        return;
      }
      const key = `${fields.game_id}\u0000${turn}`;
      snapshots.set(key, (snapshots.get(key) ?? 0) + 1);
    });
    await countEntries("notification:intents", (fields) => {
      if (fields.notification_type !== "game.turn.ready") return;
      const payload = JSON.parse(fields.payload_json ?? "{}") as {
        game_id?: string;
        turn_number?: number;
      };
      const key = `${payload.game_id}\u0000${payload.turn_number}`;
      ready.set(key, (ready.get(key) ?? 0) + 1);
    });
    const tally = (counts: Map<string, number>) => {
      const duplicates: { gameId: string; turn: number; count: number }[] = [];
      const gaps: { gameId: string; turn: number }[] = [];
      const expected = new Set<string>();
      for (const gameId of gameIds) {
        const last = gmTurns.get(gameId) ?? 0;
        for (let turn = 1; turn <= last; turn += 1) {
          const key = `${gameId}\u0000${turn}`;
          expected.add(key);
          const count = counts.get(key) ?? 0;
          if (count === 0) gaps.push({ gameId, turn });
          if (count > 1) duplicates.push({ gameId, turn, count });
        }
      }
      // An event for a turn GM does not have is a double (or phantom) turn too.
      for (const [key, count] of counts) {
        if (expected.has(key)) continue;
        const [gameId = "", turn = "0"] = key.split("\u0000");
        duplicates.push({ gameId, turn: Number(turn), count });
      }
      return { duplicates, gaps };
    };
    const snapshotTally = tally(snapshots);
    const intentTally = tally(ready);
    if (snapshotTally.duplicates.length + snapshotTally.gaps.length > 0) {
      violations.push(
        `gm:lobby_events: ${snapshotTally.duplicates.length} (game, turn) with more than one runtime_snapshot_update (or one for a turn GM does not have), ${snapshotTally.gaps.length} with none`,
      );
    }
    if (intentTally.duplicates.length + intentTally.gaps.length > 0) {
      violations.push(
        `notification:intents: ${intentTally.duplicates.length} (game, turn) with more than one game.turn.ready, ${intentTally.gaps.length} with none`,
      );
    }
    if (stuck.length > 0) {
      violations.push(
        `${stuck.length} game(s) still starting / in generation / holding a lease ${o.settleTimeoutMs} ms after the run`,
      );
    }
    if (unexpectedExits.length > 0) {
      violations.push(`${unexpectedExits.length} instance exit(s) nobody asked for`);
    }
    for (const [status, count] of Object.entries(forces)) {
      if (status !== "200" && status !== "409" && status !== "error") {
        violations.push(`${count} force-next-turn answer(s) with status ${status}`);
      }
    }

    const boundMs = o.turnLeaseMs + o.recoveryIntervalMs + ENGINE_TIMEOUT_MS;
    const recovered = kills
      .filter((kill) => kill.held > 0 && kill.recoveryMs !== null)
      .map((kill) => kill.recoveryMs ?? 0);
    for (const [index, kill] of kills.entries()) {
      if (kill.recoveryMs === null) {
        violations.push(`kill ${index + 1} (${kill.instance}): its games were never settled`);
      } else if (leaseColumns && kill.recoveryMs > boundMs) {
        violations.push(
          `kill ${index + 1} (${kill.instance}): recovery took ${kill.recoveryMs} ms, over lease + recovery interval + engine call = ${boundMs} ms`,
        );
      }
    }

    return {
      instances: o.instances,
      games: o.games,
      seconds: o.seconds,
      leaseColumns,
      turns,
      turnsPerSecond: turns / (tickedMs / 1000),
      forces,
      kills,
      recovery: {
        mode: leaseColumns ? "lease" : "proxy",
        maxMs: recovered.length === 0 ? null : Math.max(...recovered),
        p50Ms: percentile(recovered, 0.5),
        boundMs,
      },
      mismatches,
      opLogSummary,
      snapshotDuplicates: snapshotTally.duplicates,
      snapshotGaps: snapshotTally.gaps,
      intentDuplicates: intentTally.duplicates,
      intentGaps: intentTally.gaps,
      stuck: stuck.map((row) => ({
        gameId: row.game_id,
        status: row.status,
        leaseOwner: row.lease_owner,
      })),
      unexpectedExits,
      violations,
    };
  } finally {
    watchingExits = false;
    loopsRunning = false;
    await Promise.allSettled(background);
    await Promise.allSettled(instances.map((instance) => instance.process?.stop()));
    await engine?.stop().catch(() => undefined);
    await new Promise<void>((resolve) =>
      lobby === undefined ? resolve() : lobby.close(() => resolve()),
    );
    redis?.disconnect();
    await sql?.end().catch(() => undefined);
    await redisIsolation?.cleanup().catch(() => undefined);
    await database?.drop().catch(() => undefined);
  }
}

/** The report as the lines the script prints (and a failing test shows). */
export function formatReplicaSoakReport(report: ReplicaSoakReport): string[] {
  const lines: string[] = [];
  const ms = (value: number | null) => (value === null ? "n/a" : `${(value / 1000).toFixed(2)} s`);
  lines.push(
    `instances ${report.instances}, games ${report.games}, ${report.seconds} s, ${report.kills.length} kill(s)`,
  );
  lines.push(`turns ${report.turns} (${report.turnsPerSecond.toFixed(1)}/s)`);
  lines.push(
    `force-next-turn answers: ${JSON.stringify(report.forces)} (error = the instance died during the call)`,
  );
  for (const [index, kill] of report.kills.entries()) {
    lines.push(
      `kill ${index + 1}: ${kill.instance} at ${(kill.atMs / 1000).toFixed(1)} s, ${kill.held} game(s), recovered in ${ms(kill.recoveryMs)}`,
    );
  }
  if (report.recovery.mode === "lease") {
    lines.push(
      `recovery after SIGKILL (games with lease_owner = the killed instance): max ${ms(report.recovery.maxMs)}, p50 ${ms(report.recovery.p50Ms)}, bound ${ms(report.recovery.boundMs)}`,
    );
  } else {
    lines.push("recovery after SIGKILL (lease_owner): n/a, runtime_records has no lease columns");
    lines.push(
      `  proxy, every game in generation at the kill settled again: max ${ms(report.recovery.maxMs)}, p50 ${ms(report.recovery.p50Ms)}`,
    );
  }
  const first = <T>(items: readonly T[], show: (item: T) => string) =>
    items
      .slice(0, 20)
      .map(show)
      .concat(items.length > 20 ? [`  … ${items.length - 20} more`] : []);
  lines.push("operation_log turn entries:");
  for (const [key, count] of Object.entries(report.opLogSummary)) {
    lines.push(`  ${key}: ${count}`);
  }
  lines.push(`turn count mismatches: ${report.mismatches.length}`);
  lines.push(
    ...first(
      report.mismatches,
      (m) =>
        `  ${m.gameId}: engine ${m.engineTurn}, engine turn calls ${m.engineTurnCalls}, current_turn ${m.gmTurn}, op log ${m.opLogTurns}`,
    ),
  );
  lines.push(
    `runtime_snapshot_update per (game, turn): duplicates ${report.snapshotDuplicates.length}, gaps ${report.snapshotGaps.length}`,
  );
  lines.push(
    ...first(
      report.snapshotDuplicates,
      (d) => `  duplicate ${d.gameId} turn ${d.turn} ×${d.count}`,
    ),
    ...first(report.snapshotGaps, (g) => `  gap ${g.gameId} turn ${g.turn}`),
  );
  lines.push(
    `game.turn.ready per (game, turn): duplicates ${report.intentDuplicates.length}, gaps ${report.intentGaps.length}`,
  );
  lines.push(
    ...first(report.intentDuplicates, (d) => `  duplicate ${d.gameId} turn ${d.turn} ×${d.count}`),
    ...first(report.intentGaps, (g) => `  gap ${g.gameId} turn ${g.turn}`),
  );
  lines.push(`games stuck in starting / generation_in_progress / a lease: ${report.stuck.length}`);
  lines.push(
    ...first(report.stuck, (s) => `  ${s.gameId} ${s.status} lease_owner=${s.leaseOwner ?? "-"}`),
  );
  for (const exit of report.unexpectedExits) lines.push(`unexpected exit: ${exit}`);
  lines.push(
    report.violations.length === 0
      ? "all checks passed"
      : `${report.violations.length} violation(s):`,
  );
  for (const violation of report.violations) lines.push(`  FAIL ${violation}`);
  return lines;
}

export { AbortedError as ReplicaSoakAborted };
