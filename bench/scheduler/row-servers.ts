/**
 * The isolated servers of one row: its own database and Redis key prefix, the bench's small pool
 * on that database, and the processes the row starts. All of it goes when the row ends, and when
 * the bench is stopped by a signal mid-row.
 */
import { createIsolatedDatabase, createIsolatedRedis } from "@galaxy/testkit";
import type pg from "pg";
import { log, onInterrupt } from "./common.js";
import { benchPool } from "./meter.js";
import type { NodeProcess } from "./processes.js";

export interface RowServers {
  database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  redis: Awaited<ReturnType<typeof createIsolatedRedis>>;
  /** The bench's own pool on the row's database (set-up, polling, verification). */
  sql: pg.Pool;
  /** Processes the row started: stopped before the database is dropped. */
  started: NodeProcess[];
}

export async function withRowServers<T>(
  label: string,
  work: (servers: RowServers) => Promise<T>,
): Promise<T> {
  const database = await createIsolatedDatabase(label);
  const redis = await createIsolatedRedis(label);
  const forget = onInterrupt(async () => {
    await Promise.allSettled([database.drop(), redis.cleanup()]);
  });
  const servers: RowServers = { database, redis, sql: benchPool(database.url), started: [] };
  try {
    return await work(servers);
  } finally {
    await Promise.all(servers.started.map((process) => process.stop()));
    await servers.sql.end().catch(() => undefined);
    await redis.cleanup().catch(() => undefined);
    await database
      .drop()
      .catch((error: unknown) => log(`could not drop ${database.name}: ${error}`));
    forget();
  }
}
