import { GalaxyError } from "@galaxy/errors";
import type { PlayerMapping, RuntimeRecord } from "../domain/runtime-record.js";
import { nextActivation } from "../domain/schedule.js";
import type { Clock } from "../ports/clock.js";
import type { EngineClient } from "../ports/engine-client.js";
import type { Logger } from "../ports/logger.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { PlayerMappingStore } from "../ports/player-mapping-store.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { TurnEngineTelemetry } from "../ports/telemetry.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { recordOperation } from "./op-log.js";
import type { OperationContext } from "./operation-context.js";
import type { RuntimeNotifier } from "./runtime-notifier.js";
import type { EngineResult, SettledTurn, TurnAttempt } from "./turn-engine/attempt.js";
import { FORCEABLE_STATUSES, TurnClaims } from "./turn-engine/claim.js";
import { LeaseKeeper } from "./turn-engine/lease-keeper.js";
import { TurnSettler } from "./turn-engine/settle.js";

export type { SettledTurn, TurnAttempt } from "./turn-engine/attempt.js";
export { FORCEABLE_STATUSES } from "./turn-engine/claim.js";

/** Collaborators of {@link TurnGenerationService}. */
export interface TurnGenerationDeps {
  runtimeRecords: RuntimeRecordStore;
  playerMappings: PlayerMappingStore;
  operationLog: OperationLog;
  /** The outcome CAS, its operation-log entry and its events commit together. */
  unitOfWork: UnitOfWork;
  engine: EngineClient;
  notifier: RuntimeNotifier;
  telemetry: TurnEngineTelemetry;
  clock: Clock;
  logger: Logger;
  /** `GAMEMASTER_INSTANCE_ID`: the owner of this instance's leases. */
  owner: string;
  /** `GAMEMASTER_TURN_LEASE`. */
  leaseMs: number;
  /**
   * How long after its cutoff a turn whose engine has not advanced may still
   * be in progress at the engine (the turn timeout): recovery makes the game
   * due again only after that. Default 0 (unit tests).
   */
  interruptedTurnGraceMs?: number;
}

/** What {@link TurnGenerationService.recover} did with a game whose lease expired. */
export type RecoveryOutcome =
  | SettledTurn["outcome"]
  /** Another instance recovered it first. */
  | "taken"
  /** The engine did not answer its status; the next sweep retries. */
  | "engine_unavailable"
  /** The engine has not advanced and may still be generating: the next sweep looks again. */
  | "pending";

/**
 * The turn engine (docs/flows.md#turn-claims-and-leases), as a pipeline of
 * small steps:
 *
 *   claim (turn-engine/claim.ts: one statement, generation_in_progress with a
 *   lease of this instance) → engine call (one `/admin/turn` per game, the
 *   lease renewed meanwhile by turn-engine/lease-keeper.ts) → settle
 *   (turn-engine/settle.ts: outcome CAS guarded by the lease token, log entry
 *   and outbox rows in one transaction, batched) → recover (a game whose
 *   lease expired, settled from the engine's `/admin/status`).
 *
 * The next activation after each of them is the one pure rule of
 * `domain/schedule.ts` (`nextActivation`).
 */
export class TurnGenerationService {
  readonly leases: LeaseKeeper;
  private readonly claims: TurnClaims;
  private readonly settler: TurnSettler;
  private readonly inFlight = new Set<string>();
  /** Player mappings read with a claimed batch, until its turn takes them. */
  private readonly prefetched = new Map<string, PlayerMapping[]>();

  constructor(private readonly deps: TurnGenerationDeps) {
    this.leases = new LeaseKeeper({
      runtimeRecords: deps.runtimeRecords,
      clock: deps.clock,
      logger: deps.logger.child({ worker: "lease_keeper" }),
      leaseMs: deps.leaseMs,
    });
    this.claims = new TurnClaims({
      runtimeRecords: deps.runtimeRecords,
      leases: this.leases,
      clock: deps.clock,
      owner: deps.owner,
    });
    this.settler = new TurnSettler({
      runtimeRecords: deps.runtimeRecords,
      playerMappings: deps.playerMappings,
      operationLog: deps.operationLog,
      unitOfWork: deps.unitOfWork,
      notifier: deps.notifier,
      telemetry: deps.telemetry,
      clock: deps.clock,
    });
  }

  /** Whether this process is generating a turn of `gameId` right now. */
  isInFlight(gameId: string): boolean {
    return this.inFlight.has(gameId);
  }

  /** Number of games with an attempt in flight in this process. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * The scheduler's claim of up to `limit` due games (see {@link TurnClaims.due}),
   * with the player mappings of the whole batch read in one query for the
   * settle step, and the rosters its intents need asked of Lobby in one
   * call. The claim has committed when this resolves: a failed mappings read
   * only leaves each turn to read its own.
   */
  async claimDue(limit: number): Promise<RuntimeRecord[]> {
    const claimed = await this.claims.due(limit);
    if (claimed.length > 0) {
      const gameIds = claimed.map((record) => record.gameId);
      // Not awaited: the rosters load while the engines generate.
      void this.deps.notifier.prepareRecipients(gameIds);
      try {
        const mappings = await this.deps.playerMappings.listByGames(gameIds);
        for (const record of claimed) {
          this.prefetched.set(record.gameId, []);
        }
        for (const mapping of mappings) {
          this.prefetched.get(mapping.gameId)?.push(mapping);
        }
      } catch (error) {
        this.deps.logger.warn({ err: error }, "player mappings of a claimed batch not read");
      }
    }
    return claimed;
  }

  /** Runs a turn the scheduler claimed: engine call, then settle. */
  runClaimed(claimed: RuntimeRecord, ctx: OperationContext): Promise<SettledTurn> {
    const attempt = this.attempt(claimed, "scheduler", ctx, false);
    const mappings = this.prefetched.get(claimed.gameId);
    if (mappings !== undefined) {
      this.prefetched.delete(claimed.gameId);
      attempt.mappings = mappings;
    }
    return this.run(attempt, (current) => this.callEngine(current));
  }

  /**
   * force-next-turn: a turn now, from running or generation_failed, through
   * the same claim as the scheduler's. A generated turn sets
   * `skip_next_tick`. Refusals (another turn in flight — on any instance —,
   * wrong status) are `not_started` with a `conflict` error and a failure
   * entry in the operation log.
   */
  async force(record: RuntimeRecord, ctx: OperationContext): Promise<SettledTurn> {
    const claimed = await this.claims.force(record.gameId);
    if (claimed === null) {
      const current = await this.deps.runtimeRecords.get(record.gameId);
      const message =
        current === null
          ? "runtime was deleted before the forced turn could start"
          : current.status === "generation_in_progress" || current.leaseToken != null
            ? "a turn of this game is already being generated"
            : `runtime is ${current.status}; force-next-turn needs ${FORCEABLE_STATUSES.join(" or ")}`;
      const error = new GalaxyError("conflict", message);
      const now = this.deps.clock.now();
      await recordOperation(this.deps.operationLog, {
        gameId: record.gameId,
        opKind: "force_next_turn",
        ctx,
        error,
        startedAt: now,
        finishedAt: now,
      });
      return { outcome: "not_started", record: current, error };
    }
    return this.run(this.attempt(claimed, "force", ctx, false), (attempt) =>
      this.callEngine(attempt),
    );
  }

  /**
   * A due regular tick that an earlier forced turn consumed (`skip_next_tick`):
   * no turn; the flag is cleared and `next_generation_at` moves on, guarded by
   * the activation seen, so a tick is skipped at most once.
   */
  async skipTick(due: RuntimeRecord, ctx: OperationContext): Promise<SettledTurn> {
    const started = performance.now();
    const now = this.deps.clock.now();
    const next = nextActivation({
      schedule: due.turnSchedule,
      event: { kind: "tick_skipped" },
      recorded: due.nextGenerationAt,
      skipNextTick: true,
      now,
    });
    const written = await this.deps.runtimeRecords.compareAndSet({
      gameId: due.gameId,
      expected: {
        status: "running",
        nextGenerationAt: due.nextGenerationAt,
        currentTurn: due.currentTurn,
        skipNextTick: true,
        leaseToken: null,
      },
      patch: next,
      now,
    });
    if (written === null) {
      return { outcome: "discarded", record: due };
    }
    this.deps.telemetry.recordTurnGeneration(
      "scheduler",
      "skipped",
      (performance.now() - started) / 1000,
    );
    ctx.logger.info(
      {
        tick_at: due.nextGenerationAt?.toISOString() ?? null,
        next_generation_at: written.nextGenerationAt?.toISOString() ?? null,
      },
      "regular tick skipped after a forced turn",
    );
    return { outcome: "skipped", record: written };
  }

  /**
   * Recovery of a game whose lease expired (its instance died mid-turn):
   * asks the engine's `/admin/status`, takes the lease over (so exactly one
   * instance recovers it) and settles what it found —
   * - the engine is past `current_turn` (or finished): the turn happened;
   *   its bookkeeping (turn, stats, events, intent) is written;
   * - the engine is still at `current_turn`: once the turn timeout has passed
   *   since the cutoff (before that the engine may still be generating),
   *   the game is running again and a regular tick is due at once;
   * - the engine is behind: generation_failed (engine_protocol_violation).
   * An interrupted forced turn keeps its trigger: it is logged as
   * force_next_turn and a generated one still sets `skip_next_tick`.
   */
  async recover(expired: RuntimeRecord, ctx: OperationContext): Promise<RecoveryOutcome> {
    // Asked before the take-over: a turn that may still be in progress is
    // left alone, without a write.
    let result: EngineResult;
    try {
      const state = await this.deps.engine.status(expired.engineEndpoint);
      if (state.finished || state.turn > expired.currentTurn) {
        result = { kind: "answered", state };
      } else if (state.turn < expired.currentTurn) {
        result = {
          kind: "failed",
          error: new GalaxyError(
            "engine_protocol_violation",
            `engine reports turn ${state.turn}, behind the recorded turn ${expired.currentTurn}`,
          ),
        };
      } else {
        result = { kind: "not_advanced" };
      }
    } catch (error) {
      ctx.logger.warn(
        { err: error, current_turn: expired.currentTurn },
        "engine status unavailable; the interrupted turn is recovered later",
      );
      return "engine_unavailable";
    }
    if (result.kind === "not_advanced" && expired.status === "generation_in_progress") {
      const sinceCutoff = this.deps.clock.now().getTime() - expired.updatedAt.getTime();
      if (sinceCutoff < (this.deps.interruptedTurnGraceMs ?? 0)) {
        // The engine may still be generating the turn its dead caller asked
        // for: a second /admin/turn now could make two turns.
        ctx.logger.info(
          { current_turn: expired.currentTurn, since_cutoff_ms: sinceCutoff },
          "engine has not advanced yet; waiting for the interrupted turn",
        );
        return "pending";
      }
    }
    const taken = await this.claims.takeOver(expired);
    if (taken === null || taken.leaseToken == null) {
      return "taken";
    }
    const attempt = this.attempt(taken, expired.leaseTrigger ?? "scheduler", ctx, true);
    const settled = await this.run(attempt, async () => result);
    return settled.outcome;
  }

  private attempt(
    claimed: RuntimeRecord,
    trigger: TurnAttempt["trigger"],
    ctx: OperationContext,
    recovered: boolean,
  ): TurnAttempt {
    if (claimed.leaseToken == null) {
      throw new Error(`claimed record of game "${claimed.gameId}" carries no lease token`);
    }
    return {
      claimed,
      token: claimed.leaseToken,
      trigger,
      cutoff: claimed.updatedAt,
      ctx,
      startedMs: performance.now(),
      recovered,
    };
  }

  private async run(
    attempt: TurnAttempt,
    engineStep: (attempt: TurnAttempt) => Promise<EngineResult>,
  ): Promise<SettledTurn> {
    const { gameId } = attempt.claimed;
    this.leases.hold(attempt.token);
    this.inFlight.add(gameId);
    try {
      const result = await engineStep(attempt);
      return await this.settler.settle(attempt, result);
    } finally {
      // A settle that threw leaves the lease to expire: recovery settles the
      // turn from the engine's status.
      this.leases.release(attempt.token);
      this.inFlight.delete(gameId);
    }
  }

  /** The engine step: one `/admin/turn`; an answer that does not advance the turn is a failure. */
  private async callEngine(attempt: TurnAttempt): Promise<EngineResult> {
    const { claimed } = attempt;
    try {
      const state = await this.deps.engine.turn(claimed.engineEndpoint);
      if (state.turn <= claimed.currentTurn && !state.finished) {
        return {
          kind: "failed",
          error: new GalaxyError(
            "engine_protocol_violation",
            `engine answered turn ${state.turn} to a turn request at turn ${claimed.currentTurn}`,
          ),
        };
      }
      return { kind: "answered", state };
    } catch (error) {
      return { kind: "failed", error: toGalaxyError(error) };
    }
  }
}

function toGalaxyError(error: unknown): GalaxyError {
  if (error instanceof GalaxyError) {
    return error;
  }
  return new GalaxyError("internal_error", "internal error", { cause: error });
}
