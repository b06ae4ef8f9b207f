import { describe, expect, it } from "vitest";
import { result } from "./row-fixture.js";
import { bestOfSweep } from "./stats.js";

describe("bestOfSweep", () => {
  it("is the setting with the most turns/s, with every setting's failures and the sweep as a note", () => {
    const row = bestOfSweep("floor N=10000, turns/s by concurrency", [
      { setting: "16", result: result("floor", 7_000) },
      { setting: "64", result: result("floor", 9_000) },
      { setting: "256", result: result("floor", 8_000, ["3 of 10000 engine calls failed"]) },
    ]);
    expect(row.turnsPerSecond).toBe(9_000);
    expect(row.failures).toEqual(["floor: 3 of 10000 engine calls failed"]);
    expect(row.note).toBe(
      "floor N=10000, turns/s by concurrency: 16 → 7000, 64 → 9000, 256 → 8000",
    );
  });

  it("refuses an empty sweep with the row's title", () => {
    expect(() => bestOfSweep("floor N=10", [])).toThrow("floor N=10: no setting to measure");
  });
});
