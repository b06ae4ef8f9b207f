import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { NodePgDatabase, NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type { GameMasterSchema } from "./schema.js";

/** The drizzle handle over the pool (what the composition root opens). */
export type RootDatabase = NodePgDatabase<GameMasterSchema>;

/**
 * The drizzle handle every store works on: the pool's database or an open
 * transaction (a transaction is a database too), so one store class serves
 * both the plain reads and the writes of a unit of work.
 */
export type Database = PgDatabase<
  NodePgQueryResultHKT,
  GameMasterSchema,
  ExtractTablesWithRelations<GameMasterSchema>
>;
