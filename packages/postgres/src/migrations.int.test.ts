import { createIsolatedDatabase, type IsolatedDatabase } from "@galaxy/testkit";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMigrationFolder, type MigrationFolder } from "../test/migration-folder.js";
import { migrationStatus, runMigrations } from "./migrations.js";
import { closePool, createPool } from "./pool.js";

const INIT = {
  tag: "0000_init",
  statements: [
    'CREATE SCHEMA IF NOT EXISTS "svc";',
    'CREATE TABLE "svc"."runtime_records" ("game_id" text PRIMARY KEY NOT NULL, "status" text NOT NULL);',
  ],
};
const SECOND = {
  tag: "0001_versions",
  statements: ['CREATE TABLE "svc"."engine_versions" ("version" text PRIMARY KEY NOT NULL);'],
};

let database: IsolatedDatabase;
let pool: pg.Pool;
let folder: MigrationFolder;

beforeAll(async () => {
  database = await createIsolatedDatabase("postgres-migrations");
});

afterAll(async () => {
  await database.drop();
});

beforeEach(async () => {
  pool = createPool({ url: database.url, maxConnections: 5 });
  await pool.query("DROP SCHEMA IF EXISTS svc CASCADE");
  folder = await createMigrationFolder();
});

afterEach(async () => {
  await closePool(pool);
  await folder.remove();
});

async function tables(): Promise<string[]> {
  const result = await pool.query<{ tablename: string }>(
    "select tablename from pg_tables where schemaname = 'svc' order by tablename",
  );
  return result.rows.map((row) => row.tablename);
}

async function appliedCount(table = "__drizzle_migrations"): Promise<number> {
  const result = await pool.query<{ count: string }>(
    `select count(*) as count from "svc"."${table}"`,
  );
  return Number(result.rows[0]?.count);
}

describe("runMigrations", () => {
  it("applies migrations once, with the migration table inside the service schema", async () => {
    await folder.write([INIT]);
    await runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" });
    expect(await tables()).toEqual(["__drizzle_migrations", "runtime_records"]);
    expect(await appliedCount()).toBe(1);
  });

  it("is a no-op on an up-to-date database", async () => {
    await folder.write([INIT]);
    await runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" });
    await pool.query("insert into svc.runtime_records values ('g-1', 'running')");
    // CREATE TABLE without IF NOT EXISTS would fail if anything were applied again.
    await runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" });
    expect(await appliedCount()).toBe(1);
    expect((await pool.query("select * from svc.runtime_records")).rowCount).toBe(1);
  });

  it("applies only the migrations added since the last run", async () => {
    await folder.write([INIT]);
    await runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" });
    await folder.write([INIT, SECOND]);
    await runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" });
    expect(await tables()).toEqual(["__drizzle_migrations", "engine_versions", "runtime_records"]);
    expect(await appliedCount()).toBe(2);
  });

  it("honours a custom migration table name", async () => {
    await folder.write([INIT]);
    await runMigrations(pool, {
      migrationsFolder: folder.path,
      migrationsSchema: "svc",
      migrationsTable: "schema_migrations",
    });
    expect(await tables()).toEqual(["runtime_records", "schema_migrations"]);
    expect(await appliedCount("schema_migrations")).toBe(1);
  });

  it("applies each migration exactly once when instances start concurrently", async () => {
    await folder.write([INIT, SECOND]);
    const pools = [1, 2, 3].map(() => createPool({ url: database.url, maxConnections: 2 }));
    try {
      await Promise.all(
        pools.map((each) =>
          runMigrations(each, { migrationsFolder: folder.path, migrationsSchema: "svc" }),
        ),
      );
    } finally {
      await Promise.all(pools.map(closePool));
    }
    expect(await appliedCount()).toBe(2);
    expect(await tables()).toEqual(["__drizzle_migrations", "engine_versions", "runtime_records"]);
  });

  it("rejects a failing migration and applies none of the pending ones", async () => {
    await folder.write([
      INIT,
      SECOND,
      { tag: "0002_broken", statements: ['ALTER TABLE "svc"."nope" ADD COLUMN "x" text;'] },
    ]);
    await expect(
      runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" }),
    ).rejects.toThrow(/failed: relation "svc\.nope" does not exist/);
    expect(await tables()).toEqual(["__drizzle_migrations"]);
    expect(await appliedCount()).toBe(0);
  });

  it("releases the lock after a failure so the next run can proceed", async () => {
    await folder.write([{ tag: "0000_broken", statements: ["SELECT no_such_function();"] }]);
    await expect(
      runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" }),
    ).rejects.toThrow(/no_such_function/);
    await folder.write([INIT]);
    await runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" });
    expect(await appliedCount()).toBe(1);
  });

  it("explains drizzle-kit's plain CREATE SCHEMA of the service schema", async () => {
    await folder.write([{ tag: "0000_init", statements: ['CREATE SCHEMA "svc";'] }]);
    await expect(
      runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" }),
    ).rejects.toThrow(/CREATE SCHEMA IF NOT EXISTS "svc"/);
  });

  it("rejects a folder without a journal", async () => {
    await expect(
      runMigrations(pool, { migrationsFolder: folder.path, migrationsSchema: "svc" }),
    ).rejects.toThrow(/_journal\.json/);
  });

  it("is not cut short by a pool statement timeout", async () => {
    await folder.write([
      {
        tag: "0000_slow",
        statements: ['CREATE SCHEMA IF NOT EXISTS "svc";', "SELECT pg_sleep(0.3);"],
      },
    ]);
    const strict = createPool({ url: database.url, statementTimeoutMs: 100 });
    try {
      await runMigrations(strict, { migrationsFolder: folder.path, migrationsSchema: "svc" });
      await expect(strict.query("SELECT pg_sleep(0.3)")).rejects.toThrow(/statement timeout/);
    } finally {
      await closePool(strict);
    }
    expect(await appliedCount()).toBe(1);
  });
});

describe("migrationStatus", () => {
  const options = () => ({ migrationsFolder: folder.path, migrationsSchema: "svc" });

  it("says nothing is applied before the first run (no schema, no migration table)", async () => {
    await folder.write([INIT]);
    expect(await migrationStatus(pool, options())).toMatchObject({
      current: false,
      expected: 1,
      applied: 0,
      latestApplied: null,
    });
  });

  it("is current right after runMigrations, and behind once the folder gains a migration", async () => {
    await folder.write([INIT]);
    await runMigrations(pool, options());
    expect(await migrationStatus(pool, options())).toMatchObject({
      current: true,
      expected: 1,
      applied: 1,
    });
    await folder.write([INIT, SECOND]);
    expect(await migrationStatus(pool, options())).toMatchObject({
      current: false,
      expected: 2,
      applied: 1,
    });
    await runMigrations(pool, options());
    expect(await migrationStatus(pool, options())).toMatchObject({ current: true, applied: 2 });
  });

  it("counts a database migrated further by a newer release as current", async () => {
    await folder.write([INIT, SECOND]);
    await runMigrations(pool, options());
    await folder.write([INIT]);
    expect((await migrationStatus(pool, options())).current).toBe(true);
  });

  it("is behind when the migration table lost its rows", async () => {
    await folder.write([INIT]);
    await runMigrations(pool, options());
    await pool.query('DELETE FROM "svc"."__drizzle_migrations"');
    expect((await migrationStatus(pool, options())).current).toBe(false);
  });
});
