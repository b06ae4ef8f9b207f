import { and, desc, eq, lt, type SQL, sql } from "drizzle-orm";
import type { OperationEntry, OperationRecord } from "../../domain/operation.js";
import type { OperationLog, OperationLogPageQuery } from "../../ports/operation-log.js";
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

  appendMany(entries: readonly OperationEntry[]): Promise<void> {
    if (entries.length === 0) {
      return Promise.resolve();
    }
    return withPostgres("append operation log entries", async () => {
      // One statement with one parameter, however many entries a batch of turns brings.
      const rows = JSON.stringify(
        entries.map((entry, ord) => ({
          ord,
          game_id: entry.gameId,
          op_kind: entry.opKind,
          op_source: entry.opSource,
          source_ref: entry.sourceRef,
          outcome: entry.outcome,
          error_code: entry.errorCode,
          error_message: entry.errorMessage,
          started_at: entry.startedAt.toISOString(),
          finished_at: entry.finishedAt.toISOString(),
        })),
      );
      await this.db.execute(sql`
        insert into gamemaster.operation_log (game_id, op_kind, op_source, source_ref, outcome,
          error_code, error_message, started_at, finished_at)
        select v.game_id, v.op_kind, v.op_source, v.source_ref, v.outcome, v.error_code,
          v.error_message, v.started_at, v.finished_at
        from jsonb_to_recordset(${rows}::jsonb) as v(ord integer, game_id text, op_kind text,
          op_source text, source_ref text, outcome text, error_code text, error_message text,
          started_at timestamptz, finished_at timestamptz)
        order by v.ord`);
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

  listPage(query: OperationLogPageQuery): Promise<OperationRecord[]> {
    return withPostgres("list operation log page", async () => {
      // Served by operation_log_game_idx (game_id, id): an index range scan
      // backwards from beforeId; the op_kind filter is applied on the rows read.
      const conditions: SQL[] = [eq(operationLog.gameId, query.gameId)];
      if (query.beforeId !== undefined) {
        conditions.push(lt(operationLog.id, query.beforeId));
      }
      if (query.opKind !== undefined) {
        conditions.push(eq(operationLog.opKind, query.opKind));
      }
      return this.db
        .select()
        .from(operationLog)
        .where(and(...conditions))
        .orderBy(desc(operationLog.id))
        .limit(query.limit);
    });
  }
}
