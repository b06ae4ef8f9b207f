import { createIsolatedDatabase, freePort, type IsolatedDatabase } from "@galaxy/testkit";
import { sql } from "drizzle-orm";
import { integer, pgSchema, text } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDatabase } from "./database.js";
import { closePool, createPool, pingPostgres } from "./pool.js";

let database: IsolatedDatabase;

beforeAll(async () => {
  database = await createIsolatedDatabase("postgres-pool");
});

afterAll(async () => {
  await database.drop();
});

describe("createPool", () => {
  it("connects from a URL and sets the application name and statement timeout", async () => {
    const pool = createPool({
      url: database.url,
      applicationName: "galaxy-test",
      statementTimeoutMs: 150,
    });
    try {
      const result = await pool.query<{ name: string; timeout: string }>(
        "select current_setting('application_name') as name, current_setting('statement_timeout') as timeout",
      );
      expect(result.rows[0]).toEqual({ name: "galaxy-test", timeout: "150ms" });
      await expect(pool.query("select pg_sleep(1)")).rejects.toMatchObject({ code: "57014" });
    } finally {
      await closePool(pool);
    }
  });

  it("uses the documented defaults", async () => {
    const pool = createPool({ url: database.url });
    try {
      expect(pool.options.max).toBe(10);
      expect(pool.options.connectionTimeoutMillis).toBe(5_000);
      expect(pool.options.idleTimeoutMillis).toBe(30_000);
    } finally {
      await closePool(pool);
    }
  });

  it("survives an idle connection killed by the server and reports it", async () => {
    const onError = vi.fn();
    const pool = createPool({ url: database.url, onError });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const pid = (await pool.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]
        ?.pid;
      // The connection is now idle in the pool; killing it makes the pool emit 'error'.
      await admin.query("select pg_terminate_backend($1)", [pid]);
      await vi.waitFor(() => expect(onError).toHaveBeenCalled());
      expect((await pool.query("select 1 as one")).rows[0]).toEqual({ one: 1 });
    } finally {
      await admin.end();
      await closePool(pool);
    }
  });
});

describe("pingPostgres", () => {
  it("is true on a live pool", async () => {
    const pool = createPool({ url: database.url });
    try {
      expect(await pingPostgres(pool)).toBe(true);
    } finally {
      await closePool(pool);
    }
  });

  it("is false, without throwing, on a pool pointed at a closed port", async () => {
    const port = await freePort();
    const pool = createPool({ url: `postgres://postgres@127.0.0.1:${port}/postgres` });
    try {
      const started = Date.now();
      expect(await pingPostgres(pool, 1_000)).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await closePool(pool);
    }
  });

  it("is false within the timeout when the server never answers", async () => {
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    const pool = createPool({ url: `postgres://postgres@127.0.0.1:${port}/postgres` });
    try {
      const started = Date.now();
      expect(await pingPostgres(pool, 300)).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      for (const socket of sockets) {
        socket.destroy();
      }
      silent.close();
      await closePool(pool);
    }
  });

  it("is false on a closed pool", async () => {
    const pool = createPool({ url: database.url });
    await closePool(pool);
    expect(await pingPostgres(pool)).toBe(false);
  });
});

describe("closePool", () => {
  it("is idempotent", async () => {
    const pool = createPool({ url: database.url });
    await pool.query("select 1");
    await Promise.all([closePool(pool), closePool(pool)]);
    await closePool(pool);
    expect(pool.ended).toBe(true);
  });

  it("closes a pool that never connected", async () => {
    const pool = createPool({ url: database.url });
    await closePool(pool);
    await closePool(pool);
  });
});

describe("createDatabase", () => {
  const svc = pgSchema("db_test");
  const runtimes = svc.table("runtime_records", {
    gameId: text().primaryKey(),
    currentTurn: integer().notNull(),
  });

  it("maps camelCase schema keys to snake_case columns", async () => {
    const pool = createPool({ url: database.url });
    try {
      await pool.query(
        "create schema db_test; create table db_test.runtime_records (game_id text primary key, current_turn integer not null)",
      );
      const db = createDatabase(pool, { runtimes });
      await db.insert(runtimes).values({ gameId: "g-1", currentTurn: 3 });
      expect(await db.select().from(runtimes)).toEqual([{ gameId: "g-1", currentTurn: 3 }]);
      expect(await db.query.runtimes.findFirst()).toEqual({ gameId: "g-1", currentTurn: 3 });
      const raw = await db.execute(sql`select game_id, current_turn from db_test.runtime_records`);
      expect(raw.rows).toEqual([{ game_id: "g-1", current_turn: 3 }]);
      expect(db.$client).toBe(pool);
    } finally {
      await closePool(pool);
    }
  });
});
