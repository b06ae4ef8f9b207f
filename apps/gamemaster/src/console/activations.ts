import { nextGenerationAt } from "../domain/schedule.js";
import type { ActivationJson } from "./api.js";

/** The record fields the activations follow from. */
export interface ScheduledRecord {
  turn_schedule: string;
  next_generation_at: string | null;
  skip_next_tick: boolean;
}

/** Why the activation after a forced turn generates nothing. */
export const SKIPPED_AFTER_FORCE =
  "skip_next_tick: a forced turn already ran; this tick only clears the flag";

/**
 * The next `count` activations of a runtime, for a Game Master that does not
 * serve the schedule preview: `next_generation_at` first (skipped when
 * `skip_next_tick` is set, by the rule of domain/schedule.ts), then the
 * schedule's following activations. An unscheduled record has none.
 */
export function upcomingActivations(record: ScheduledRecord, count: number): ActivationJson[] {
  if (record.next_generation_at === null || count <= 0) return [];
  const activations: ActivationJson[] = [];
  let at: Date | null = new Date(record.next_generation_at);
  while (at !== null && activations.length < count) {
    const first = activations.length === 0;
    const skipped = first && record.skip_next_tick;
    activations.push({
      at: at.toISOString(),
      generate: !skipped,
      reason: skipped ? SKIPPED_AFTER_FORCE : null,
    });
    at = nextGenerationAt(record.turn_schedule, at);
  }
  return activations;
}
