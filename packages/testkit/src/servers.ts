import { Redis } from "ioredis";
import pg from "pg";
import { dockerAvailable } from "./docker.js";
import { describeError, redactUrl } from "./errors.js";

/** Used when no Docker daemon answers and `GALAXY_TEST_POSTGRES_URL` is unset. */
export const DEFAULT_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";
/** Used when no Docker daemon answers and `GALAXY_TEST_REDIS_URL` is unset. */
export const DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/0";

const POSTGRES_IMAGE = "postgres:16-alpine";
const REDIS_IMAGE = "redis:7-alpine";
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

let dockerAnswer: Promise<boolean> | undefined;
let postgresContainerUrl: Promise<string> | undefined;
let redisContainerUrl: Promise<string> | undefined;

function useDocker(): Promise<boolean> {
  dockerAnswer ??= dockerAvailable();
  return dockerAnswer;
}

async function startPostgresContainer(): Promise<string> {
  try {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer(POSTGRES_IMAGE).start();
    return container.getConnectionUri();
  } catch (error) {
    throw new Error(
      `PostgreSQL test container (${POSTGRES_IMAGE}) did not start: ${describeError(error)}. ` +
        "Fix Docker, or set GALAXY_TEST_POSTGRES_URL (or GALAXY_TEST_DOCKER=0)",
      { cause: error },
    );
  }
}

async function startRedisContainer(): Promise<string> {
  try {
    const { RedisContainer } = await import("@testcontainers/redis");
    const container = await new RedisContainer(REDIS_IMAGE).start();
    return container.getConnectionUrl();
  } catch (error) {
    throw new Error(
      `Redis test container (${REDIS_IMAGE}) did not start: ${describeError(error)}. ` +
        "Fix Docker, or set GALAXY_TEST_REDIS_URL (or GALAXY_TEST_DOCKER=0)",
      { cause: error },
    );
  }
}

function envUrl(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * URL of a PostgreSQL server for tests (connects as a role that may CREATE DATABASE):
 * - `GALAXY_TEST_POSTGRES_URL` when set (an explicit choice wins over detection);
 * - else a testcontainers PostgreSQL when a Docker daemon answers (started once per process —
 *   i.e. once per vitest worker — and reaped by testcontainers' Ryuk when the process ends);
 * - else {@link DEFAULT_TEST_POSTGRES_URL}.
 * The server is verified with a real connection; an unreachable one rejects with a clear Error,
 * never a silent skip.
 */
export async function postgresServerUrl(): Promise<string> {
  const explicit = envUrl("GALAXY_TEST_POSTGRES_URL");
  if (explicit === undefined && (await useDocker())) {
    postgresContainerUrl ??= startPostgresContainer();
    return verifyOnce("postgres", await postgresContainerUrl, assertPostgresReachable);
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
  if (explicit === undefined && (await useDocker())) {
    redisContainerUrl ??= startRedisContainer();
    return verifyOnce("redis", await redisContainerUrl, assertRedisReachable);
  }
  return verifyOnce("redis", explicit ?? DEFAULT_TEST_REDIS_URL, assertRedisReachable);
}
