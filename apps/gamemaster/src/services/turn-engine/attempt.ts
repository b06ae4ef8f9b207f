import type { GalaxyError } from "@galaxy/errors";
import type { LeaseTrigger, PlayerMapping, RuntimeRecord } from "../../domain/runtime-record.js";
import type { EngineState } from "../../ports/engine-client.js";
import type { TurnOutcome } from "../../ports/telemetry.js";
import type { OperationContext } from "../operation-context.js";

/**
 * One claimed turn on its way through the pipeline: claim → engine call →
 * settle (docs/flows.md#turn-claims-and-leases). Every write it makes guards
 * on `token`, so nothing it writes can land once another instance has taken
 * the game over.
 */
export interface TurnAttempt {
  /** The record as claimed: generation_in_progress, holding this attempt's lease. */
  claimed: RuntimeRecord;
  token: string;
  trigger: LeaseTrigger;
  /** When the turn was claimed: the turn cutoff, and the start of its log entry. */
  cutoff: Date;
  ctx: OperationContext;
  /** `performance.now()` at the claim, for the duration metric. */
  startedMs: number;
  /** The attempt finishes the turn of an instance that died (its lease expired). */
  recovered: boolean;
  /** The game's player mappings, when they were read with the claimed batch. */
  mappings?: PlayerMapping[];
}

/** What the engine said about an attempt's turn. */
export type EngineResult =
  /** The engine generated the turn (or reports it generated). */
  | { kind: "answered"; state: EngineState }
  /** The engine refused, failed or could not be reached. */
  | { kind: "failed"; error: GalaxyError }
  /** Recovery only: the engine is still at the recorded turn; the tick is due again. */
  | { kind: "not_advanced" };

/** How an attempt ended. */
export interface SettledTurn {
  /**
   * `requeued`: a recovered turn the engine never generated is due again.
   * `discarded`: the game was changed under the attempt (stopped, deleted,
   * taken over); nothing of the turn was written. `not_started`: the claim
   * was refused (force-next-turn on a game that is busy or not forceable).
   */
  outcome: TurnOutcome | "requeued" | "not_started";
  /** The record as written, or as last read when nothing was written. */
  record: RuntimeRecord | null;
  /** The engine's failure of a `failed` turn, or why it was discarded. */
  error?: GalaxyError;
}
