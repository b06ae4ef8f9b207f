/**
 * The behaviours of cron-parser 5.10.5 that schedule.ts relies on. If the pinned version is ever
 * bumped, these fail first and point at the assumption that broke.
 */
import { createRequire } from "node:module";
import { CronExpression, CronExpressionParser } from "cron-parser";
import { describe, expect, it } from "vitest";
import { parseSpec } from "./grammar.js";
import { toCronParserExpression } from "./schedule.js";

const require = createRequire(import.meta.url);

function nextAfter(expression: string, after: string): string {
  return CronExpressionParser.parse(expression, { tz: "UTC", currentDate: new Date(after) })
    .next()
    .toISOString() as string;
}

describe("cron-parser contract", () => {
  it("is exactly version 5.10.5", () => {
    expect((require("cron-parser/package.json") as { version: string }).version).toBe("5.10.5");
  });

  it("treats a day field as a wildcard only when its raw text is * or ?", () => {
    const all = Array.from({ length: 31 }, (_, i) => i + 1).join(",");
    const expression = CronExpressionParser.parse(`0 0 0 ${all} * 1`, { tz: "UTC" });
    expect(expression.fields.dayOfMonth.isWildcard).toBe(false);
    expect(CronExpressionParser.parse("0 0 0 * * 1").fields.dayOfMonth.isWildcard).toBe(true);
    expect(CronExpressionParser.parse("0 0 0 ? * 1").fields.dayOfMonth.isWildcard).toBe(true);
    expect(CronExpressionParser.parse("0 0 0 */1 * 1").fields.dayOfMonth.isWildcard).toBe(false);
  });

  it("ORs two restricted day fields and lets a lone restricted field decide", () => {
    // 2024-01-01 is a Monday
    expect(nextAfter("0 0 0 10 * 0", "2024-01-08T00:00:00Z")).toBe("2024-01-10T00:00:00.000Z");
    expect(nextAfter("0 0 0 10 * 0", "2024-01-10T00:00:00Z")).toBe("2024-01-14T00:00:00.000Z");
    expect(nextAfter("0 0 0 * * 1", "2024-01-02T00:00:00Z")).toBe("2024-01-08T00:00:00.000Z");
    expect(nextAfter("0 0 0 15 * *", "2024-01-01T00:00:00Z")).toBe("2024-01-15T00:00:00.000Z");
  });

  it("returns the first match strictly after a whole-second currentDate", () => {
    expect(nextAfter("0 */5 * * * *", "2024-01-01T00:05:00Z")).toBe("2024-01-01T00:10:00.000Z");
    expect(nextAfter("0 */5 * * * *", "2024-01-01T00:04:59Z")).toBe("2024-01-01T00:05:00.000Z");
  });

  it("refuses at parse time what robfig parses and never fires, and empty list items", () => {
    expect(() => CronExpressionParser.parse("0 0 0 30 2 *")).toThrow(
      "Invalid explicit day of month definition",
    );
    expect(() => CronExpressionParser.parse("0 0 0 31 4,6 *")).toThrow(
      "Invalid explicit day of month definition",
    );
    expect(() => CronExpressionParser.parse("0 1,,2 * * * *")).toThrow();
  });

  it("stops at endDate with 'Out of the time span range'", () => {
    const fields = CronExpressionParser.parse("0 0 0 29 2 *", { tz: "UTC" }).fields;
    const bounded = CronExpression.fieldsToExpression(fields, {
      tz: "UTC",
      currentDate: new Date("2097-01-01T00:00:00Z"),
      endDate: new Date("2102-12-31T23:59:59.999Z"),
    });
    expect(() => bounded.next()).toThrow("Out of the time span range");
    const unbounded = CronExpression.fieldsToExpression(fields, {
      tz: "UTC",
      currentDate: new Date("2097-01-01T00:00:00Z"),
    });
    expect(unbounded.next().toISOString()).toBe("2104-02-29T00:00:00.000Z");
  });

  it("accepts every normalised expression the translation produces for robfig's quirks", () => {
    const cases: Record<string, string | null> = {
      "*/15,30 9-17 * * 1-5": "0 0,15,30,45 9,10,11,12,13,14,15,16,17 * * 1,2,3,4,5",
      "0 0 1-31 * 1": `0 0 0 ${Array.from({ length: 31 }, (_, i) => i + 1).join(",")} * 1`,
      "0 0 *,5 * 1": "0 0 0 * * 1",
      "0 0 5 * ,": "0 0 0 5 * *",
      "0 0 , * 1": "0 0 0 * * 1",
      "0 0 * * ,": null,
      "0 0 30 2 *": null,
      "0 0 30 2 1": "0 0 0 30 2 1",
      ", * * * *": null,
    };
    for (const [robfig, expected] of Object.entries(cases)) {
      const normalised = toCronParserExpression(parseSpec(robfig));
      expect(normalised, robfig).toBe(expected);
      if (normalised !== null) {
        expect(() => CronExpressionParser.parse(normalised, { tz: "UTC" })).not.toThrow();
      }
    }
  });
});
