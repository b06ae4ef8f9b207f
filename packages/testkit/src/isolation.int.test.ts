import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createIsolatedDatabase, createIsolatedRedis } from "./isolation.js";
import { postgresServerUrl } from "./servers.js";

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: await postgresServerUrl() });
  await client.connect();
  try {
    const result = await client.query("select 1 from pg_database where datname = $1", [name]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("createIsolatedDatabase", () => {
  it("creates a fresh database per call and drops it, even with open connections", async () => {
    const first = await createIsolatedDatabase("Isolation Suite!");
    const second = await createIsolatedDatabase("isolation");
    try {
      expect(first.name).toMatch(/^t_isolation_suite__[0-9a-f]{12}$/);
      expect(first.name).not.toBe(second.name);
      expect(new URL(first.url).pathname).toBe(`/${first.name}`);
      expect(await databaseExists(first.name)).toBe(true);

      const client = new pg.Client({ connectionString: first.url });
      client.on("error", () => {});
      await client.connect();
      await client.query("create table marker (id int)");
      const seen = await client.query("select current_database() as db");
      expect(seen.rows[0]?.db).toBe(first.name);

      const other = new pg.Client({ connectionString: second.url });
      await other.connect();
      const tables = await other.query("select 1 from pg_tables where tablename = 'marker'");
      expect(tables.rowCount).toBe(0);
      await other.end();

      // The client above is still connected: drop() must still succeed.
      await first.drop();
      expect(await databaseExists(first.name)).toBe(false);
      await first.drop();
      await client.end().catch(() => {});
    } finally {
      await first.drop();
      await second.drop();
    }
    expect(await databaseExists(second.name)).toBe(false);
  });

  it("keeps the server's credentials and options in the URL", async () => {
    const db = await createIsolatedDatabase();
    try {
      const server = new URL(await postgresServerUrl());
      const url = new URL(db.url);
      expect(url.host).toBe(server.host);
      expect(url.username).toBe(server.username);
      expect(url.search).toBe(server.search);
      expect(db.name).toMatch(/^t_test_/);
    } finally {
      await db.drop();
    }
  });
});

describe("createIsolatedRedis", () => {
  it("gives unique prefixes and cleanup deletes only its own keys", async () => {
    const mine = await createIsolatedRedis("iso*[x]");
    const theirs = await createIsolatedRedis("iso");
    expect(mine.keyPrefix).toMatch(/^test:iso__x_:[0-9a-f]{12}:$/);
    expect(mine.keyPrefix).not.toBe(theirs.keyPrefix);

    const a = new Redis(mine.url, { keyPrefix: mine.keyPrefix });
    const b = new Redis(theirs.url, { keyPrefix: theirs.keyPrefix });
    const raw = new Redis(mine.url);
    try {
      await a.set("k", "1");
      await a.xadd("stream", "*", "f", "v");
      for (let i = 0; i < 2_500; i++) {
        a.set(`bulk:${i}`, "x");
      }
      await a.ping();
      await b.set("k", "2");

      await mine.cleanup();
      expect(await raw.keys(`${mine.keyPrefix}*`)).toEqual([]);
      expect(await b.get("k")).toBe("2");
      await mine.cleanup();

      await theirs.cleanup();
      expect(await raw.keys(`${theirs.keyPrefix}*`)).toEqual([]);
    } finally {
      a.disconnect();
      b.disconnect();
      raw.disconnect();
      await mine.cleanup();
      await theirs.cleanup();
    }
  });
});
