import { GalaxyError } from "@galaxy/errors";
import type { RuntimeStatus } from "../domain/runtime-status.js";
import type { Clock } from "../ports/clock.js";
import type { EngineClient } from "../ports/engine-client.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { PlayerMappingStore } from "../ports/player-mapping-store.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import { failureCode, failureMessage, recordOperation } from "./op-log.js";
import type { OperationContext } from "./operation-context.js";

/**
 * Statuses a banish reaches the engine from. During a turn the engine state
 * is being rewritten (the same cutoff as the hot path), and a terminal or
 * starting runtime has no engine to ask.
 */
export const BANISHABLE_STATUSES: readonly RuntimeStatus[] = [
  "running",
  "generation_failed",
  "engine_unreachable",
];

/** Collaborators of {@link BanishRaceService}. */
export interface BanishRaceDeps {
  runtimeRecords: RuntimeRecordStore;
  playerMappings: PlayerMappingStore;
  operationLog: OperationLog;
  engine: EngineClient;
  clock: Clock;
}

/**
 * Admin banish (docs/reference.md#admin-operations): the race must be mapped in this game
 * (`not_found`), then engine `POST /api/v1/admin/race/banish {race_name}`
 * (its 4xx → `engine_validation_error`, 5xx/timeout → `engine_unreachable`),
 * then the operation log. The mapping stays: the engine keeps the race in its
 * roster, and GM keeps resolving the user to it.
 */
export class BanishRaceService {
  constructor(private readonly deps: BanishRaceDeps) {}

  async execute(gameId: string, raceName: string, ctx: OperationContext): Promise<void> {
    const { runtimeRecords, playerMappings, engine, clock } = this.deps;
    const record = await runtimeRecords.get(gameId);
    if (record === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    const startedAt = clock.now();
    const logger = ctx.logger.child({ op_kind: "banish", race_name: raceName });
    try {
      const mapping = await playerMappings.getByRace(gameId, raceName);
      if (mapping === null) {
        throw new GalaxyError("not_found", `race "${raceName}" is not mapped in game "${gameId}"`);
      }
      if (!BANISHABLE_STATUSES.includes(record.status)) {
        throw new GalaxyError(
          "runtime_not_running",
          `runtime is ${record.status}; banish needs ${BANISHABLE_STATUSES.join(", ")}`,
        );
      }
      await engine.banish(record.engineEndpoint, raceName);
      await recordOperation(this.deps.operationLog, {
        gameId,
        opKind: "banish",
        ctx,
        startedAt,
        finishedAt: clock.now(),
        logger,
      });
      logger.info({ user_id: mapping.userId }, "race banished");
    } catch (error) {
      await recordOperation(this.deps.operationLog, {
        gameId,
        opKind: "banish",
        ctx,
        error,
        startedAt,
        finishedAt: clock.now(),
        logger,
      });
      logger.warn(
        { error_code: failureCode(error), error_message: failureMessage(error) },
        "banish race failed",
      );
      throw error;
    }
  }
}
