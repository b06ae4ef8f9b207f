import { fileURLToPath } from "node:url";

/**
 * The committed drizzle migrations folder. Resolved from this module's own
 * URL: `src/adapters/postgres/` and `dist/adapters/postgres/` sit at the same
 * depth below the package root, so it works from sources, from the build and
 * from a `pnpm deploy` copy (the package ships `drizzle/` in `files`).
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../drizzle", import.meta.url));

/** The schema that holds GM's tables and the migrator's bookkeeping table. */
export const MIGRATIONS_SCHEMA = "gamemaster";
