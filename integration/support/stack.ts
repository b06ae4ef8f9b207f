import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { closeRedis, createRedis } from "@galaxy/redisconn";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import type { Redis } from "ioredis";
import pg from "pg";
import { gmClient } from "./gm.js";
import { ManagedProcess, type ProcessExit } from "./process.js";
import { waitFor } from "./wait.js";

/** The four processes of the stack, by package folder under `apps/`. */
export type ServiceName = "engine-stub" | "rtm-stub" | "gamemaster" | "lobby-stub";

const APPS_DIR = fileURLToPath(new URL("../../apps/", import.meta.url));

/** `apps/<name>` of a service. */
export function appDir(name: ServiceName): string {
  return `${APPS_DIR}${name}`;
}

/**
 * The suites run what `pnpm start` runs: the built `dist/main.js`. `pnpm test` builds first
 * (scripts/test-all.sh); a bare `vitest run --project integration` on a fresh clone needs
 * `pnpm exec turbo run build` before, and this says so instead of failing obscurely.
 */
export function assertBuilt(names: readonly ServiceName[]): void {
  const missing = names.filter((name) => !existsSync(`${appDir(name)}/dist/main.js`));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.map((name) => `apps/${name}/dist/main.js`).join(", ")}; ` +
        "run `pnpm exec turbo run build` first (`pnpm test` does it)",
    );
  }
}

const SUCCESSFUL_REQUEST_LINE = /"method":"[A-Z]+".*"status":[23]\d\d/;

/** Options of {@link Service}. */
export interface ServiceOptions {
  name: ServiceName;
  port: number;
  /** The whole environment of the process (see {@link ManagedProcess}). */
  env: Readonly<Record<string, string>>;
  /** Path that answers 200 once the service can take work (`/readyz` for GM). */
  readinessPath: string;
  /** Also hand every output chunk to this sink (the local stack's log files). */
  onOutput?: (chunk: string) => void;
}

/** One service of the stack on a fixed port: can be stopped and started again on that port. */
export class Service {
  readonly name: ServiceName;
  readonly port: number;
  readonly url: string;
  readonly env: Readonly<Record<string, string>>;
  readonly #readinessPath: string;
  readonly #onOutput: ((chunk: string) => void) | undefined;
  #current: ManagedProcess | undefined;
  readonly #runs: ManagedProcess[] = [];

  constructor(options: ServiceOptions) {
    this.name = options.name;
    this.port = options.port;
    this.url = `http://127.0.0.1:${options.port}`;
    this.env = options.env;
    this.#readinessPath = options.readinessPath;
    this.#onOutput = options.onOutput;
  }

  /** The running process, if any. */
  get process(): ManagedProcess | undefined {
    return this.#current;
  }

  /** Spawns `node dist/main.js` and waits until the readiness path answers 200. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.#current?.running) throw new Error(`${this.name} is already running`);
    const child = ManagedProcess.start({
      name: this.name,
      args: ["dist/main.js"],
      cwd: appDir(this.name),
      env: this.env,
      ...(this.#onOutput === undefined ? {} : { onOutput: this.#onOutput }),
    });
    this.#current = child;
    this.#runs.push(child);
    await waitFor(
      async () => {
        if (!child.running) {
          throw new Error(`${this.name} exited (${JSON.stringify(child.exit)}):\n${child.tail()}`);
        }
        try {
          const response = await fetch(`${this.url}${this.#readinessPath}`, {
            signal: AbortSignal.timeout(1_000),
          });
          await response.body?.cancel();
          return response.status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      { what: `${this.name} ${this.#readinessPath} on port ${this.port}`, timeoutMs },
    ).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n--- ${this.name} output ---\n${child.tail(60)}`);
    });
  }

  /** SIGTERM and wait for the exit (SIGKILL after the timeout). */
  async stop(timeoutMs?: number): Promise<ProcessExit | undefined> {
    const child = this.#current;
    if (child === undefined) return undefined;
    return child.stop(timeoutMs);
  }

  /**
   * Output of every run of this service, oldest first, the last `lines` lines of each. Access
   * log lines of successful requests are left out: the suites poll, and those lines would bury
   * the ones that explain a failure.
   */
  logs(lines = 150): string {
    return this.#runs
      .map((run, index) => {
        const kept = run
          .logs()
          .split("\n")
          .filter((line) => !SUCCESSFUL_REQUEST_LINE.test(line))
          .slice(-lines)
          .join("\n");
        return `--- ${this.name} run ${index + 1} (pid ${run.pid}) ---\n${kept}`;
      })
      .join("\n");
  }
}

/** `count` distinct free ports (two calls of `freePort` may hand out the same one). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Ports and servers the four services are wired to. */
export interface Wiring {
  ports: Readonly<Record<ServiceName, number>>;
  /** GM's database. */
  postgresUrl: string;
  redisUrl: string;
  /** Shared by every service so the streams between them meet under it. */
  redisKeyPrefix: string;
  logLevel: string;
  /** Extra or overriding variables per service. */
  overrides?: Partial<Record<ServiceName, Record<string, string>>>;
}

/**
 * The environment of each service for a wiring: the one place that knows every app's variable
 * names (docs/reference.md#configuration), used by the suites and by the local stack (`pnpm stack`) alike.
 */
export function serviceEnvironments(wiring: Wiring): Record<ServiceName, Record<string, string>> {
  const url = (name: ServiceName) => `http://127.0.0.1:${wiring.ports[name]}`;
  const overrides = wiring.overrides ?? {};
  return {
    "engine-stub": {
      ENGINE_STUB_HTTP_PORT: String(wiring.ports["engine-stub"]),
      ENGINE_STUB_HTTP_HOST: "127.0.0.1",
      LOG_LEVEL: wiring.logLevel,
      ...overrides["engine-stub"],
    },
    "rtm-stub": {
      RTM_STUB_HTTP_PORT: String(wiring.ports["rtm-stub"]),
      RTM_STUB_HTTP_HOST: "127.0.0.1",
      RTM_STUB_REDIS_URL: wiring.redisUrl,
      RTM_STUB_REDIS_KEY_PREFIX: wiring.redisKeyPrefix,
      RTM_STUB_ENGINE_BASE_URL: url("engine-stub"),
      LOG_LEVEL: wiring.logLevel,
      ...overrides["rtm-stub"],
    },
    gamemaster: {
      GAMEMASTER_HTTP_PORT: String(wiring.ports.gamemaster),
      GAMEMASTER_POSTGRES_URL: wiring.postgresUrl,
      GAMEMASTER_POSTGRES_MAX_CONNECTIONS: "5",
      GAMEMASTER_REDIS_URL: wiring.redisUrl,
      GAMEMASTER_REDIS_KEY_PREFIX: wiring.redisKeyPrefix,
      GAMEMASTER_LOBBY_BASE_URL: url("lobby-stub"),
      GAMEMASTER_RTM_BASE_URL: url("rtm-stub"),
      GAMEMASTER_SHUTDOWN_TIMEOUT: "10s",
      GAMEMASTER_LOG_LEVEL: wiring.logLevel,
      ...overrides.gamemaster,
    },
    "lobby-stub": {
      LOBBY_STUB_HTTP_PORT: String(wiring.ports["lobby-stub"]),
      LOBBY_STUB_GM_BASE_URL: url("gamemaster"),
      LOBBY_STUB_REDIS_URL: wiring.redisUrl,
      LOBBY_STUB_REDIS_KEY_PREFIX: wiring.redisKeyPrefix,
      LOG_LEVEL: wiring.logLevel,
      ...overrides["lobby-stub"],
    },
  };
}

/** The four services for a wiring, in start order (engine, RTM, GM, lobby). */
export function createServices(
  wiring: Wiring,
  onOutput?: (name: ServiceName) => (chunk: string) => void,
): [Service, Service, Service, Service] {
  const env = serviceEnvironments(wiring);
  const make = (name: ServiceName, readinessPath: string) =>
    new Service({
      name,
      port: wiring.ports[name],
      env: env[name],
      readinessPath,
      ...(onOutput === undefined ? {} : { onOutput: onOutput(name) }),
    });
  return [
    make("engine-stub", "/healthz"),
    make("rtm-stub", "/healthz"),
    make("gamemaster", "/readyz"),
    make("lobby-stub", "/healthz"),
  ];
}

/** Stops services in the order that keeps each one's callees up while it drains. */
export async function stopServices(
  services: readonly Service[],
): Promise<Partial<Record<ServiceName, ProcessExit>>> {
  const order: ServiceName[] = ["lobby-stub", "gamemaster", "rtm-stub", "engine-stub"];
  const exits: Partial<Record<ServiceName, ProcessExit>> = {};
  for (const name of order) {
    const service = services.find((candidate) => candidate.name === name);
    const exit = await service?.stop();
    if (exit !== undefined) exits[name] = exit;
  }
  return exits;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Names the database and the Redis prefix (`[a-z0-9_]`). */
  label: string;
  /** Extra or overriding environment per service. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Services not to start yet (they are configured and can be started later). */
  deferred?: readonly ServiceName[];
  /** Engine version registered in GM once it is up; default 1.0.0 → galaxy/game:1.0.0. */
  engineVersion?: { version: string; image_ref: string } | null;
}

/** GM, the three stubs, an isolated database and an isolated Redis prefix. */
export interface Stack {
  database: IsolatedDatabase;
  redisIsolation: IsolatedRedis;
  /** A pool on GM's database, for assertions and for making turns due. */
  sql: pg.Pool;
  /** A client with the stack's key prefix, for reading the streams. */
  redis: Redis;
  engine: Service;
  rtm: Service;
  gm: Service;
  lobby: Service;
  services: readonly Service[];
  /** The recent output of every service (for a failed test). */
  dumpLogs(lines?: number): string;
  /** Stops every running service (SIGTERM, awaited); returns each one's exit. */
  stopAll(): Promise<Partial<Record<ServiceName, ProcessExit>>>;
  /** {@link stopAll}, then drops the database and the Redis keys. Idempotent. */
  close(): Promise<void>;
}

/** Default engine version the stack registers in GM. */
export const DEFAULT_ENGINE_VERSION = { version: "1.0.0", image_ref: "galaxy/game:1.0.0" };

/**
 * GM settings of the suites: a short scheduler tick keeps "make the turn due, see it generated"
 * fast on two cores; a long membership TTL means only the invalidate hook can explain a
 * membership change being seen.
 */
const SUITE_GM_ENV: Readonly<Record<string, string>> = {
  GAMEMASTER_ENGINE_TIMEOUT: "2s",
  GAMEMASTER_ENGINE_TURN_TIMEOUT: "5s",
  GAMEMASTER_SCHEDULER_INTERVAL: "200ms",
  GAMEMASTER_MEMBERSHIP_CACHE_TTL: "10m",
};

/**
 * Starts engine stub, RTM stub, GM and lobby stub as real processes on free ports, wired to
 * each other, to one isolated PostgreSQL database (GM) and to one Redis key prefix shared by all
 * (the streams between them live under it). Anything created is released if the start fails.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  assertBuilt(["engine-stub", "rtm-stub", "gamemaster", "lobby-stub"]);
  const database = await createIsolatedDatabase(options.label);
  const redisIsolation = await createIsolatedRedis(options.label);
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  sql.on("error", () => {});
  const redis = createRedis({ url: redisIsolation.url, keyPrefix: redisIsolation.keyPrefix });

  const [enginePort = 0, rtmPort = 0, gmPort = 0, lobbyPort = 0] = await freePorts(4);
  const overrides = options.env ?? {};
  const services = createServices({
    ports: {
      "engine-stub": enginePort,
      "rtm-stub": rtmPort,
      gamemaster: gmPort,
      "lobby-stub": lobbyPort,
    },
    postgresUrl: database.url,
    redisUrl: redisIsolation.url,
    redisKeyPrefix: redisIsolation.keyPrefix,
    logLevel: process.env.INTEGRATION_LOG_LEVEL ?? "info",
    overrides: { ...overrides, gamemaster: { ...SUITE_GM_ENV, ...overrides.gamemaster } },
  });
  const [engine, rtm, gm, lobby] = services;

  const dumpLogs = (lines = 150) => services.map((service) => service.logs(lines)).join("\n");
  const stopAll = () => stopServices(services);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        await stopAll();
      } finally {
        await closeRedis(redis).catch(() => undefined);
        await sql.end().catch(() => undefined);
        await redisIsolation.cleanup();
        await database.drop();
      }
    })();
    return closing;
  };
  const stack: Stack = {
    database,
    redisIsolation,
    sql,
    redis,
    engine,
    rtm,
    gm,
    lobby,
    services,
    dumpLogs,
    stopAll,
    close,
  };

  try {
    const deferred = new Set(options.deferred ?? []);
    await Promise.all(
      services.filter((service) => !deferred.has(service.name)).map((service) => service.start()),
    );
    const version =
      options.engineVersion === undefined ? DEFAULT_ENGINE_VERSION : options.engineVersion;
    if (version !== null && !deferred.has("gamemaster")) {
      await gmClient(gm.url).createEngineVersion(version);
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return stack;
}
