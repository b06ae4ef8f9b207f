import type { OperationEntry, OperationRecord, OpKind } from "../domain/operation.js";

/** Filter and page of {@link OperationLog.listPage}. */
export interface OperationLogPageQuery {
  gameId: string;
  /** Exclusive upper bound on the entry id (keyset paging, newest first). */
  beforeId?: number;
  opKind?: OpKind;
  limit: number;
}

/** The append-only audit trail `operation_log`. */
export interface OperationLog {
  /** Appends one entry and returns its id. */
  append(entry: OperationEntry): Promise<number>;
  /** Appends entries in one statement (a batch of settled turns). */
  appendMany(entries: readonly OperationEntry[]): Promise<void>;
  /** Entries of one game, the newest first. */
  listByGame(gameId: string, limit?: number): Promise<OperationRecord[]>;
  /** Entries of one game, the newest (highest id) first, below `beforeId` when given. */
  listPage(query: OperationLogPageQuery): Promise<OperationRecord[]>;
}
