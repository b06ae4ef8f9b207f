import { parse, type Schedule } from "@galaxy/cronutil";
import { GalaxyError } from "@galaxy/errors";
import type { OperationEntry, OpKind } from "../../domain/operation.js";
import {
  type PlayerTurnStats,
  RELEASED_LEASE,
  type RuntimeRecord,
} from "../../domain/runtime-record.js";
import type { RuntimeStatus } from "../../domain/runtime-status.js";
import { nextActivation, type ScheduleEvent } from "../../domain/schedule.js";
import type { Clock } from "../../ports/clock.js";
import type { Logger } from "../../ports/logger.js";
import type { OperationLog } from "../../ports/operation-log.js";
import type { PlayerMappingStore } from "../../ports/player-mapping-store.js";
import type { RuntimeRecordStore, TurnSettlement } from "../../ports/runtime-record-store.js";
import type { TurnEngineTelemetry, TurnOutcome } from "../../ports/telemetry.js";
import type { TransactionStores, UnitOfWork } from "../../ports/unit-of-work.js";
import { operationEntry, recordOperation } from "../op-log.js";
import { projectPlayerStats } from "../register-runtime.js";
import type { RuntimeNotifier } from "../runtime-notifier.js";
import type { EngineResult, SettledTurn, TurnAttempt } from "./attempt.js";

/** Collaborators of {@link TurnSettler}. */
export interface TurnSettlerDeps {
  runtimeRecords: RuntimeRecordStore;
  playerMappings: PlayerMappingStore;
  operationLog: OperationLog;
  unitOfWork: UnitOfWork;
  notifier: RuntimeNotifier;
  telemetry: TurnEngineTelemetry;
  clock: Clock;
  /** Most outcomes written by one transaction. */
  maxBatch?: number;
  /**
   * Transactions writing outcomes at once: the next batch gathers and
   * writes its records while the previous one waits for its commit (the
   * outbox rows of all of them commit one after the other, in id order).
   */
  maxFlushes?: number;
}

/**
 * Statuses an attempt may find its game in besides generation_in_progress
 * and still write its turn: a health event moved it while the engine ran
 * (container exited → engine_unreachable, and back → running). The engine
 * answered, so the turn happened; its bookkeeping is kept and the status the
 * health event set stays.
 */
const MOVED_UNDER_THE_TURN: readonly RuntimeStatus[] = ["engine_unreachable", "running"];

const DEFAULT_MAX_BATCH = 256;
const DEFAULT_MAX_FLUSHES = 3;
const SCHEDULE_CACHE_LIMIT = 1_000;

/** An outcome ready to be written: everything that needs no transaction is done. */
interface PreparedOutcome {
  attempt: TurnAttempt;
  result: EngineResult;
  /** For answered turns: the stats and the intent's recipients, looked up before the transaction. */
  stats: PlayerTurnStats[];
  recipients: string[];
  done(settled: SettledTurn): void;
  fail(error: unknown): void;
}

/** What the transaction wrote for one outcome (null record: the CAS was lost). */
interface WrittenOutcome {
  record: RuntimeRecord | null;
  outcome: SettledTurn["outcome"];
  error?: GalaxyError;
}

/**
 * The settle step: writes an attempt's outcome — the record (guarded by the
 * attempt's lease token and turn), its operation-log entry and its outbox
 * rows — in one transaction. Outcomes that arrive together share one
 * transaction (one commit for a batch of turns); if that transaction fails,
 * each outcome is retried in a transaction of its own, so one bad row never
 * sinks the others. An outcome that still cannot be written throws: its
 * game keeps the lease, which expires, and recovery settles it from the
 * engine's status.
 */
export class TurnSettler {
  private readonly queue: PreparedOutcome[] = [];
  /** Transactions writing outcomes right now. */
  private active = 0;
  private scheduled = false;
  private readonly maxFlushes: number;
  private readonly schedules = new Map<string, Schedule | null>();
  private readonly maxBatch: number;

  constructor(private readonly deps: TurnSettlerDeps) {
    this.maxBatch = deps.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxFlushes = deps.maxFlushes ?? DEFAULT_MAX_FLUSHES;
  }

  /** Writes `result` for `attempt`; resolves once it committed (or was discarded). */
  async settle(attempt: TurnAttempt, result: EngineResult): Promise<SettledTurn> {
    let stats: PlayerTurnStats[] = [];
    let recipients: string[] = [];
    if (result.kind === "answered") {
      // A database failure here throws: the lease expires and recovery
      // settles the turn, rather than committing a turn whose intent has
      // nobody to go to and whose snapshot has no stats.
      const mappings =
        attempt.mappings ?? (await this.deps.playerMappings.listByGame(attempt.claimed.gameId));
      const userByRace = new Map(mappings.map((mapping) => [mapping.raceName, mapping.userId]));
      stats = projectPlayerStats(result.state, userByRace);
      recipients = await this.deps.notifier.recipients(
        attempt.claimed.gameId,
        mappings,
        attempt.ctx.logger,
      );
    }
    const settled = await new Promise<SettledTurn>((done, fail) => {
      this.queue.push({ attempt, result, stats, recipients, done, fail });
      this.kick();
    });
    if (settled.outcome === "discarded") {
      await this.logDiscarded(attempt, settled);
    }
    this.report(attempt, result, settled);
    return settled;
  }

  private kick(): void {
    if (this.scheduled || this.active >= this.maxFlushes || this.queue.length === 0) {
      return;
    }
    // Let the outcomes of one burst of engine answers gather first.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.active += 1;
      void this.flush().finally(() => {
        this.active -= 1;
        this.kick();
      });
      this.kick();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) {
      return;
    }
    try {
      const written = await this.deps.unitOfWork.run((tx) => this.writeBatch(tx, batch));
      for (const [index, item] of batch.entries()) {
        item.done(toSettled(written[index]));
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.fail(error);
        return;
      }
      // One outcome's failure rolled back the whole batch: each on its own.
      for (const item of batch) {
        try {
          const [written] = await this.deps.unitOfWork.run((tx) => this.writeBatch(tx, [item]));
          item.done(toSettled(written));
        } catch (alone) {
          item.fail(alone);
        }
      }
    }
  }

  /**
   * The batch in one transaction: ONE guarded statement settles every turn
   * still in generation_in_progress under its attempt's lease (the same
   * guard, row by row, as a single-game CAS: token, turn and status); the
   * rest (a game a health event moved, a recovered turn the engine never
   * generated) goes through the single-game path; then one statement for the
   * log entries, and the outbox rows at commit.
   */
  private async writeBatch(
    tx: TransactionStores,
    batch: readonly PreparedOutcome[],
  ): Promise<WrittenOutcome[]> {
    const now = this.deps.clock.now();
    const entries: OperationEntry[] = [];
    const planned = batch.map((item) => this.plan(item, now));
    const settled = await tx.runtimeRecords.settleTurns(
      planned.filter((settlement): settlement is TurnSettlement => settlement !== null),
      now,
    );
    const byGame = new Map(settled.map((record) => [record.gameId, record]));
    const results: WrittenOutcome[] = [];
    for (const [index, item] of batch.entries()) {
      const record = planned[index] === null ? undefined : byGame.get(item.attempt.claimed.gameId);
      results.push(
        record === undefined
          ? await this.write(tx, item, entries)
          : this.effects(tx, item, record, now, entries),
      );
    }
    await tx.operationLog.appendMany(entries);
    return results;
  }

  /** The columns an outcome writes from generation_in_progress; null: not a batch row. */
  private plan(item: PreparedOutcome, now: Date): TurnSettlement | null {
    const { attempt, result } = item;
    const { claimed } = attempt;
    const base = {
      gameId: claimed.gameId,
      leaseToken: attempt.token,
      expectedTurn: claimed.currentTurn,
    };
    switch (result.kind) {
      case "answered": {
        const stats = item.stats.length > 0 ? item.stats : null;
        if (result.state.finished) {
          return {
            ...base,
            status: "finished",
            currentTurn: Math.max(result.state.turn, claimed.currentTurn),
            nextGenerationAt: null,
            skipNextTick: false,
            finishedAt: now,
            lastPlayerStats: stats,
          };
        }
        const next = this.next(attempt, { kind: "turn_generated", trigger: attempt.trigger }, now);
        return {
          ...base,
          status: "running",
          currentTurn: Math.max(result.state.turn, claimed.currentTurn),
          nextGenerationAt: next.nextGenerationAt,
          skipNextTick: next.skipNextTick,
          finishedAt: null,
          lastPlayerStats: stats,
        };
      }
      case "failed":
        return {
          ...base,
          status: "generation_failed",
          currentTurn: claimed.currentTurn,
          nextGenerationAt:
            attempt.trigger === "scheduler"
              ? this.next(attempt, { kind: "turn_failed", trigger: "scheduler" }, now)
                  .nextGenerationAt
              : claimed.nextGenerationAt,
          skipNextTick: attempt.trigger === "scheduler" ? false : claimed.skipNextTick,
          finishedAt: null,
          lastPlayerStats: null,
        };
      case "not_advanced":
        return null;
    }
  }

  /** What a settled outcome writes besides the record: its log entry and its outbox rows. */
  private effects(
    tx: TransactionStores,
    item: PreparedOutcome,
    written: RuntimeRecord,
    now: Date,
    log: OperationEntry[],
  ): WrittenOutcome {
    const { attempt, result, stats, recipients } = item;
    const { notifier } = this.deps;
    const logger = attempt.ctx.logger;
    const gameId = attempt.claimed.gameId;
    if (result.kind === "failed") {
      log.push(this.entry(attempt, result.error, now));
      if (written.status !== "generation_failed") {
        // A health event moved the game during the turn: its status stays, no alert.
        return { record: written, outcome: "failed", error: result.error };
      }
      notifier.snapshot(tx.outbox, written, now);
      notifier.generationFailed(
        tx.outbox,
        {
          gameId,
          turnNumber: attempt.claimed.currentTurn + 1,
          errorCode: result.error.code,
          errorMessage: result.error.message,
          attemptStartedAt: attempt.cutoff,
          occurredAt: now,
        },
        logger,
      );
      return { record: written, outcome: "failed", error: result.error };
    }
    log.push(this.entry(attempt, undefined, now));
    const turn = written.currentTurn;
    if (written.status === "finished") {
      notifier.gameFinished(tx.outbox, written, stats);
      notifier.finishedIntent(
        tx.outbox,
        { gameId, finalTurnNumber: turn, recipients, occurredAt: now },
        logger,
      );
      return { record: written, outcome: "finished" };
    }
    notifier.snapshot(tx.outbox, written, now, stats);
    notifier.turnReady(
      tx.outbox,
      { gameId, turnNumber: turn, recipients, occurredAt: now },
      logger,
    );
    return { record: written, outcome: "generated" };
  }

  private write(
    tx: TransactionStores,
    item: PreparedOutcome,
    log: OperationEntry[],
  ): Promise<WrittenOutcome> {
    return item.result.kind === "not_advanced"
      ? this.writeRequeue(tx, item, log)
      : this.writeMoved(tx, item, log);
  }

  /**
   * The single-game path of an answered or failed turn: the game left
   * generation_in_progress under the turn (a health event: container
   * exited → engine_unreachable, and back → running). The engine answered,
   * so the turn happened: its bookkeeping (turn, stats, log entry, events,
   * intent) is written and the status the health event set stays (a final
   * turn still finishes the game); a failed turn is logged and its lease
   * released.
   */
  private async writeMoved(
    tx: TransactionStores,
    item: PreparedOutcome,
    log: OperationEntry[],
  ): Promise<WrittenOutcome> {
    const now = this.deps.clock.now();
    const planned = this.plan(item, now);
    if (planned === null) {
      return { record: null, outcome: "discarded" };
    }
    const { attempt } = item;
    const guard = { leaseToken: attempt.token, currentTurn: attempt.claimed.currentTurn };
    const answered = item.result.kind === "answered";
    const moved = await tx.runtimeRecords.compareAndSet({
      gameId: planned.gameId,
      expected: { status: MOVED_UNDER_THE_TURN, ...guard },
      ...(planned.status === "finished" ? { to: "finished" as const } : {}),
      patch: answered
        ? {
            currentTurn: planned.currentTurn,
            nextGenerationAt: planned.nextGenerationAt,
            skipNextTick: planned.skipNextTick,
            ...(planned.finishedAt === null ? {} : { finishedAt: planned.finishedAt }),
            ...(planned.lastPlayerStats === null
              ? {}
              : { lastPlayerStats: planned.lastPlayerStats }),
            ...RELEASED_LEASE,
          }
        : { ...RELEASED_LEASE },
      now,
    });
    if (moved === null) {
      return { record: null, outcome: "discarded" };
    }
    return this.effects(tx, item, moved, now, log);
  }

  /**
   * Recovery of a turn the engine never generated (its instance died before
   * the engine advanced): back to running. A regular tick is due again at
   * once; an interrupted forced turn leaves the regular schedule as it was.
   */
  private async writeRequeue(
    tx: TransactionStores,
    item: PreparedOutcome,
    log: OperationEntry[],
  ): Promise<WrittenOutcome> {
    const { attempt } = item;
    const { claimed } = attempt;
    const now = this.deps.clock.now();
    const guard = { leaseToken: attempt.token, currentTurn: claimed.currentTurn };
    const nextGenerationAt =
      attempt.trigger === "scheduler"
        ? now
        : this.next(attempt, { kind: "resumed" }, now).nextGenerationAt;
    const error = new GalaxyError(
      "internal_error",
      `turn ${claimed.currentTurn + 1} was interrupted (the engine did not advance); the game is due again`,
    );
    const requeued =
      (await tx.runtimeRecords.compareAndSet({
        gameId: claimed.gameId,
        expected: { status: "generation_in_progress", ...guard },
        to: "running",
        patch: { nextGenerationAt, ...RELEASED_LEASE },
        now,
      })) ??
      (await tx.runtimeRecords.compareAndSet({
        gameId: claimed.gameId,
        expected: { status: MOVED_UNDER_THE_TURN, ...guard },
        patch: { ...RELEASED_LEASE },
        now,
      }));
    if (requeued === null) {
      return { record: null, outcome: "discarded" };
    }
    log.push(this.entry(attempt, error, now));
    return { record: requeued, outcome: "requeued", error };
  }

  private next(attempt: TurnAttempt, event: ScheduleEvent, now: Date) {
    const { claimed } = attempt;
    return nextActivation({
      schedule: this.schedule(claimed.turnSchedule, attempt.ctx.logger),
      event,
      recorded: claimed.nextGenerationAt,
      skipNextTick: claimed.skipNextTick,
      cutoff: attempt.cutoff,
      now,
    });
  }

  private schedule(expression: string, logger: Logger): Schedule | null {
    if (this.schedules.has(expression)) {
      return this.schedules.get(expression) ?? null;
    }
    let parsed: Schedule | null = null;
    try {
      parsed = memoizedByMinute(parse(expression));
    } catch (error) {
      // register-runtime validates the schedule; a bad one here was written by
      // hand. The game is then simply not scheduled.
      logger.error({ err: error, turn_schedule: expression }, "invalid turn schedule");
    }
    if (this.schedules.size >= SCHEDULE_CACHE_LIMIT) {
      this.schedules.clear();
    }
    this.schedules.set(expression, parsed);
    return parsed;
  }

  private entry(attempt: TurnAttempt, error: unknown, now: Date): OperationEntry {
    return operationEntry({
      gameId: attempt.claimed.gameId,
      opKind: opKindOf(attempt),
      ctx: attempt.ctx,
      error,
      startedAt: attempt.cutoff,
      finishedAt: now,
    });
  }

  /** A lost CAS writes nothing but its own failure entry, outside any transaction. */
  private async logDiscarded(attempt: TurnAttempt, settled: SettledTurn): Promise<void> {
    const current = await this.deps.runtimeRecords.get(attempt.claimed.gameId).catch(() => null);
    const status = current?.status ?? "deleted";
    const error = new GalaxyError(
      "conflict",
      current !== null && current.leaseToken != null && current.leaseToken !== attempt.token
        ? "the turn's outcome was discarded: another instance took the game over"
        : `the turn's outcome was discarded: the runtime is now ${status}`,
    );
    settled.record = current;
    settled.error = error;
    await recordOperation(this.deps.operationLog, {
      gameId: attempt.claimed.gameId,
      opKind: opKindOf(attempt),
      ctx: attempt.ctx,
      error,
      startedAt: attempt.cutoff,
      finishedAt: this.deps.clock.now(),
    });
  }

  private report(attempt: TurnAttempt, result: EngineResult, settled: SettledTurn): void {
    const seconds = (performance.now() - attempt.startedMs) / 1000;
    const logger = attempt.ctx.logger;
    const metricOutcome: TurnOutcome =
      settled.outcome === "requeued" || settled.outcome === "not_started"
        ? "discarded"
        : settled.outcome;
    this.deps.telemetry.recordTurnGeneration(attempt.trigger, metricOutcome, seconds);
    const fields = {
      trigger: attempt.trigger,
      recovered: attempt.recovered,
      turn: settled.record?.currentTurn ?? attempt.claimed.currentTurn,
      runtime_status: settled.record?.status ?? "deleted",
      next_generation_at: settled.record?.nextGenerationAt?.toISOString() ?? null,
    };
    switch (settled.outcome) {
      case "generated":
        logger.info(fields, "turn generated");
        return;
      case "finished":
        logger.info(fields, "final turn generated, game finished");
        return;
      case "failed":
        logger.warn(
          { ...fields, error_code: settled.error?.code, error_message: settled.error?.message },
          result.kind === "failed" ? "turn generation failed" : "turn failed",
        );
        return;
      case "requeued":
        logger.warn(fields, "interrupted turn recovered: the engine did not advance, due again");
        return;
      default:
        logger.warn({ ...fields, reason: settled.error?.message }, "turn outcome discarded");
    }
  }
}

const MEMO_LIMIT = 256;

/**
 * A schedule whose answers are remembered per minute of `after`: activations
 * fall on whole minutes, so every `after` within one minute has the same next
 * activation. Games due at the same instant (the common case: "0 18 * * *")
 * then cost one computation per batch instead of one per game.
 */
function memoizedByMinute(schedule: Schedule): Schedule {
  const answers = new Map<number, number | null>();
  return {
    expression: schedule.expression,
    next(after: Date): Date | null {
      const minute = Math.floor(after.getTime() / 60_000);
      let answer = answers.get(minute);
      if (answer === undefined) {
        answer = schedule.next(after)?.getTime() ?? null;
        if (answers.size >= MEMO_LIMIT) {
          answers.clear();
        }
        answers.set(minute, answer);
      }
      return answer === null ? null : new Date(answer);
    },
  };
}

function opKindOf(attempt: TurnAttempt): OpKind {
  return attempt.trigger === "force" ? "force_next_turn" : "turn_generation";
}

function toSettled(written: WrittenOutcome | undefined): SettledTurn {
  if (written === undefined) {
    return { outcome: "discarded", record: null };
  }
  return {
    outcome: written.outcome,
    record: written.record,
    ...(written.error === undefined ? {} : { error: written.error }),
  };
}
