import { readMigrationFiles } from "drizzle-orm/migrator";
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

/** What {@link migrationStatus} found. */
export interface MigrationStatus {
  /** Whether every migration of the folder is applied (the database may be further ahead). */
  current: boolean;
  /** Migrations in the folder. */
  expected: number;
  /** Rows in the migration table (0 when the table does not exist). */
  applied: number;
  /** `created_at` of the newest migration in the folder (drizzle's journal `when`), or null. */
  latestExpected: number | null;
  /** `created_at` of the newest applied migration, or null when none is applied. */
  latestApplied: number | null;
}

const UNDEFINED_TABLE = "42P01";
const INVALID_SCHEMA = "3F000";

/**
 * Whether the schema is at the latest migration of `migrationsFolder`, read the way drizzle's
 * migrator decides what is pending: the newest `created_at` in the migration table must be at least
 * the newest journal entry's `when`. A database migrated further by a newer release counts as
 * current (migrations only add). A missing migration table or schema is "nothing applied";
 * any other failure (the database unreachable) rejects.
 */
export async function migrationStatus(
  pool: pg.Pool,
  options: MigrationOptions,
): Promise<MigrationStatus> {
  const files = readMigrationFiles({ migrationsFolder: options.migrationsFolder });
  const latestExpected = files.reduce<number | null>(
    (latest, file) => (latest === null || file.folderMillis > latest ? file.folderMillis : latest),
    null,
  );
  const table = `"${options.migrationsSchema.replaceAll('"', '""')}"."${(options.migrationsTable ?? "__drizzle_migrations").replaceAll('"', '""')}"`;
  let applied = 0;
  let latestApplied: number | null = null;
  try {
    const result = await pool.query<{ applied: string; latest: string | null }>(
      `select count(*) as applied, max(created_at) as latest from ${table}`,
    );
    const row = result.rows[0];
    applied = Number(row?.applied ?? 0);
    latestApplied = row?.latest === null || row?.latest === undefined ? null : Number(row.latest);
  } catch (error) {
    const code = pgErrorOf(error)?.code;
    if (code !== UNDEFINED_TABLE && code !== INVALID_SCHEMA) throw error;
  }
  const current =
    latestExpected === null || (latestApplied !== null && latestApplied >= latestExpected);
  return { current, expected: files.length, applied, latestExpected, latestApplied };
}
