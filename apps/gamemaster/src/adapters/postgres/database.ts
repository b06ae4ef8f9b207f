import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { GameMasterSchema } from "./schema.js";

/** The drizzle handle every store works on. */
export type Database = NodePgDatabase<GameMasterSchema>;
