import { parse, type Schedule } from "@galaxy/cronutil";

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
