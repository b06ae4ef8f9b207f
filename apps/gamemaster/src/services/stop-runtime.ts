import { GalaxyError, isGalaxyError } from "@galaxy/errors";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import { assertTransition, type RuntimeStatus } from "../domain/runtime-status.js";
import type { Clock } from "../ports/clock.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { RtmClient, StopReason } from "../ports/rtm-client.js";
import { STOP_REASONS } from "../ports/rtm-client.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { failureCode, failureMessage, operationEntry, recordOperation } from "./op-log.js";
import type { OperationContext } from "./operation-context.js";
import { writeExternalChange } from "./record-write.js";
import type { RuntimeNotifier } from "./runtime-notifier.js";

/** Statuses an admin stop starts from (docs/reference.md#runtime-status). */
export const STOPPABLE_STATUSES: readonly RuntimeStatus[] = [
  "running",
  "generation_in_progress",
  "generation_failed",
  "engine_unreachable",
];

// The record can move between the RTM call and the CAS (a turn starts or
// ends, a health event lands); each move is re-read and the CAS retried.

/** Collaborators of {@link StopRuntimeService}. */
export interface StopRuntimeDeps {
  runtimeRecords: RuntimeRecordStore;
  operationLog: OperationLog;
  unitOfWork: UnitOfWork;
  rtm: RtmClient;
  notifier: RuntimeNotifier;
  clock: Clock;
}

/**
 * Admin stop (docs/reference.md#admin-operations): RTM stops the container first; only then the record
 * moves to `stopped` (CAS from whatever stoppable status it has by then),
 * `next_generation_at` is cleared, `stopped_at` set, the operation logged and
 * a snapshot queued — the three in one transaction. RTM answering 404 (it no longer knows the container)
 * means nothing runs any more, so the record is stopped all the same
 * (decision 101). Any other RTM refusal keeps RTM's code and message, an RTM
 * outage answers `runtime_manager_unavailable`, and neither changes anything.
 * A stop during a turn wins: the turn's outcome then loses its CAS and is
 * discarded.
 */
export class StopRuntimeService {
  constructor(private readonly deps: StopRuntimeDeps) {}

  async execute(gameId: string, reason: StopReason, ctx: OperationContext): Promise<RuntimeRecord> {
    if (!STOP_REASONS.includes(reason)) {
      throw new GalaxyError("invalid_request", `reason: must be one of ${STOP_REASONS.join(", ")}`);
    }
    const { runtimeRecords, rtm, clock } = this.deps;
    const startedAt = clock.now();
    const logger = ctx.logger.child({ op_kind: "stop", reason });
    const record = await runtimeRecords.get(gameId);
    if (record === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    try {
      this.assertStoppable(record.status);
      const containerKnown = await stopContainer(rtm, gameId, reason);

      const { written, previous } = await writeExternalChange({
        runtimeRecords,
        unitOfWork: this.deps.unitOfWork,
        clock,
        record,
        what: "stopped",
        plan: (current) => {
          this.assertStoppable(current.status);
          assertTransition(current.status, "stopped");
          return {
            to: "stopped",
            patch: { nextGenerationAt: null, stoppedAt: clock.now(), skipNextTick: false },
          };
        },
        effects: async (tx, changed) => {
          const finishedAt = clock.now();
          await tx.operationLog.append(
            operationEntry({ gameId, opKind: "stop", ctx, startedAt, finishedAt }),
          );
          this.deps.notifier.snapshot(tx.outbox, changed, finishedAt);
        },
      });
      if (containerKnown) {
        logger.info({ from_status: previous.status }, "runtime stopped");
      } else {
        logger.warn(
          { from_status: previous.status },
          "runtime manager does not know the container; runtime recorded as stopped",
        );
      }
      return written;
    } catch (error) {
      await recordOperation(this.deps.operationLog, {
        gameId,
        opKind: "stop",
        ctx,
        error,
        startedAt,
        finishedAt: clock.now(),
        logger,
      });
      logger.warn(
        { error_code: failureCode(error), error_message: failureMessage(error) },
        "stop runtime failed",
      );
      throw error;
    }
  }

  private assertStoppable(status: RuntimeStatus): void {
    if (!STOPPABLE_STATUSES.includes(status)) {
      throw new GalaxyError(
        "conflict",
        status === "stopped" || status === "finished"
          ? `runtime is already ${status}`
          : `runtime is ${status}; stop needs ${STOPPABLE_STATUSES.join(", ")}`,
      );
    }
  }
}

/**
 * Asks RTM to stop the container; false when RTM does not know it (404
 * `not_found`), which leaves no container to stop.
 */
async function stopContainer(rtm: RtmClient, gameId: string, reason: StopReason): Promise<boolean> {
  try {
    await rtm.stop(gameId, reason);
    return true;
  } catch (error) {
    if (isGalaxyError(error) && error.code === "not_found") {
      return false;
    }
    throw error;
  }
}
