import { isGalaxyError } from "@galaxy/errors";
import type { OperationEntry, OpKind } from "../domain/operation.js";
import type { Logger } from "../ports/logger.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { OperationContext } from "./operation-context.js";

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

/** What {@link operationEntry} and {@link recordOperation} need. */
export interface OperationOutcomeInput {
  gameId: string;
  opKind: OpKind;
  ctx: Pick<OperationContext, "opSource" | "sourceRef">;
  error?: unknown;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The operation-log entry of one operation: success when `error` is
 * undefined, else a failure carrying its stable code and message.
 */
export function operationEntry(input: OperationOutcomeInput): OperationEntry {
  const failed = "error" in input && input.error !== undefined;
  return {
    gameId: input.gameId,
    opKind: input.opKind,
    opSource: input.ctx.opSource,
    sourceRef: input.ctx.sourceRef,
    outcome: failed ? "failure" : "success",
    errorCode: failed ? failureCode(input.error) : "",
    errorMessage: failed ? failureMessage(input.error) : "",
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
  };
}

/**
 * Records the outcome of one operation for the audit trail, outside any unit
 * of work (refusals and failures that changed nothing). Best effort, like
 * {@link appendOperation}. Inside a unit of work append
 * {@link operationEntry} with the transaction's log instead: it then commits
 * with the change it describes.
 */
export function recordOperation(
  operationLog: OperationLog,
  input: OperationOutcomeInput & { ctx: OperationContext; logger?: Logger },
): Promise<void> {
  return appendOperation(operationLog, operationEntry(input), input.logger ?? input.ctx.logger);
}
