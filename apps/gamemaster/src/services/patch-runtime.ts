import { GalaxyError } from "@galaxy/errors";
import semver from "semver";
import { isPatchUpgrade, isValidSemver } from "../domain/engine-version.js";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";
import type { Clock } from "../ports/clock.js";
import type { EngineVersionStore } from "../ports/engine-version-store.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { RtmClient } from "../ports/rtm-client.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { failureCode, failureMessage, operationEntry, recordOperation } from "./op-log.js";
import type { OperationContext } from "./operation-context.js";
import { writeExternalChange } from "./record-write.js";

/**
 * Statuses a patch is accepted from. Not during a turn (RTM would restart the
 * engine under it), not while starting, never on a terminal record.
 */
export const PATCHABLE_STATUSES: readonly RuntimeStatus[] = [
  "running",
  "generation_failed",
  "engine_unreachable",
];

/** Collaborators of {@link PatchRuntimeService}. */
export interface PatchRuntimeDeps {
  runtimeRecords: RuntimeRecordStore;
  engineVersions: EngineVersionStore;
  operationLog: OperationLog;
  unitOfWork: UnitOfWork;
  rtm: RtmClient;
  clock: Clock;
}

/**
 * Admin patch (docs/reference.md#admin-operations): resolve the image ref of the requested version
 * (active, else `engine_version_not_found`), require the same major and minor
 * as `current_engine_version` and a different version (`semver_patch_only`),
 * RTM patches the container, then the record gets the new image ref and
 * version (CAS on its status, re-read and retried if it moved) and the
 * operation is logged. An RTM failure changes nothing.
 */
export class PatchRuntimeService {
  constructor(private readonly deps: PatchRuntimeDeps) {}

  async execute(gameId: string, version: string, ctx: OperationContext): Promise<RuntimeRecord> {
    if (!isValidSemver(version)) {
      throw new GalaxyError(
        "invalid_request",
        `version: "${version}" is not a semantic version (e.g. 1.4.2)`,
      );
    }
    const { runtimeRecords, engineVersions, rtm, clock } = this.deps;
    const startedAt = clock.now();
    const logger = ctx.logger.child({ op_kind: "patch", engine_version: version });
    const record = await runtimeRecords.get(gameId);
    if (record === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    const from = record.currentEngineVersion;
    try {
      this.assertPatchable(record.status);
      const target = await engineVersions.get(version);
      if (target === null || target.status !== "active") {
        throw new GalaxyError(
          "engine_version_not_found",
          target === null
            ? `engine version "${version}" not found`
            : `engine version "${version}" is deprecated`,
        );
      }
      if (!isPatchUpgrade(from, version)) {
        const parsed = semver.parse(from);
        const line = parsed === null ? from : `${parsed.major}.${parsed.minor}`;
        throw new GalaxyError(
          "semver_patch_only",
          from === version
            ? `runtime already runs engine version ${from}`
            : `cannot move from ${from} to ${version}: a runtime may only change to another patch of ${line}`,
        );
      }
      await rtm.patch(gameId, target.imageRef);

      // RTM has patched the container: the record must say so whatever status
      // it moved to meanwhile, unless it was deleted.
      const { written } = await writeExternalChange({
        runtimeRecords,
        unitOfWork: this.deps.unitOfWork,
        clock,
        record,
        what: "patched",
        plan: () => ({
          patch: { currentImageRef: target.imageRef, currentEngineVersion: target.version },
        }),
        effects: async (tx) => {
          await tx.operationLog.append(
            operationEntry({ gameId, opKind: "patch", ctx, startedAt, finishedAt: clock.now() }),
          );
        },
      });
      logger.info(
        { from_version: from, to_version: version, image_ref: target.imageRef },
        "runtime patched",
      );
      return written;
    } catch (error) {
      await recordOperation(this.deps.operationLog, {
        gameId,
        opKind: "patch",
        ctx,
        error,
        startedAt,
        finishedAt: clock.now(),
        logger,
      });
      logger.warn(
        { error_code: failureCode(error), error_message: failureMessage(error) },
        "patch runtime failed",
      );
      throw error;
    }
  }

  private assertPatchable(status: RuntimeStatus): void {
    if (!PATCHABLE_STATUSES.includes(status)) {
      throw new GalaxyError(
        "conflict",
        `runtime is ${status}; patch needs ${PATCHABLE_STATUSES.join(", ")}`,
      );
    }
  }
}
