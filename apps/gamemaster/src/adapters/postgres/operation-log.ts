import { desc, eq } from "drizzle-orm";
import type { OperationEntry, OperationRecord } from "../../domain/operation.js";
import type { OperationLog } from "../../ports/operation-log.js";
import type { Database } from "./database.js";
import { withPostgres } from "./errors.js";
import { operationLog } from "./schema.js";

/** {@link OperationLog} over PostgreSQL. */
export class PostgresOperationLog implements OperationLog {
  constructor(private readonly db: Database) {}

  append(entry: OperationEntry): Promise<number> {
    return withPostgres("append operation log", async () => {
      const rows = await this.db
        .insert(operationLog)
        .values(entry)
        .returning({ id: operationLog.id });
      const id = rows[0]?.id;
      if (id === undefined) {
        throw new Error("operation_log insert returned no id");
      }
      return id;
    });
  }

  listByGame(gameId: string, limit = 100): Promise<OperationRecord[]> {
    return withPostgres("list operation log", async () => {
      return this.db
        .select()
        .from(operationLog)
        .where(eq(operationLog.gameId, gameId))
        .orderBy(desc(operationLog.id))
        .limit(limit);
    });
  }
}
