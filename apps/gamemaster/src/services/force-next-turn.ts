import { GalaxyError } from "@galaxy/errors";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { OperationContext } from "./operation-context.js";
import type { TurnGenerationService } from "./turn-generation.js";

/**
 * force-next-turn (docs/reference.md#admin-operations): generate a turn now (trigger `force`) from
 * running or generation_failed; a generated turn sets `skip_next_tick`.
 *
 * Answers the record after the turn (running or finished). A turn the engine
 * failed answers the engine's error (422 engine_validation_error, 502
 * engine_unreachable / engine_protocol_violation) — the record is then
 * generation_failed and the operators got their intent. Refusals and a
 * discarded outcome (an admin stop won meanwhile) answer 409 conflict.
 */
export class ForceNextTurnService {
  constructor(
    private readonly deps: {
      runtimeRecords: RuntimeRecordStore;
      turnGeneration: TurnGenerationService;
    },
  ) {}

  async execute(gameId: string, ctx: OperationContext): Promise<RuntimeRecord> {
    const record = await this.deps.runtimeRecords.get(gameId);
    if (record === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    const attempt = await this.deps.turnGeneration.force(record, ctx);
    switch (attempt.outcome) {
      case "generated":
      case "finished":
        if (attempt.record !== null) {
          return attempt.record;
        }
        break;
      case "failed":
      case "discarded":
      case "not_started":
        throw attempt.error ?? new GalaxyError("conflict", "the forced turn did not complete");
      case "skipped":
        break;
    }
    throw new GalaxyError("internal_error", `unexpected forced turn outcome ${attempt.outcome}`);
  }
}
