import { closePool, createDatabase, createPool, runMigrations } from "@galaxy/postgres";
import { createIsolatedDatabase, type IsolatedDatabase } from "@galaxy/testkit";
import type pg from "pg";
import type { Database } from "../../src/adapters/postgres/database.js";
import { MIGRATIONS_FOLDER, MIGRATIONS_SCHEMA } from "../../src/adapters/postgres/migrations.js";
import { schema } from "../../src/adapters/postgres/schema.js";

/** A fresh database with GM's migrations applied, for one test file. */
export interface MigratedDatabase {
  isolated: IsolatedDatabase;
  pool: pg.Pool;
  db: Database;
  close(): Promise<void>;
}

/** Creates an isolated database, migrates it and opens a pool + drizzle handle on it. */
export async function createMigratedDatabase(label: string): Promise<MigratedDatabase> {
  const isolated = await createIsolatedDatabase(label);
  const pool = createPool({ url: isolated.url, maxConnections: 5 });
  await runMigrations(pool, {
    migrationsFolder: MIGRATIONS_FOLDER,
    migrationsSchema: MIGRATIONS_SCHEMA,
  });
  return {
    isolated,
    pool,
    db: createDatabase(pool, schema),
    async close() {
      await closePool(pool);
      await isolated.drop();
    },
  };
}
