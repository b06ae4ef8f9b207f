import { describe, expect, it } from "vitest";
import { median, summariseRounds } from "./rounds.js";
import { result } from "./row-fixture.js";

describe("median", () => {
  it("is the middle value, the lower middle one for an even count, NaN left out", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([Number.NaN, 7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe("summariseRounds", () => {
  it("returns one round as it is, without notes", () => {
    const round = [result("floor", 10_000), result("gm1", 2_000)];
    expect(summariseRounds([round])).toEqual({ rows: round, notes: [] });
  });

  it("shows each row's median round and the ratios round by round", () => {
    const summary = summariseRounds([
      [result("floor", 10_000), result("gm1", 2_000), result("peer", 2_000)],
      [result("floor", 8_000), result("gm1", 2_400), result("peer", 1_600)],
      [result("floor", 12_000), result("gm1", 1_800), result("peer", 3_600)],
    ]);
    expect(summary.rows.map((row) => [row.row, row.turnsPerSecond])).toEqual([
      ["floor", 10_000],
      ["gm1", 2_000],
      ["peer", 2_000],
    ]);
    expect(summary.rows[1]?.label).toBe("gm1 · median of 3");
    const gm = summary.notes.find((note) => note.includes("gm1 by round"));
    // Against the same round's floor (0.20, 0.30, 0.15) and peer (1.00, 1.50, 0.50).
    expect(gm).toContain("turns/s 2000, 2400, 1800");
    expect(gm).toContain("× floor 0.20, 0.30, 0.15 (median 0.20)");
    expect(gm).toContain("× peer 1.00, 1.50, 0.50 (median 1.00)");
    const floor = summary.notes.find((note) => note.includes("floor by round"));
    expect(floor).not.toContain("× floor");
  });

  it("keeps the failures of every round on the row, so a bad round still fails the run", () => {
    const summary = summariseRounds([
      [result("gm1", 2_000)],
      [result("gm1", 1_000, ["3 games at turn 0"])],
      [result("gm1", 3_000)],
    ]);
    expect(summary.rows[0]?.turnsPerSecond).toBe(2_000);
    expect(summary.rows[0]?.failures).toEqual(["round 2: 3 games at turn 0"]);
  });
});
