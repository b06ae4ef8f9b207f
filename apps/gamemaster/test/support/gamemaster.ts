import { closeRedis, createRedis } from "@galaxy/redisconn";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import type { Redis } from "ioredis";
import pg from "pg";
import { pino } from "pino";
import { type GameMasterConfig, loadConfig } from "../../src/config.js";
import {
  type GameMasterHandle,
  type StartGameMasterOptions,
  startGameMaster,
} from "../../src/server.js";

/** A Game Master started in-process on an isolated database and Redis prefix. */
export interface TestGameMaster {
  gm: GameMasterHandle;
  config: GameMasterConfig;
  database: IsolatedDatabase;
  redisIsolation: IsolatedRedis;
  /** A pool on the test database for assertions. */
  sql: pg.Pool;
  /** A client with the suite's key prefix, for reading the streams. */
  redis: Redis;
  /** fetch against the GM, JSON in / out. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; headers: Headers }>;
  close(): Promise<void>;
}

/** Options of {@link startTestGameMaster}. */
export interface TestGameMasterOptions {
  label: string;
  env?: Record<string, string>;
  /** Rewrites the PostgreSQL URL GM uses (e.g. through a TCP proxy). */
  postgresUrl?: (url: string) => string | Promise<string>;
  start?: StartGameMasterOptions;
}

/** Starts GM on port 0 with its own database and Redis prefix. */
export async function startTestGameMaster(options: TestGameMasterOptions): Promise<TestGameMaster> {
  const database = await createIsolatedDatabase(options.label);
  const redisIsolation = await createIsolatedRedis(options.label);
  const postgresUrl = (await options.postgresUrl?.(database.url)) ?? database.url;
  const config = loadConfig({
    GAMEMASTER_HTTP_PORT: "0",
    GAMEMASTER_POSTGRES_URL: postgresUrl,
    GAMEMASTER_POSTGRES_MAX_CONNECTIONS: "4",
    GAMEMASTER_REDIS_URL: redisIsolation.url,
    GAMEMASTER_REDIS_KEY_PREFIX: redisIsolation.keyPrefix,
    GAMEMASTER_LOBBY_BASE_URL: "http://127.0.0.1:9",
    GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
    GAMEMASTER_ENGINE_TIMEOUT: "1s",
    GAMEMASTER_LOG_LEVEL: process.env.GM_TEST_LOG_LEVEL ?? "silent",
    ...options.env,
  });
  const gm = await startGameMaster(config, {
    host: "127.0.0.1",
    logger: pino({ level: config.logLevel }),
    ...options.start,
  });
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const redis = createRedis({ url: redisIsolation.url, keyPrefix: redisIsolation.keyPrefix });
  return {
    gm,
    config,
    database,
    redisIsolation,
    sql,
    redis,
    async call(method, path, body, headers = {}) {
      const response = await fetch(`${gm.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === "" ? null : JSON.parse(text);
      } catch {
        // Non-JSON bodies (metrics) stay text.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await gm.close();
      await closeRedis(redis);
      await sql.end();
      await redisIsolation.cleanup();
      await database.drop();
    },
  };
}
