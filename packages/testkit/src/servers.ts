import { Redis } from "ioredis";
import pg from "pg";
import {
  startPostgresContainer,
  startRedisContainer,
  type TestServerContainer,
} from "./containers.js";
import { dockerHost, dockerSwitch, PROJECT_DOCKER_SOCKET } from "./docker.js";
import { describeError, redactUrl } from "./errors.js";

/** Used when no Docker daemon answers and `GALAXY_TEST_POSTGRES_URL` is unset. */
export const DEFAULT_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";
/** Used when no Docker daemon answers and `GALAXY_TEST_REDIS_URL` is unset. */
export const DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0";

const CHECK_TIMEOUT_MS = 3_000;

/**
 * Connects once to `url` and runs `select 1`; throws an Error that names the URL (password
 * redacted), the reason and the fix.
 */
export async function assertPostgresReachable(
  url: string,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    throw new Error(
      `PostgreSQL for tests is not reachable at ${redactUrl(url)}: ${describeError(error)}. ` +
        "Start it or set GALAXY_TEST_POSTGRES_URL",
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Connects once to `url` and sends `PING`; throws an Error that names the URL (password
 * redacted), the reason and the fix.
 */
export async function assertRedisReachable(
  url: string,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    // Without the ready check connect() resolves once TCP is up and the PING below is bound by
    // commandTimeout; with it a silent server keeps connect() pending far past the timeout.
    enableReadyCheck: false,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis for tests is not reachable at ${redactUrl(url)}: ${describeError(error)}. ` +
        "Start it or set GALAXY_TEST_REDIS_URL",
      { cause: error },
    );
  } finally {
    redis.disconnect();
  }
}

const verified = new Map<string, Promise<string>>();

/** Checks a URL once per process; a failed check is forgotten so the next call tries again. */
function verifyOnce(
  kind: string,
  url: string,
  check: (url: string) => Promise<void>,
): Promise<string> {
  const key = `${kind} ${url}`;
  let pending = verified.get(key);
  if (pending === undefined) {
    pending = check(url).then(() => url);
    pending.catch(() => verified.delete(key));
    verified.set(key, pending);
  }
  return pending;
}

let dockerAnswer: Promise<string | undefined> | undefined;
let postgresContainer: Promise<TestServerContainer> | undefined;
let redisContainer: Promise<TestServerContainer> | undefined;

/** The Docker endpoint to use, or undefined; rejects when GALAXY_TEST_DOCKER=1 and none answers. */
async function useDocker(): Promise<string | undefined> {
  dockerAnswer ??= dockerHost();
  const host = await dockerAnswer;
  if (host === undefined && dockerSwitch() === "required") {
    throw new Error(noDockerMessage());
  }
  return host;
}

/** Why a run that requires Docker (GALAXY_TEST_DOCKER=1) cannot have it, and the fix. */
export function noDockerMessage(env: NodeJS.ProcessEnv = process.env): string {
  const where = env.DOCKER_HOST
    ? `DOCKER_HOST=${env.DOCKER_HOST}`
    : `/var/run/docker.sock or ${env.GALAXY_DOCKER_SOCKET || PROJECT_DOCKER_SOCKET}`;
  return (
    `GALAXY_TEST_DOCKER=1 asks for testcontainers, but no Docker engine answers on ${where}. ` +
    "Run `bash scripts/ensure-docker.sh` (as root it installs and starts one), or unset GALAXY_TEST_DOCKER"
  );
}

/** The value of an env variable naming a server, or undefined when unset or blank. */
export function envUrl(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * URL of a PostgreSQL server for tests (connects as a role that may CREATE DATABASE):
 * - `GALAXY_TEST_POSTGRES_URL` when set (an explicit choice wins over detection; in a vitest run
 *   with the testkit's global setup this is the run's one testcontainers PostgreSQL);
 * - else a testcontainers PostgreSQL when a Docker daemon answers (started once per process,
 *   for code run outside such a vitest run);
 * - else {@link DEFAULT_TEST_POSTGRES_URL}, unless `GALAXY_TEST_DOCKER=1` requires Docker.
 * The server is verified with a real connection; an unreachable one rejects with a clear Error,
 * never a silent skip.
 */
export async function postgresServerUrl(): Promise<string> {
  const explicit = envUrl("GALAXY_TEST_POSTGRES_URL");
  if (explicit === undefined) {
    const host = await useDocker();
    if (host !== undefined) {
      postgresContainer ??= startPostgresContainer(host);
      postgresContainer.catch(() => {
        postgresContainer = undefined;
      });
      return verifyOnce("postgres", (await postgresContainer).url, assertPostgresReachable);
    }
  }
  return verifyOnce("postgres", explicit ?? DEFAULT_TEST_POSTGRES_URL, assertPostgresReachable);
}

/**
 * URL of a Redis server for tests, chosen like {@link postgresServerUrl}:
 * `GALAXY_TEST_REDIS_URL`, else a testcontainers Redis when Docker answers, else
 * {@link DEFAULT_TEST_REDIS_URL}. Rejects with a clear Error when the server does not answer.
 */
export async function redisServerUrl(): Promise<string> {
  const explicit = envUrl("GALAXY_TEST_REDIS_URL");
  if (explicit === undefined) {
    const host = await useDocker();
    if (host !== undefined) {
      redisContainer ??= startRedisContainer(host);
      redisContainer.catch(() => {
        redisContainer = undefined;
      });
      return verifyOnce("redis", (await redisContainer).url, assertRedisReachable);
    }
  }
  return verifyOnce("redis", explicit ?? DEFAULT_TEST_REDIS_URL, assertRedisReachable);
}

/**
 * Stops and removes the PostgreSQL and Redis containers this process started
 * (none when the servers came from the environment). Vitest runs remove their
 * containers in the global setup; a script using the testkit on its own (a
 * benchmark) calls this before it exits, or its containers outlive it.
 */
export async function stopTestServers(): Promise<void> {
  const started = [postgresContainer, redisContainer];
  postgresContainer = undefined;
  redisContainer = undefined;
  verified.clear();
  await Promise.all(
    started.map(async (container) => {
      if (container !== undefined) {
        await (await container.catch(() => undefined))?.stop();
      }
    }),
  );
}
