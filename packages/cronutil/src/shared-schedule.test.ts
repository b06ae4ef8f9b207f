/**
 * A Schedule keeps one cron-parser iterator and re-seats it on every call (see schedule.ts). These
 * tests make sure no call can see the state an earlier call left behind: one shared schedule asked
 * about dates in any order, far apart or repeated, answers exactly what a freshly parsed schedule
 * answers for each date on its own.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "./index.js";

const EXPRESSIONS = [
  "*/5 * * * *",
  "0 9 * * 1-5",
  "0 0 29 2 *",
  "15 14 1,15 * 1",
  "5,35 8-18 * * mon-fri",
  "0 0 1 1 *",
  "0 0 30 2 *",
];

/** 1990–2110 (the five-year horizon bites around 2100), with random milliseconds. */
const dateArb = fc
  .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2110, 0, 1) })
  .map((ms) => new Date(ms));

describe("a shared Schedule answers every call as a fresh one would", () => {
  for (const expression of EXPRESSIONS) {
    it(expression, () => {
      const shared = parse(expression);
      fc.assert(
        fc.property(fc.array(dateArb, { minLength: 1, maxLength: 8 }), (dates) => {
          for (const after of dates) {
            const fresh = parse(expression).next(after);
            expect(shared.next(after)?.toISOString() ?? null).toBe(fresh?.toISOString() ?? null);
          }
        }),
        { numRuns: 25 },
      );
    });
  }

  it("the same date twice in a row gives the same answer (no advancing iterator)", () => {
    const schedule = parse("*/5 * * * *");
    const after = new Date("2024-01-01T00:02:30Z");
    expect(schedule.next(after)?.toISOString()).toBe("2024-01-01T00:05:00.000Z");
    expect(schedule.next(after)?.toISOString()).toBe("2024-01-01T00:05:00.000Z");
  });

  it("a match past the horizon is null, and the next call from an earlier date still finds its match", () => {
    const schedule = parse("0 0 29 2 *");
    expect(schedule.next(new Date("2097-01-01T00:00:00Z"))).toBeNull();
    expect(schedule.next(new Date("2095-01-01T00:00:00Z"))?.toISOString()).toBe(
      "2096-02-29T00:00:00.000Z",
    );
  });
});
