import { parse } from "@galaxy/cronutil";
import { describe, expect, it } from "vitest";
import {
  afterRegularTick,
  nextActivation,
  nextGenerationAt,
  planActivations,
  upcomingActivations,
} from "./schedule.js";

const at = (iso: string) => new Date(iso);

describe("nextGenerationAt", () => {
  it("is the first activation strictly after the reference time (UTC)", () => {
    expect(nextGenerationAt("0 */6 * * *", at("2026-01-01T05:59:59.900Z"))).toEqual(
      at("2026-01-01T06:00:00.000Z"),
    );
    expect(nextGenerationAt("0 */6 * * *", at("2026-01-01T06:00:00.000Z"))).toEqual(
      at("2026-01-01T12:00:00.000Z"),
    );
  });

  it("accepts an already parsed schedule", () => {
    expect(nextGenerationAt(parse("30 12 * * *"), at("2026-01-01T00:00:00Z"))).toEqual(
      at("2026-01-01T12:30:00.000Z"),
    );
  });

  it("is null for a schedule that never fires", () => {
    expect(nextGenerationAt("0 0 30 2 *", at("2026-01-01T00:00:00Z"))).toBeNull();
  });
});

describe("afterRegularTick (force-next-turn skip rule)", () => {
  const schedule = "0 * * * *"; // hourly: T1 = 11:00, T2 = 12:00

  it("generates at a tick when no skip is pending and schedules the next tick", () => {
    const decision = afterRegularTick({
      skipNextTick: false,
      tickAt: at("2026-01-01T11:00:00Z"),
      schedule,
    });
    expect(decision).toEqual({
      generate: true,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
      skipNextTick: false,
    });
  });

  it("skips the first regular tick after a forced turn, clears the flag and moves to the next", () => {
    const decision = afterRegularTick({
      skipNextTick: true,
      tickAt: at("2026-01-01T11:00:00Z"),
      schedule,
    });
    expect(decision).toEqual({
      generate: false,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
      skipNextTick: false,
    });
  });

  it("forced at t, ticks T1 < T2 after t: no turn at T1, a turn at T2", () => {
    // A successful forced turn at 10:20 sets the flag; the record still points at T1.
    let state = { skipNextTick: true, nextGenerationAt: at("2026-01-01T11:00:00Z") };
    const turns: string[] = [];
    for (let tick = 0; tick < 2; tick += 1) {
      const decision = afterRegularTick({
        skipNextTick: state.skipNextTick,
        tickAt: state.nextGenerationAt,
        schedule,
      });
      if (decision.generate) {
        turns.push(state.nextGenerationAt.toISOString());
      }
      state = {
        skipNextTick: decision.skipNextTick,
        nextGenerationAt: decision.nextGenerationAt ?? at("9999-01-01T00:00:00Z"),
      };
    }
    expect(turns).toEqual(["2026-01-01T12:00:00.000Z"]);
  });

  it("yields a null next tick when the schedule has no further activation", () => {
    const decision = afterRegularTick({
      skipNextTick: false,
      tickAt: at("2026-01-01T00:00:00Z"),
      schedule: "0 0 30 2 *",
    });
    expect(decision.nextGenerationAt).toBeNull();
  });
});

describe("upcomingActivations", () => {
  it("lists the next activations strictly after the reference time, earliest first", () => {
    expect(upcomingActivations("0 */6 * * *", at("2026-01-01T06:00:00Z"), 3)).toEqual([
      at("2026-01-01T12:00:00Z"),
      at("2026-01-01T18:00:00Z"),
      at("2026-01-02T00:00:00Z"),
    ]);
  });

  it("is empty for a schedule that never fires", () => {
    expect(upcomingActivations("0 0 30 2 *", at("2026-01-01T00:00:00Z"), 5)).toEqual([]);
  });

  it("computes exactly as many activations as asked for", () => {
    expect(upcomingActivations("* * * * *", at("2026-01-01T00:00:00Z"), 100)).toHaveLength(100);
  });
});

describe("planActivations", () => {
  const schedule = "0 * * * *";
  const cases = [
    {
      name: "no pending skip: every activation generates a turn",
      skipNextTick: false,
      scheduled: true,
      expected: [
        ["2026-01-01T11:00:00.000Z", true, null],
        ["2026-01-01T12:00:00.000Z", true, null],
        ["2026-01-01T13:00:00.000Z", true, null],
      ],
    },
    {
      name: "after a forced turn: the first activation is eaten by skip_next_tick, the next ones generate",
      skipNextTick: true,
      scheduled: true,
      expected: [
        ["2026-01-01T11:00:00.000Z", false, "skip_next_tick"],
        ["2026-01-01T12:00:00.000Z", true, null],
        ["2026-01-01T13:00:00.000Z", true, null],
      ],
    },
    {
      name: "a runtime the scheduler does not pick up: no activation generates a turn",
      skipNextTick: true,
      scheduled: false,
      expected: [
        ["2026-01-01T11:00:00.000Z", false, "runtime_not_running"],
        ["2026-01-01T12:00:00.000Z", false, "runtime_not_running"],
        ["2026-01-01T13:00:00.000Z", false, "runtime_not_running"],
      ],
    },
  ] as const;

  for (const testCase of cases) {
    it(testCase.name, () => {
      const planned = planActivations({
        schedule,
        nextGenerationAt: at("2026-01-01T11:00:00Z"),
        skipNextTick: testCase.skipNextTick,
        scheduled: testCase.scheduled,
        count: 3,
      });
      expect(
        planned.map((entry) => [entry.at.toISOString(), entry.generatesTurn, entry.skipReason]),
      ).toEqual(testCase.expected);
    });
  }

  it("plans nothing for a record that is not scheduled (next_generation_at null)", () => {
    expect(
      planActivations({
        schedule,
        nextGenerationAt: null,
        skipNextTick: false,
        scheduled: true,
        count: 5,
      }),
    ).toEqual([]);
  });

  it("agrees with the scheduler's rule applied tick by tick", () => {
    let state = { skipNextTick: true, nextGenerationAt: at("2026-01-01T11:00:00Z") as Date | null };
    const planned = planActivations({
      schedule,
      nextGenerationAt: state.nextGenerationAt,
      skipNextTick: state.skipNextTick,
      scheduled: true,
      count: 4,
    });
    for (const entry of planned) {
      const tickAt = state.nextGenerationAt;
      expect(tickAt).not.toBeNull();
      if (tickAt === null) return;
      const decision = afterRegularTick({ skipNextTick: state.skipNextTick, tickAt, schedule });
      expect(entry.at).toEqual(tickAt);
      expect(entry.generatesTurn).toBe(decision.generate);
      state = { skipNextTick: decision.skipNextTick, nextGenerationAt: decision.nextGenerationAt };
    }
  });
});

describe("nextActivation (one rule for every schedule move)", () => {
  const hourly = "0 * * * *";
  const t = (hhmm: string) => at(`2026-01-01T${hhmm}:00.000Z`);
  type Row = [
    string,
    Parameters<typeof nextActivation>[0]["event"],
    { recorded: Date | null; skip: boolean; cutoff?: Date; now: Date },
    { next: Date | null; skip: boolean },
  ];
  const rows: Row[] = [
    [
      "scheduler turn: the activation after the tick",
      { kind: "turn_generated", trigger: "scheduler" },
      { recorded: t("11:00"), skip: false, now: t("11:00") },
      { next: t("12:00"), skip: false },
    ],
    [
      "scheduler turn that outlived the next tick: the first after now, no burst",
      { kind: "turn_generated", trigger: "scheduler" },
      { recorded: t("11:00"), skip: false, now: t("13:30") },
      { next: t("14:00"), skip: false },
    ],
    [
      "forced turn before T1: T1 stays, flagged for skipping",
      { kind: "turn_generated", trigger: "force" },
      { recorded: t("11:00"), skip: false, cutoff: t("10:20"), now: t("10:21") },
      { next: t("11:00"), skip: true },
    ],
    [
      "forced turn that ran past T1: T1 was its tick, the next one unflagged",
      { kind: "turn_generated", trigger: "force" },
      { recorded: t("11:00"), skip: false, cutoff: t("10:59"), now: t("11:01") },
      { next: t("12:00"), skip: false },
    ],
    [
      "forced turn of a game whose activation has passed: the first after the cutoff",
      { kind: "turn_generated", trigger: "force" },
      { recorded: t("09:00"), skip: false, cutoff: t("10:20"), now: t("10:21") },
      { next: t("11:00"), skip: true },
    ],
    [
      "failed scheduler turn: the schedule moves on as after a turn",
      { kind: "turn_failed", trigger: "scheduler" },
      { recorded: t("11:00"), skip: false, now: t("11:00") },
      { next: t("12:00"), skip: false },
    ],
    [
      "failed forced turn: nothing moves",
      { kind: "turn_failed", trigger: "force" },
      { recorded: t("11:00"), skip: true, now: t("10:30") },
      { next: t("11:00"), skip: true },
    ],
    [
      "skipped tick: the flag is cleared, the activation after the tick",
      { kind: "tick_skipped" },
      { recorded: t("11:00"), skip: true, now: t("11:00") },
      { next: t("12:00"), skip: false },
    ],
    [
      "skipped tick seen late: the first activation after now",
      { kind: "tick_skipped" },
      { recorded: t("11:00"), skip: true, now: t("12:10") },
      { next: t("13:00"), skip: false },
    ],
    [
      "resumed with the activation still ahead: kept, flag kept",
      { kind: "resumed" },
      { recorded: t("11:00"), skip: true, now: t("10:10") },
      { next: t("11:00"), skip: true },
    ],
    [
      "resumed after the activation passed: the first after now",
      { kind: "resumed" },
      { recorded: t("11:00"), skip: false, now: t("11:10") },
      { next: t("12:00"), skip: false },
    ],
    [
      "resumed without an activation: scheduled from now",
      { kind: "resumed" },
      { recorded: null, skip: false, now: t("11:10") },
      { next: t("12:00"), skip: false },
    ],
  ];

  it.each(rows)("%s", (_name, event, state, expected) => {
    expect(
      nextActivation({
        schedule: hourly,
        event,
        recorded: state.recorded,
        skipNextTick: state.skip,
        ...(state.cutoff === undefined ? {} : { cutoff: state.cutoff }),
        now: state.now,
      }),
    ).toEqual({ nextGenerationAt: expected.next, skipNextTick: expected.skip });
  });

  it("leaves an unparsable schedule unscheduled", () => {
    expect(
      nextActivation({
        schedule: null,
        event: { kind: "resumed" },
        recorded: t("11:00"),
        skipNextTick: true,
        now: t("10:00"),
      }),
    ).toEqual({ nextGenerationAt: null, skipNextTick: false });
  });

  it("stops scheduling a schedule that never fires again", () => {
    expect(
      nextActivation({
        schedule: "0 0 30 2 *",
        event: { kind: "turn_generated", trigger: "scheduler" },
        recorded: t("11:00"),
        skipNextTick: false,
        now: t("11:00"),
      }),
    ).toEqual({ nextGenerationAt: null, skipNextTick: false });
  });
});
