import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";

/** A drizzle database over a `pg` pool, as returned by {@link createDatabase}. */
export type Database<TSchema extends Record<string, unknown> = Record<string, never>> =
  NodePgDatabase<TSchema> & { $client: pg.Pool };

/**
 * Wraps a pool in drizzle with the workspace conventions: `casing: "snake_case"` (camelCase keys
 * in the schema, snake_case columns in the database) and the relational query API for `schema`.
 */
export function createDatabase<TSchema extends Record<string, unknown>>(
  pool: pg.Pool,
  schema: TSchema,
): Database<TSchema> {
  return drizzle({ client: pool, schema, casing: "snake_case" });
}
