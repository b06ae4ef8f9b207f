import { parse, type Schedule } from "@galaxy/cronutil";
import { GalaxyError } from "@galaxy/errors";
import type { OpKind } from "../domain/operation.js";
import type { PlayerTurnStats, RuntimeRecord } from "../domain/runtime-record.js";
import { assertTransition, type RuntimeStatus } from "../domain/runtime-status.js";
import { afterRegularTick, nextGenerationAt } from "../domain/schedule.js";
import type { Clock } from "../ports/clock.js";
import type { EngineClient, EngineState } from "../ports/engine-client.js";
import type { Logger } from "../ports/logger.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { PlayerMappingStore } from "../ports/player-mapping-store.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { TurnEngineTelemetry, TurnOutcome, TurnTrigger } from "../ports/telemetry.js";
import type { TransactionStores, UnitOfWork } from "../ports/unit-of-work.js";
import { operationEntry, recordOperation } from "./op-log.js";
import type { OperationContext } from "./operation-context.js";
import { projectPlayerStats } from "./register-runtime.js";
import type { RuntimeNotifier } from "./runtime-notifier.js";

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
}

/** How one call into the turn engine ended. */
export interface TurnAttempt {
  /** `not_started`: nothing was written (busy, wrong status, or the start CAS was lost). */
  outcome: TurnOutcome | "not_started";
  /** The record as written by the attempt, or as last read when nothing was written. */
  record: RuntimeRecord | null;
  /** The engine failure of a `failed` turn, or why the attempt did not start / was discarded. */
  error?: GalaxyError;
}

/** What {@link TurnGenerationService.reconcile} did with a stale generation_in_progress game. */
export type ReconcileOutcome =
  | "completed"
  | "requeued"
  | "failed"
  | "discarded"
  | "pending"
  | "skipped";

/** Statuses force-next-turn starts from (docs/reference.md#admin-operations). */
export const FORCEABLE_STATUSES: readonly RuntimeStatus[] = ["running", "generation_failed"];

const SCHEDULE_CACHE_LIMIT = 1_000;

/**
 * Turn generation (docs/reference.md#turn-generation), for the scheduler's regular ticks, for
 * force-next-turn, and for the restart reconciliation:
 *
 * CAS running → generation_in_progress (the turn cutoff; the scheduler also
 * guards on the activation it handles, so a stale tick cannot produce a second
 * turn) → engine `/admin/turn` → one CAS from generation_in_progress that
 * writes the outcome and `current_turn` together (running with the next
 * activation, finished, or generation_failed) and, in the same transaction,
 * the operation log entry, the lobby event and the notification intent (into
 * the outbox). An outcome whose CAS is lost (an admin stop or a health event
 * moved the record meanwhile) is discarded: logged, no events.
 * At most one attempt per game is in flight in this process.
 */
export class TurnGenerationService {
  private readonly inFlight = new Set<string>();
  private readonly schedules = new Map<string, Schedule>();

  constructor(private readonly deps: TurnGenerationDeps) {}

  /** Whether this process is generating a turn of `gameId` right now. */
  isInFlight(gameId: string): boolean {
    return this.inFlight.has(gameId);
  }

  /** Number of games with an attempt in flight. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * A regular tick of a due record, as the scheduler loaded it. With
   * `skip_next_tick` set the tick is consumed without a turn (docs/reference.md#turn-schedule):
   * the flag is cleared and `next_generation_at` moves to the activation
   * after the tick, guarded by the activation the scheduler saw.
   */
  async runScheduled(due: RuntimeRecord, ctx: OperationContext): Promise<TurnAttempt> {
    const tickAt = due.nextGenerationAt;
    if (due.status !== "running" || tickAt === null || !this.claim(due.gameId)) {
      return { outcome: "not_started", record: due };
    }
    try {
      if (due.skipNextTick) {
        return await this.skipTick(due, tickAt, ctx);
      }
      return await this.generate(due, "scheduler", ctx, tickAt);
    } finally {
      this.release(due.gameId);
    }
  }

  /**
   * force-next-turn: a turn now, from running or generation_failed. A
   * generated turn sets `skip_next_tick` (docs/reference.md#turn-schedule). Refusals (busy, wrong
   * status, lost start CAS) are `not_started` with a `conflict` error and a
   * failure entry in the operation log.
   */
  async force(record: RuntimeRecord, ctx: OperationContext): Promise<TurnAttempt> {
    const refuse = async (message: string): Promise<TurnAttempt> => {
      const error = new GalaxyError("conflict", message);
      const now = this.deps.clock.now();
      await this.log(record.gameId, "force", ctx, error, now, now);
      return { outcome: "not_started", record, error };
    };
    if (!FORCEABLE_STATUSES.includes(record.status)) {
      return refuse(
        `runtime is ${record.status}; force-next-turn needs ${FORCEABLE_STATUSES.join(" or ")}`,
      );
    }
    if (!this.claim(record.gameId)) {
      return refuse("a turn of this game is already being generated");
    }
    try {
      const attempt = await this.generate(record, "force", ctx);
      if (attempt.outcome === "not_started") {
        const current = await this.deps.runtimeRecords.get(record.gameId);
        return refuse(
          `runtime changed to ${current?.status ?? "deleted"} before the forced turn could start`,
        );
      }
      return attempt;
    } finally {
      this.release(record.gameId);
    }
  }

  /**
   * Restart safety (docs/reference.md#turn-generation): settles a record left in generation_in_progress
   * by an attempt that is not in flight in this process (GM died, or the
   * outcome could not be written), using the engine's `/admin/status`:
   * - the engine is past `current_turn` (or finished) → the turn happened:
   *   finish its bookkeeping (outcome CAS, events, intents);
   * - the engine is still at `current_turn` → once `graceMs` (the turn
   *   timeout) has passed since the cutoff, back to running and due now;
   *   before that the engine may still be generating, so wait (`pending`);
   * - the engine is behind → generation_failed (engine_protocol_violation).
   */
  async reconcile(
    record: RuntimeRecord,
    state: EngineState,
    ctx: OperationContext,
    graceMs: number,
  ): Promise<ReconcileOutcome> {
    if (record.status !== "generation_in_progress" || !this.claim(record.gameId)) {
      return "skipped";
    }
    const started = performance.now();
    try {
      // The copy was listed before the engine was asked; an attempt of this
      // process may have settled it (and released it) in between.
      const current = await this.deps.runtimeRecords.get(record.gameId);
      if (
        current === null ||
        current.status !== "generation_in_progress" ||
        current.currentTurn !== record.currentTurn ||
        current.updatedAt.getTime() !== record.updatedAt.getTime()
      ) {
        return "skipped";
      }
      if (state.finished || state.turn > record.currentTurn) {
        const attempt = await this.complete(record, state, "scheduler", ctx, started, {
          reconciled: true,
        });
        return attempt.outcome === "discarded" ? "discarded" : "completed";
      }
      if (state.turn < record.currentTurn) {
        const error = new GalaxyError(
          "engine_protocol_violation",
          `engine reports turn ${state.turn}, behind the recorded turn ${record.currentTurn}`,
        );
        const attempt = await this.fail(record, "scheduler", error, ctx, started);
        return attempt.outcome === "discarded" ? "discarded" : "failed";
      }
      const now = this.deps.clock.now();
      if (now.getTime() - record.updatedAt.getTime() < graceMs) {
        return "pending";
      }
      const error = new GalaxyError(
        "internal_error",
        `turn ${record.currentTurn + 1} was interrupted (the engine did not advance); the game is due again`,
      );
      const written = await this.deps.unitOfWork.run(async (tx) => {
        const changed = await tx.runtimeRecords.compareAndSet({
          gameId: record.gameId,
          expected: { status: "generation_in_progress", currentTurn: record.currentTurn },
          to: "running",
          patch: { nextGenerationAt: now },
          now,
        });
        if (changed !== null) {
          await this.logIn(tx, record.gameId, "scheduler", ctx, error, record.updatedAt, now);
        }
        return changed;
      });
      if (written === null) {
        return "discarded";
      }
      ctx.logger.warn(
        { current_turn: record.currentTurn },
        "interrupted turn reconciled: the engine did not advance, the game is due again",
      );
      return "requeued";
    } finally {
      this.release(record.gameId);
    }
  }

  private claim(gameId: string): boolean {
    if (this.inFlight.has(gameId)) {
      return false;
    }
    this.inFlight.add(gameId);
    return true;
  }

  private release(gameId: string): void {
    this.inFlight.delete(gameId);
  }

  private async skipTick(
    due: RuntimeRecord,
    tickAt: Date,
    ctx: OperationContext,
  ): Promise<TurnAttempt> {
    const started = performance.now();
    const now = this.deps.clock.now();
    const schedule = this.schedule(due.turnSchedule, ctx.logger);
    const decision =
      schedule === null ? null : afterRegularTick({ skipNextTick: true, tickAt, schedule });
    const next = this.notBefore(schedule, decision?.nextGenerationAt ?? null, now);
    const written = await this.deps.runtimeRecords.compareAndSet({
      gameId: due.gameId,
      expected: {
        status: "running",
        nextGenerationAt: tickAt,
        currentTurn: due.currentTurn,
        skipNextTick: true,
      },
      patch: { skipNextTick: false, nextGenerationAt: next },
      now,
    });
    if (written === null) {
      return { outcome: "not_started", record: due };
    }
    this.deps.telemetry.recordTurnGeneration(
      "scheduler",
      "skipped",
      (performance.now() - started) / 1000,
    );
    ctx.logger.info(
      { tick_at: tickAt.toISOString(), next_generation_at: next?.toISOString() ?? null },
      "regular tick skipped after a forced turn",
    );
    return { outcome: "skipped", record: written };
  }

  private async generate(
    record: RuntimeRecord,
    trigger: TurnTrigger,
    ctx: OperationContext,
    tickAt?: Date,
  ): Promise<TurnAttempt> {
    const started = performance.now();
    const cutoff = this.deps.clock.now();
    assertTransition(record.status, "generation_in_progress");
    const begun = await this.deps.runtimeRecords.compareAndSet({
      gameId: record.gameId,
      expected: {
        status: record.status,
        currentTurn: record.currentTurn,
        ...(tickAt === undefined ? {} : { nextGenerationAt: tickAt }),
      },
      to: "generation_in_progress",
      now: cutoff,
    });
    if (begun === null) {
      ctx.logger.debug({ trigger }, "turn not started: the runtime record changed");
      return { outcome: "not_started", record };
    }
    let state: EngineState;
    try {
      state = await this.deps.engine.turn(begun.engineEndpoint);
    } catch (error) {
      return this.fail(begun, trigger, toGalaxyError(error), ctx, started);
    }
    if (state.turn <= begun.currentTurn && !state.finished) {
      const error = new GalaxyError(
        "engine_protocol_violation",
        `engine answered turn ${state.turn} to a turn request at turn ${begun.currentTurn}`,
      );
      return this.fail(begun, trigger, error, ctx, started);
    }
    return this.complete(begun, state, trigger, ctx, started, { reconciled: false });
  }

  /**
   * Writes a generated turn — finished, or running with the next activation —
   * with its operation-log entry, its lobby event and its intent in one unit
   * of work. The mappings and the recipients are looked up first: the
   * transaction never waits for Lobby.
   */
  private async complete(
    begun: RuntimeRecord,
    state: EngineState,
    trigger: TurnTrigger,
    ctx: OperationContext,
    started: number,
    options: { reconciled: boolean },
  ): Promise<TurnAttempt> {
    const { notifier, clock } = this.deps;
    const turn = Math.max(state.turn, begun.currentTurn);
    // A database failure here throws: the record stays in generation and the
    // reconciliation settles it, rather than committing a turn whose intent
    // has nobody to go to and whose snapshot has no stats.
    const mappings = await this.deps.playerMappings.listByGame(begun.gameId);
    const userByRace = new Map(mappings.map((mapping) => [mapping.raceName, mapping.userId]));
    const stats: PlayerTurnStats[] = projectPlayerStats(state, userByRace);
    const recipients = await notifier.recipients(begun.gameId, mappings, ctx.logger);
    const now = clock.now();
    const expected = {
      status: "generation_in_progress" as const,
      currentTurn: begun.currentTurn,
    };
    // An answer without stats keeps the stored ones for later snapshots.
    const statsPatch = stats.length > 0 ? { lastPlayerStats: stats } : {};
    const written = await this.deps.unitOfWork.run(async (tx) => {
      let changed: RuntimeRecord | null;
      if (state.finished) {
        changed = await tx.runtimeRecords.compareAndSet({
          gameId: begun.gameId,
          expected,
          to: "finished",
          patch: {
            currentTurn: turn,
            finishedAt: now,
            nextGenerationAt: null,
            skipNextTick: false,
            ...statsPatch,
          },
          now,
        });
      } else {
        const { next, skip } = this.nextAfterTurn(begun, trigger, now, options.reconciled, ctx);
        changed = await tx.runtimeRecords.compareAndSet({
          gameId: begun.gameId,
          expected,
          to: "running",
          patch: { currentTurn: turn, nextGenerationAt: next, skipNextTick: skip, ...statsPatch },
          now,
        });
      }
      if (changed === null) {
        return null;
      }
      await this.logIn(tx, begun.gameId, trigger, ctx, undefined, begun.updatedAt, now);
      if (changed.status === "finished") {
        notifier.gameFinished(tx.outbox, changed, stats);
        notifier.finishedIntent(
          tx.outbox,
          { gameId: begun.gameId, finalTurnNumber: turn, recipients, occurredAt: now },
          ctx.logger,
        );
      } else {
        notifier.snapshot(tx.outbox, changed, now, stats);
        notifier.turnReady(
          tx.outbox,
          { gameId: begun.gameId, turnNumber: turn, recipients, occurredAt: now },
          ctx.logger,
        );
      }
      return changed;
    });
    if (written === null) {
      return this.discard(begun, trigger, ctx, started, `turn ${turn} generated by the engine`);
    }

    const outcome: TurnOutcome = written.status === "finished" ? "finished" : "generated";
    this.deps.telemetry.recordTurnGeneration(
      trigger,
      outcome,
      (performance.now() - started) / 1000,
    );
    ctx.logger.info(
      {
        trigger,
        turn,
        runtime_status: written.status,
        next_generation_at: written.nextGenerationAt?.toISOString() ?? null,
        reconciled: options.reconciled,
      },
      outcome === "finished" ? "final turn generated, game finished" : "turn generated",
    );
    return { outcome, record: written };
  }

  /** Writes a failed turn: generation_failed, snapshot, admin intent. */
  private async fail(
    begun: RuntimeRecord,
    trigger: TurnTrigger,
    error: GalaxyError,
    ctx: OperationContext,
    started: number,
  ): Promise<TurnAttempt> {
    const now = this.deps.clock.now();
    // The regular schedule stays visible on a failed game (the scheduler only
    // picks running ones); a later force-next-turn keeps it (docs/reference.md#turn-schedule).
    const patch =
      trigger === "scheduler"
        ? { nextGenerationAt: this.nextAfterTurn(begun, trigger, now, false, ctx).next }
        : {};
    const { notifier } = this.deps;
    const written = await this.deps.unitOfWork.run(async (tx) => {
      const changed = await tx.runtimeRecords.compareAndSet({
        gameId: begun.gameId,
        expected: { status: "generation_in_progress", currentTurn: begun.currentTurn },
        to: "generation_failed",
        patch,
        now,
      });
      if (changed === null) {
        return null;
      }
      await this.logIn(tx, begun.gameId, trigger, ctx, error, begun.updatedAt, now);
      notifier.snapshot(tx.outbox, changed, now);
      notifier.generationFailed(
        tx.outbox,
        {
          gameId: begun.gameId,
          turnNumber: begun.currentTurn + 1,
          errorCode: error.code,
          errorMessage: error.message,
          attemptStartedAt: begun.updatedAt,
          occurredAt: now,
        },
        ctx.logger,
      );
      return changed;
    });
    if (written === null) {
      return this.discard(begun, trigger, ctx, started, `failed turn (${error.code})`);
    }
    this.deps.telemetry.recordTurnGeneration(
      trigger,
      "failed",
      (performance.now() - started) / 1000,
    );
    ctx.logger.warn(
      { trigger, error_code: error.code, error_message: error.message },
      "turn generation failed",
    );
    return { outcome: "failed", record: written, error };
  }

  private async discard(
    begun: RuntimeRecord,
    trigger: TurnTrigger,
    ctx: OperationContext,
    started: number,
    what: string,
  ): Promise<TurnAttempt> {
    const now = this.deps.clock.now();
    const current = await this.deps.runtimeRecords.get(begun.gameId);
    const status = current?.status ?? "deleted";
    const error = new GalaxyError(
      "conflict",
      `${what} was discarded: the runtime is now ${status}`,
    );
    await this.log(begun.gameId, trigger, ctx, error, begun.updatedAt, now);
    this.deps.telemetry.recordTurnGeneration(
      trigger,
      "discarded",
      (performance.now() - started) / 1000,
    );
    ctx.logger.warn({ trigger, runtime_status: status }, "turn outcome discarded");
    return { outcome: "discarded", record: current, error };
  }

  /**
   * `next_generation_at` and `skip_next_tick` after a generated turn.
   * - scheduler: the activation after the handled tick; if that one has
   *   passed too (GM was down, or the turn took longer than the period) the
   *   first activation after now — missed ticks are not replayed as a burst.
   * - force: the regular activation T1 the record already pointed at (or the
   *   first after the cutoff) with the skip flag, so the next regular tick
   *   generates nothing; if T1 passed while the forced turn ran, T1 was that
   *   tick: the activation after now, no flag.
   * - reconciled: the recorded activation while it is ahead, else the first
   *   after now.
   */
  private nextAfterTurn(
    begun: RuntimeRecord,
    trigger: TurnTrigger,
    now: Date,
    reconciled: boolean,
    ctx: OperationContext,
  ): { next: Date | null; skip: boolean } {
    const schedule = this.schedule(begun.turnSchedule, ctx.logger);
    if (schedule === null) {
      return { next: null, skip: false };
    }
    const recorded = begun.nextGenerationAt;
    if (reconciled) {
      return { next: this.notBefore(schedule, recorded, now), skip: begun.skipNextTick };
    }
    if (trigger === "scheduler") {
      const afterTick =
        recorded === null
          ? null
          : afterRegularTick({ skipNextTick: false, tickAt: recorded, schedule }).nextGenerationAt;
      return { next: this.notBefore(schedule, afterTick ?? recorded, now), skip: false };
    }
    const cutoff = begun.updatedAt;
    const regular =
      recorded !== null && recorded.getTime() > cutoff.getTime()
        ? recorded
        : nextGenerationAt(schedule, cutoff);
    if (regular === null) {
      return { next: null, skip: false };
    }
    if (regular.getTime() > now.getTime()) {
      return { next: regular, skip: true };
    }
    return { next: nextGenerationAt(schedule, now), skip: false };
  }

  /** `candidate` while it is ahead of `now`, else the first activation after `now`. */
  private notBefore(schedule: Schedule | null, candidate: Date | null, now: Date): Date | null {
    if (schedule === null) {
      return null;
    }
    if (candidate !== null && candidate.getTime() > now.getTime()) {
      return candidate;
    }
    return nextGenerationAt(schedule, now);
  }

  private schedule(expr: string, logger: Logger): Schedule | null {
    const cached = this.schedules.get(expr);
    if (cached !== undefined) {
      return cached;
    }
    try {
      const parsed = parse(expr);
      if (this.schedules.size >= SCHEDULE_CACHE_LIMIT) {
        this.schedules.clear();
      }
      this.schedules.set(expr, parsed);
      return parsed;
    } catch (error) {
      // register-runtime validates the schedule; a bad one here was written by
      // hand. The game is then simply not scheduled.
      logger.error({ err: error, turn_schedule: expr }, "invalid turn schedule");
      return null;
    }
  }

  /** The operation-log entry of a turn, inside the unit of work that writes it. */
  private async logIn(
    tx: TransactionStores,
    gameId: string,
    trigger: TurnTrigger,
    ctx: OperationContext,
    error: unknown,
    startedAt: Date,
    finishedAt: Date,
  ): Promise<void> {
    const opKind: OpKind = trigger === "force" ? "force_next_turn" : "turn_generation";
    await tx.operationLog.append(
      operationEntry({ gameId, opKind, ctx, error, startedAt, finishedAt }),
    );
  }

  private log(
    gameId: string,
    trigger: TurnTrigger,
    ctx: OperationContext,
    error: unknown,
    startedAt: Date,
    finishedAt: Date,
  ): Promise<void> {
    const opKind: OpKind = trigger === "force" ? "force_next_turn" : "turn_generation";
    return recordOperation(this.deps.operationLog, {
      gameId,
      opKind,
      ctx,
      error,
      startedAt,
      finishedAt,
    });
  }
}

function toGalaxyError(error: unknown): GalaxyError {
  if (error instanceof GalaxyError) {
    return error;
  }
  return new GalaxyError("internal_error", "internal error", { cause: error });
}
