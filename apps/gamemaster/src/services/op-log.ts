import { isGalaxyError } from "@galaxy/errors";
import type { OperationEntry } from "../domain/operation.js";
import type { Logger } from "../ports/logger.js";
import type { OperationLog } from "../ports/operation-log.js";

/** The stable code of an operation failure (GalaxyError code, else internal_error). */
export function failureCode(error: unknown): string {
  return isGalaxyError(error) ? error.code : "internal_error";
}

/** The message kept in the operation log for a failure. */
export function failureMessage(error: unknown): string {
  if (isGalaxyError(error)) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Appends an operation-log entry, best effort: the audit trail must never
 * turn a completed operation into a failed one, so a failed append is logged.
 */
export async function appendOperation(
  operationLog: OperationLog,
  entry: OperationEntry,
  logger: Logger,
): Promise<void> {
  try {
    await operationLog.append(entry);
  } catch (error) {
    logger.error(
      { err: error, op_kind: entry.opKind, outcome: entry.outcome, error_code: entry.errorCode },
      "append operation log failed",
    );
  }
}
