import { GalaxyError } from "@galaxy/errors";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";
import {
  type PlannedActivation,
  planActivations,
  SCHEDULE_PREVIEW_MAX_COUNT,
  turnScheduleProblem,
  upcomingActivations,
} from "../domain/schedule.js";
import type { Clock } from "../ports/clock.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";

/** Activations returned when the caller does not say how many. */
export const SCHEDULE_PREVIEW_DEFAULT_COUNT = 10;

/**
 * Statuses whose ticks the scheduler handles: `running`, and a turn in flight
 * (its outcome returns the record to running with the same schedule).
 */
const SCHEDULED_STATUSES: readonly RuntimeStatus[] = ["running", "generation_in_progress"];

/** A game's upcoming activations. */
export interface GameSchedulePreview {
  record: RuntimeRecord;
  activations: PlannedActivation[];
}

/** Input of {@link SchedulePreviewService.forExpression}. */
export interface ExpressionPreviewInput {
  turnSchedule: string;
  count?: number;
  /** Reference time (exclusive); default now. */
  after?: Date;
}

/** The activations of an arbitrary expression. */
export interface ExpressionPreview {
  after: Date;
  activations: Date[];
}

function checkCount(count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > SCHEDULE_PREVIEW_MAX_COUNT) {
    throw new GalaxyError(
      "invalid_request",
      `count: must be an integer between 1 and ${SCHEDULE_PREVIEW_MAX_COUNT}`,
    );
  }
  return count;
}

/**
 * Schedule preview: what the scheduler will do with a game's next
 * activations, and the activations of any expression (so Lobby can check a
 * schedule before it creates a game). Read-only.
 */
export class SchedulePreviewService {
  constructor(private readonly deps: { runtimeRecords: RuntimeRecordStore; clock: Clock }) {}

  /** The next `count` activations of a game; unknown game → `runtime_not_found`. */
  async forGame(
    gameId: string,
    count = SCHEDULE_PREVIEW_DEFAULT_COUNT,
  ): Promise<GameSchedulePreview> {
    checkCount(count);
    const record = await this.deps.runtimeRecords.get(gameId);
    if (record === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    const activations = planActivations({
      schedule: record.turnSchedule,
      nextGenerationAt: record.nextGenerationAt,
      skipNextTick: record.skipNextTick,
      scheduled: SCHEDULED_STATUSES.includes(record.status),
      count,
    });
    return { record, activations };
  }

  /**
   * The next `count` activations of `turnSchedule` after `after`. An invalid
   * expression → `invalid_request` naming the field and the reason; one that
   * never fires → no activations.
   */
  forExpression(input: ExpressionPreviewInput): ExpressionPreview {
    const count = checkCount(input.count ?? SCHEDULE_PREVIEW_DEFAULT_COUNT);
    const problem = turnScheduleProblem(input.turnSchedule);
    if (problem !== null) {
      throw new GalaxyError("invalid_request", `turn_schedule: ${problem}`);
    }
    const after = input.after ?? this.deps.clock.now();
    return { after, activations: upcomingActivations(input.turnSchedule, after, count) };
  }
}
