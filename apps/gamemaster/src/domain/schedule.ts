import { CronParseError, parse, type Schedule } from "@galaxy/cronutil";

/** A turn schedule: the cron expression or an already parsed schedule. */
export type TurnSchedule = string | Schedule;

function toSchedule(schedule: TurnSchedule): Schedule {
  return typeof schedule === "string" ? parse(schedule) : schedule;
}

/**
 * The first activation of `schedule` strictly after `after` (docs/reference.md#turn-schedule), or
 * `null` when the schedule never fires again — the record is then simply not
 * scheduled (`next_generation_at` null).
 */
export function nextGenerationAt(schedule: TurnSchedule, after: Date): Date | null {
  return toSchedule(schedule).next(after);
}

/** Input of {@link afterRegularTick}. */
export interface RegularTickInput {
  /** The record's `skip_next_tick` flag when the tick fires. */
  skipNextTick: boolean;
  /** The activation being handled (the record's `next_generation_at`). */
  tickAt: Date;
  schedule: TurnSchedule;
}

/** What a regular scheduler tick must do. */
export interface RegularTickDecision {
  /** Whether a turn is generated at this tick. */
  generate: boolean;
  /** The activation after `tickAt` (null when the schedule never fires again). */
  nextGenerationAt: Date | null;
  /** The flag to persist: always cleared, the tick consumed it or did not need it. */
  skipNextTick: false;
}

/**
 * The force-next-turn skip rule (docs/reference.md#turn-schedule): a successful forced turn sets
 * `skip_next_tick`; the next regular tick then generates nothing, clears the
 * flag and moves `next_generation_at` to the tick after. Forced at t with
 * regular ticks T1 < T2 after t → no turn at T1, a turn at T2.
 */
export function afterRegularTick(input: RegularTickInput): RegularTickDecision {
  return {
    generate: !input.skipNextTick,
    nextGenerationAt: nextGenerationAt(input.schedule, input.tickAt),
    skipNextTick: false,
  };
}

/** Largest number of activations a schedule preview computes. */
export const SCHEDULE_PREVIEW_MAX_COUNT = 100;

/**
 * The next `count` activations of `schedule` strictly after `after`, the
 * earliest first; fewer (possibly none) when the schedule stops firing.
 */
export function upcomingActivations(schedule: TurnSchedule, after: Date, count: number): Date[] {
  const parsed = toSchedule(schedule);
  const activations: Date[] = [];
  let cursor: Date | null = parsed.next(after);
  while (cursor !== null && activations.length < count) {
    activations.push(cursor);
    cursor = parsed.next(cursor);
  }
  return activations;
}

/** Why a planned activation generates no turn. */
export type SkipReason =
  /** A forced turn set `skip_next_tick`: this regular tick is consumed without a turn. */
  | "skip_next_tick"
  /** The scheduler only picks up `running` games; this one needs an operator or a health event first. */
  | "runtime_not_running";

/** One activation of a game's schedule as the scheduler will handle it. */
export interface PlannedActivation {
  at: Date;
  /** Whether a turn is generated at this activation. */
  generatesTurn: boolean;
  /** Null when a turn is generated. */
  skipReason: SkipReason | null;
}

/** Input of {@link planActivations}: the scheduling columns of a runtime record. */
export interface PlanActivationsInput {
  schedule: TurnSchedule;
  /** The record's `next_generation_at`; null → not scheduled, nothing planned. */
  nextGenerationAt: Date | null;
  skipNextTick: boolean;
  /**
   * Whether the scheduler would handle the record's ticks as things stand
   * (`running`, or a turn in flight that returns it to running). When false
   * every activation is planned without a turn (`runtime_not_running`).
   */
  scheduled: boolean;
  count: number;
}

/**
 * The next `count` activations of a game, each marked with whether a turn is
 * generated there. Walks the record forward with {@link afterRegularTick} —
 * the same rule the scheduler applies at each tick — so the activation a
 * forced turn's `skip_next_tick` eats is shown as skipped.
 */
export function planActivations(input: PlanActivationsInput): PlannedActivation[] {
  const schedule = toSchedule(input.schedule);
  const planned: PlannedActivation[] = [];
  let tickAt = input.nextGenerationAt;
  let skipNextTick = input.skipNextTick;
  while (tickAt !== null && planned.length < input.count) {
    const decision = afterRegularTick({ skipNextTick, tickAt, schedule });
    const generatesTurn = input.scheduled && decision.generate;
    planned.push({
      at: tickAt,
      generatesTurn,
      skipReason: generatesTurn ? null : input.scheduled ? "skip_next_tick" : "runtime_not_running",
    });
    skipNextTick = decision.skipNextTick;
    tickAt = decision.nextGenerationAt;
  }
  return planned;
}

/**
 * Why `expression` is not a turn schedule, worded for an API caller from the
 * parser's {@link CronParseError} (`hour field: …`), or null when it is one.
 */
export function turnScheduleProblem(expression: string): string | null {
  try {
    parse(expression);
    return null;
  } catch (error) {
    if (error instanceof CronParseError) {
      return error.field === undefined ? error.reason : `${error.field} field: ${error.reason}`;
    }
    throw error;
  }
}
