export { createDatabase, type Database } from "./database.js";
export {
  type MigrationOptions,
  type MigrationStatus,
  migrationStatus,
  runMigrations,
} from "./migrations.js";
export {
  closePool,
  createPool,
  POOL_DEFAULTS,
  type PostgresOptions,
  pingPostgres,
} from "./pool.js";
