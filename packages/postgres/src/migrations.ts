import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import type pg from "pg";

/** Options of {@link runMigrations}. */
export interface MigrationOptions {
  /** Folder written by drizzle-kit (`meta/_journal.json` + `NNNN_name.sql`). */
  migrationsFolder: string;
  /** The service schema (e.g. `gamemaster`); the migration table lives in it. */
  migrationsSchema: string;
  /** Name of the migration table; default `__drizzle_migrations`. */
  migrationsTable?: string;
}

const DUPLICATE_SCHEMA = "42P06";

function pgErrorOf(error: unknown): { code?: string; message: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string") {
      return { code, message: current.message };
    }
    current = current.cause;
  }
  return undefined;
}

function migrationError(error: unknown, options: MigrationOptions): Error {
  const pgError = pgErrorOf(error);
  const reason = pgError?.message ?? (error instanceof Error ? error.message : String(error));
  let hint = "";
  if (pgError?.code === DUPLICATE_SCHEMA) {
    // drizzle's migrator creates the migrations schema before applying anything, and drizzle-kit
    // generates a plain `CREATE SCHEMA "<name>"` for a pgSchema(): with the migration table inside
    // the service schema that statement always fails.
    hint =
      `; the migrator creates schema "${options.migrationsSchema}" itself, so write the ` +
      `migration's statement as CREATE SCHEMA IF NOT EXISTS "${options.migrationsSchema}"`;
  }
  return new Error(
    `migrations from ${options.migrationsFolder} (schema ${options.migrationsSchema}) failed: ${reason}${hint}`,
    { cause: error },
  );
}

/**
 * Applies the pending drizzle-kit migrations of `migrationsFolder` (drizzle's own migrator; all
 * pending migrations in one transaction, so a failure applies none of them). The migration table
 * is `<migrationsSchema>.<migrationsTable>`; the schema is created when missing. Concurrent
 * callers — several instances starting at once — are serialised by a PostgreSQL advisory lock
 * keyed on the schema, so each migration is applied exactly once. An up-to-date database is a
 * no-op. Rejects with an Error naming the folder and the PostgreSQL reason (original as `cause`).
 */
export async function runMigrations(pool: pg.Pool, options: MigrationOptions): Promise<void> {
  const lockKey = `galaxy:migrations:${options.migrationsSchema}`;
  // One dedicated connection: a session-level advisory lock belongs to the connection holding it.
  const client = await pool.connect();
  try {
    // A pool-wide statement_timeout must not cut a long migration or the wait for the lock.
    await client.query("SET statement_timeout = 0");
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [lockKey]);
    try {
      await migrate(drizzle({ client, casing: "snake_case" }), {
        migrationsFolder: options.migrationsFolder,
        migrationsSchema: options.migrationsSchema,
        ...(options.migrationsTable === undefined
          ? {}
          : { migrationsTable: options.migrationsTable }),
      });
    } catch (error) {
      throw migrationError(error, options);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]).catch(() => {});
    }
  } finally {
    // Discard the connection rather than hand its session settings back to the pool.
    client.release(true);
  }
}
