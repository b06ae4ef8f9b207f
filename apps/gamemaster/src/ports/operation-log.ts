import type { OperationEntry, OperationRecord } from "../domain/operation.js";

/** The append-only audit trail `operation_log`. */
export interface OperationLog {
  /** Appends one entry and returns its id. */
  append(entry: OperationEntry): Promise<number>;
  /** Entries of one game, the newest first. */
  listByGame(gameId: string, limit?: number): Promise<OperationRecord[]>;
}
