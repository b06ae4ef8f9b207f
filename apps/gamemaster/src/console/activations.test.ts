import { describe, expect, it } from "vitest";
import { SKIPPED_AFTER_FORCE, upcomingActivations } from "./activations.js";

describe("upcomingActivations", () => {
  it("follows next_generation_at with the schedule's next activations", () => {
    const activations = upcomingActivations(
      {
        turn_schedule: "0 */6 * * *",
        next_generation_at: "2026-01-01T06:00:00.000Z",
        skip_next_tick: false,
      },
      3,
    );
    expect(activations).toEqual([
      { at: "2026-01-01T06:00:00.000Z", generate: true, reason: null },
      { at: "2026-01-01T12:00:00.000Z", generate: true, reason: null },
      { at: "2026-01-01T18:00:00.000Z", generate: true, reason: null },
    ]);
  });

  it("marks the activation after a forced turn as skipped, and only that one", () => {
    const activations = upcomingActivations(
      {
        turn_schedule: "0 * * * *",
        next_generation_at: "2026-01-01T11:00:00.000Z",
        skip_next_tick: true,
      },
      2,
    );
    expect(activations).toEqual([
      { at: "2026-01-01T11:00:00.000Z", generate: false, reason: SKIPPED_AFTER_FORCE },
      { at: "2026-01-01T12:00:00.000Z", generate: true, reason: null },
    ]);
  });

  it("has none for an unscheduled record and stops where the schedule ends", () => {
    expect(
      upcomingActivations(
        { turn_schedule: "0 * * * *", next_generation_at: null, skip_next_tick: true },
        5,
      ),
    ).toEqual([]);
    // 30 February never comes: only the stored activation is known.
    expect(
      upcomingActivations(
        {
          turn_schedule: "0 0 30 2 *",
          next_generation_at: "2026-01-01T00:00:00.000Z",
          skip_next_tick: false,
        },
        5,
      ),
    ).toHaveLength(1);
  });
});
