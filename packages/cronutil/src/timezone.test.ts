/**
 * The process time zone must never change a result. scripts/test-all.sh runs this project again
 * under TZ=America/New_York and TZ=Asia/Kolkata; the first test proves those runs really are in
 * that zone (a silently ignored TZ would make them plain UTC runs).
 */
import { describe, expect, it } from "vitest";
import { parse } from "./index.js";

const zone = process.env.TZ;

describe("process time zone", () => {
  it.runIf(zone !== undefined && zone !== "")("is the zone named by process.env.TZ", () => {
    // ICU may report an alias (Asia/Kolkata resolves to Asia/Calcutta): compare canonical names.
    const canonical = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions()
      .timeZone;
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(canonical);
    // and the Date methods really use it: local wall clock equals the zone's wall clock
    const inZone = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      hour: "2-digit",
      minute: "2-digit",
    });
    for (const iso of ["2024-01-15T12:00:00Z", "2024-07-15T03:45:00Z"]) {
      const date = new Date(iso);
      const local = `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
      expect(local).toBe(inZone.format(date));
    }
    const knownOffsets: Record<string, number> = { "America/New_York": 300, "Asia/Kolkata": -330 };
    const expected = zone === undefined ? undefined : knownOffsets[zone];
    if (expected !== undefined) {
      expect(new Date("2024-01-15T12:00:00Z").getTimezoneOffset()).toBe(expected);
    }
  });

  it.each([
    // around the America/New_York spring-forward (2024-03-10 07:00Z) and fall-back (2024-11-03 06:00Z)
    ["0 2 * * *", "2024-03-10T00:00:00Z", "2024-03-10T02:00:00.000Z"],
    ["30 * * * *", "2024-03-10T06:45:00Z", "2024-03-10T07:30:00.000Z"],
    ["0 1 * * *", "2024-11-03T00:00:00Z", "2024-11-03T01:00:00.000Z"],
    ["*/20 5-6 * * *", "2024-11-03T05:50:00Z", "2024-11-03T06:00:00.000Z"],
    // around local midnight in New York (05:00Z) and Kolkata (18:30Z)
    ["0 0 * * *", "2024-01-01T04:59:00Z", "2024-01-02T00:00:00.000Z"],
    ["0 0 * * *", "2024-01-01T18:29:00Z", "2024-01-02T00:00:00.000Z"],
    ["0 0 * * 1", "2024-01-07T18:30:00Z", "2024-01-08T00:00:00.000Z"],
    ["0 0 1 * *", "2024-01-31T20:00:00Z", "2024-02-01T00:00:00.000Z"],
    ["0 0 1 1 *", "2024-12-31T19:00:00Z", "2025-01-01T00:00:00.000Z"],
    ["15 23 31 12 *", "2024-12-31T23:00:00Z", "2024-12-31T23:15:00.000Z"],
  ])("%j after %s is %s in every process zone", (expression, after, expected) => {
    expect(parse(expression).next(new Date(after))?.toISOString()).toBe(expected);
  });
});
