import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { postgresServerUrl, redisServerUrl } from "./servers.js";

/** A throw-away database created for one suite. */
export interface IsolatedDatabase {
  /** Connection URL of the new database (same server and credentials as the test server). */
  url: string;
  /** The database name. */
  name: string;
  /** Terminates every connection to the database and drops it; safe to call twice. */
  drop(): Promise<void>;
}

/** A unique key prefix on the test Redis server for one suite. */
export interface IsolatedRedis {
  /** Connection URL of the test Redis server. */
  url: string;
  /** Prefix (`test:<label>:<random>:`) to give ioredis as `keyPrefix`; no other suite uses it. */
  keyPrefix: string;
  /** Deletes every key that starts with {@link IsolatedRedis.keyPrefix}; safe to call twice. */
  cleanup(): Promise<void>;
}

function sanitize(label: string, pattern: RegExp, maxLength: number): string {
  const cleaned = label.replace(pattern, "_").slice(0, maxLength);
  return cleaned === "" ? "test" : cleaned;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function withAdminClient<T>(
  serverUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const OBJECT_IN_USE = "55006";

async function createDatabase(client: pg.Client, name: string): Promise<void> {
  // CREATE DATABASE copies template1 and fails while another session is connected to it;
  // parallel suites on one server make that briefly possible, so retry a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== OBJECT_IN_USE || attempt >= 5) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/**
 * Creates a fresh, empty database `t_<label>_<random>` on the test PostgreSQL server
 * ({@link postgresServerUrl}) and returns its URL. Call `drop()` in `afterAll`.
 */
export async function createIsolatedDatabase(label = "test"): Promise<IsolatedDatabase> {
  const serverUrl = await postgresServerUrl();
  const name = `t_${sanitize(label.toLowerCase(), /[^a-z0-9_]/g, 40)}_${randomBytes(6).toString("hex")}`;
  await withAdminClient(serverUrl, (client) => createDatabase(client, name));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop() {
      // WITH (FORCE) (PostgreSQL 13+) terminates the connections left open by the suite.
      dropped ??= withAdminClient(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      });
      return dropped;
    },
  };
}

/**
 * Reserves a unique key prefix `test:<label>:<random>:` on the test Redis server
 * ({@link redisServerUrl}). Pass it as `keyPrefix` to every client of the suite and call
 * `cleanup()` in `afterAll`.
 */
export async function createIsolatedRedis(label = "test"): Promise<IsolatedRedis> {
  const url = await redisServerUrl();
  // Only characters without meaning in a SCAN MATCH pattern, so cleanup matches exactly.
  const keyPrefix = `test:${sanitize(label, /[^A-Za-z0-9_-]/g, 40)}:${randomBytes(6).toString("hex")}:`;
  return {
    url,
    keyPrefix,
    async cleanup() {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      redis.on("error", () => {});
      try {
        await redis.connect();
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) {
            await redis.unlink(...keys);
          }
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}
