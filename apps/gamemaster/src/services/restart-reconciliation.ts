import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { EngineClient } from "../ports/engine-client.js";
import type { Logger } from "../ports/logger.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { ReconcileOutcome, TurnGenerationService } from "./turn-generation.js";

/** Collaborators of {@link RestartReconciler}. */
export interface RestartReconcilerDeps {
  runtimeRecords: RuntimeRecordStore;
  engine: EngineClient;
  turnGeneration: TurnGenerationService;
  logger: Logger;
  /**
   * How long after the cutoff an engine that has not advanced may still be
   * generating the turn (the turn timeout): only then is the game made due again.
   */
  graceMs: number;
  /** Engine status calls in parallel. */
  concurrency: number;
}

/** Result of one {@link RestartReconciler.reconcileOnce} pass. */
export interface ReconcilePass {
  /** generation_in_progress records examined (not in flight in this process). */
  examined: number;
  /** Records still waiting: engine unreachable, or maybe still generating. */
  pending: number;
  outcomes: Partial<Record<ReconcileOutcome | "engine_unavailable", number>>;
}

const PAGE_SIZE = 200;

/**
 * Restart safety (docs/reference.md#turn-generation): finds records in generation_in_progress that no
 * attempt of this process is working on — left by a GM that died mid-turn, or
 * by an outcome that could not be written — asks each engine for its
 * `/admin/status` and lets {@link TurnGenerationService.reconcile} settle them.
 * An engine that cannot answer leaves its game for the next pass.
 */
export class RestartReconciler {
  constructor(private readonly deps: RestartReconcilerDeps) {}

  async reconcileOnce(): Promise<ReconcilePass> {
    const pass: ReconcilePass = { examined: 0, pending: 0, outcomes: {} };
    let afterGameId: string | undefined;
    for (;;) {
      const page = await this.deps.runtimeRecords.list({
        status: "generation_in_progress",
        limit: PAGE_SIZE,
        ...(afterGameId === undefined ? {} : { afterGameId }),
      });
      const candidates = page.filter(
        (record) => !this.deps.turnGeneration.isInFlight(record.gameId),
      );
      for (let index = 0; index < candidates.length; index += this.deps.concurrency) {
        const batch = candidates.slice(index, index + this.deps.concurrency);
        const outcomes = await Promise.all(batch.map((record) => this.reconcileGame(record)));
        for (const outcome of outcomes) {
          pass.examined += 1;
          pass.outcomes[outcome] = (pass.outcomes[outcome] ?? 0) + 1;
          if (outcome === "pending" || outcome === "engine_unavailable") {
            pass.pending += 1;
          }
        }
      }
      const last = page[page.length - 1];
      if (page.length < PAGE_SIZE || last === undefined) {
        return pass;
      }
      afterGameId = last.gameId;
    }
  }

  private async reconcileGame(
    record: RuntimeRecord,
  ): Promise<ReconcileOutcome | "engine_unavailable"> {
    const logger = this.deps.logger.child({ game_id: record.gameId, op_source: "scheduler" });
    const ctx = { opSource: "scheduler" as const, sourceRef: "restart_reconciliation", logger };
    let state: Awaited<ReturnType<EngineClient["status"]>>;
    try {
      state = await this.deps.engine.status(record.engineEndpoint);
    } catch (error) {
      logger.warn(
        { err: error, current_turn: record.currentTurn },
        "engine status unavailable; the interrupted turn is reconciled later",
      );
      return "engine_unavailable";
    }
    try {
      const outcome = await this.deps.turnGeneration.reconcile(
        record,
        state,
        ctx,
        this.deps.graceMs,
      );
      if (outcome === "pending") {
        logger.info(
          { current_turn: record.currentTurn, engine_turn: state.turn },
          "engine has not advanced yet; waiting for the interrupted turn",
        );
      }
      return outcome;
    } catch (error) {
      logger.error({ err: error }, "reconciling an interrupted turn failed; retried later");
      return "pending";
    }
  }
}
