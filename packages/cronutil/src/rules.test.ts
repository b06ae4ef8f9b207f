/**
 * One table per rule of docs/reference.md#cron-schedules, accept and reject sides, with next() answers
 * worked out by hand from robfig's algorithm (first whole minute at or after
 * truncate(after) + 1s that matches, within the year limit). Every answer is also checked against
 * the line-by-line port of robfig's Next in test/oracle.ts, so a slip in the hand calculation and
 * a divergence of the implementation are both caught.
 *
 * Calendar anchors: 2024-01-01 is a Monday; 2024 and 2096 are leap years, 2100 is not.
 */
import { describe, expect, it } from "vitest";
import { goNext, goParse } from "../test/oracle.js";
import type { CronFieldName } from "./index.js";
import { CronParseError, isValid, parse, validate } from "./index.js";

const MONDAY = "2024-01-01T00:00:00Z";

function next(expression: string, after: string): string | null {
  return parse(expression).next(new Date(after))?.toISOString() ?? null;
}

function oracleNext(expression: string, after: string): string | null {
  const spec = goParse(expression);
  if ("error" in spec) throw new Error(`oracle rejects ${expression}: ${spec.error}`);
  const result = goNext(spec, new Date(after).getTime());
  return result === null ? null : new Date(result).toISOString();
}

type Row = readonly [expression: string, after: string, expected: string | null];

function checkRows(rows: readonly Row[]): void {
  it.each(rows)("next of %j after %s is %s", (expression, after, expected) => {
    const expectedIso = expected === null ? null : new Date(expected).toISOString();
    expect(next(expression, after)).toBe(expectedIso);
    expect(oracleNext(expression, after)).toBe(expectedIso);
  });
}

function rejects(expressions: readonly string[], field?: CronFieldName): void {
  it.each(expressions)("rejects %j", (expression) => {
    const result = validate(expression);
    expect(result.valid).toBe(false);
    if (!result.valid) {
      expect(result.error).toBeInstanceOf(CronParseError);
      expect(result.error.expression).toBe(expression);
      if (field !== undefined) expect(result.error.field).toBe(field);
    }
    expect(isValid(expression)).toBe(false);
    expect(() => parse(expression)).toThrow(CronParseError);
    // The oracle agrees that robfig (or this package's UTC-only policy) rejects it.
    expect("error" in goParse(expression)).toBe(true);
  });
}

describe("exactly five whitespace-separated fields", () => {
  checkRows([
    ["0 9 * * *", MONDAY, "2024-01-01T09:00Z"],
    ["0\t9 * *   *", MONDAY, "2024-01-01T09:00Z"],
    ["  0 9 * * *  ", MONDAY, "2024-01-01T09:00Z"],
    ["\t0 9 * * *\n", MONDAY, "2024-01-01T09:00Z"],
    ["0 9\r\n* * *", MONDAY, "2024-01-01T09:00Z"],
    // Go's unicode.IsSpace also covers NBSP, NEL and the Unicode space separators.
    ["0\u00a09 * * *", MONDAY, "2024-01-01T09:00Z"],
    ["0\u00859 * * *", MONDAY, "2024-01-01T09:00Z"],
    ["0\u30009 * * *", MONDAY, "2024-01-01T09:00Z"],
  ]);
  rejects([
    "",
    " ",
    "\t\t",
    "*",
    "* * * *",
    "* * * * * *",
    "0 0 * * * *",
    "* * * * * * *",
    // U+FEFF is white space to JavaScript's \s but not to Go.
    "0\ufeff9 * * *",
  ]);
  rejects(["@daily", "@every 1h", "@reboot", "@yearly", "@ 0 * * *", "@", "@hourly * * * *"]);
});

describe("items *, ?, N, N-M, each with an optional /S; N/S means N-max/S", () => {
  checkRows([
    ["*/20 * * * *", MONDAY, "2024-01-01T00:20Z"],
    ["? * * * *", MONDAY, "2024-01-01T00:01Z"],
    ["5 * * * *", MONDAY, "2024-01-01T00:05Z"],
    ["10-12 * * * *", "2024-01-01T00:11:00Z", "2024-01-01T00:12Z"],
    ["10-12 * * * *", "2024-01-01T00:12:00Z", "2024-01-01T01:10Z"],
    ["10-30/10 * * * *", "2024-01-01T00:10:00Z", "2024-01-01T00:20Z"],
    ["10-30/10 * * * *", "2024-01-01T00:30:00Z", "2024-01-01T01:10Z"],
    ["50/5 * * * *", MONDAY, "2024-01-01T00:50Z"],
    ["50/5 * * * *", "2024-01-01T00:55:00Z", "2024-01-01T01:50Z"],
    ["*/25 * * * *", "2024-01-01T00:50:00Z", "2024-01-01T01:00Z"],
    ["0 */7 * * *", "2024-01-01T21:00:00Z", "2024-01-02T00:00Z"],
    ["0 20/7 * * *", "2024-01-01T00:00:00Z", "2024-01-01T20:00Z"],
    ["0 20/7 * * *", "2024-01-01T20:00:00Z", "2024-01-02T20:00Z"],
    ["0 0 */10 * *", MONDAY, "2024-01-11T00:00Z"],
    ["0 0 1 */5 *", MONDAY, "2024-06-01T00:00Z"],
    ["0 0 * * */3", MONDAY, "2024-01-03T00:00Z"],
    ["0 0 * * 5/1", MONDAY, "2024-01-05T00:00Z"],
    ["0 0 * * 2-4/2", MONDAY, "2024-01-02T00:00Z"],
    ["0 0 * * 2-4/2", "2024-01-02T00:00:00Z", "2024-01-04T00:00Z"],
  ]);
  rejects(["*/ * * * *", "/5 * * * *", "5/ * * * *", "*/5/2 * * * *", "*//2 * * * *"], "minute");
  rejects(["- * * * *", "5- * * * *", "-5 * * * *", "1-2-3 * * * *", "5--5 * * * *"], "minute");
  rejects(["5* * * * *", "** * * * *", "*5 * * * *", "5-* * * * *", "5-? * * * *"], "minute");
});

describe("numbers are read like Go's strconv.Atoi", () => {
  checkRows([
    ["05 * * * *", MONDAY, "2024-01-01T00:05Z"],
    ["+5 * * * *", MONDAY, "2024-01-01T00:05Z"],
    ["0005 * * * *", MONDAY, "2024-01-01T00:05Z"],
    ["00000000000000000000005 * * * *", MONDAY, "2024-01-01T00:05Z"],
    ["+05 +9 * * *", MONDAY, "2024-01-01T09:05Z"],
    ["00 09 01 01 *", MONDAY, "2024-01-01T09:00Z"],
    ["+0-+5 * * * *", "2024-01-01T00:04:00Z", "2024-01-01T00:05Z"],
    ["*/+15 * * * *", MONDAY, "2024-01-01T00:15Z"],
    ["*/015 * * * *", MONDAY, "2024-01-01T00:15Z"],
    // Any step wider than the range keeps only the start; Atoi accepts up to 2^63-1.
    ["*/9223372036854775807 * * * *", MONDAY, "2024-01-01T01:00Z"],
    ["7/100 * * * *", MONDAY, "2024-01-01T00:07Z"],
  ]);
  rejects(
    [
      "5.0 * * * *",
      "0x5 * * * *",
      "1e1 * * * *",
      "5_0 * * * *",
      "\uff15 * * * *",
      "\u0665 * * * *",
      "++5 * * * *",
      "+-5 * * * *",
      "+ * * * *",
      "*/+ * * * *",
      "*/-1 * * * *",
      "*/-0 * * * *",
      "*/9223372036854775808 * * * *",
      "99999999999999999999 * * * *",
      "a * * * *",
    ],
    "minute",
  );
});

describe("empty comma items are dropped", () => {
  checkRows([
    ["1,,2 * * * *", "2024-01-01T00:01:00Z", "2024-01-01T00:02Z"],
    [",5 * * * *", MONDAY, "2024-01-01T00:05Z"],
    ["5, * * * *", MONDAY, "2024-01-01T00:05Z"],
    [",,,5,,, * * * *", MONDAY, "2024-01-01T00:05Z"],
    // A field of commas only allows nothing: the schedule parses and never fires ...
    [", * * * *", MONDAY, null],
    ["0 , * * *", MONDAY, null],
    ["0 0 1 , *", MONDAY, null],
    ["0 0 , * ,", MONDAY, null],
    // ... except in a day field under the OR rule, where the other day field carries on,
    ["0 0 , * 1", MONDAY, "2024-01-08T00:00Z"],
    ["0 0 5 * ,", MONDAY, "2024-01-05T00:00Z"],
    // while under the AND rule (the other field is star) nothing can match.
    ["0 0 * * ,", MONDAY, null],
    ["0 0 , * *", MONDAY, null],
  ]);
});

describe("duplicates and overlaps are allowed", () => {
  checkRows([
    ["1,1 * * * *", MONDAY, "2024-01-01T00:01Z"],
    ["*/15,30 * * * *", "2024-01-01T00:15:00Z", "2024-01-01T00:30Z"],
    ["*/15,30 * * * *", "2024-01-01T00:30:00Z", "2024-01-01T00:45Z"],
    ["0-10,5-15 * * * *", "2024-01-01T00:12:00Z", "2024-01-01T00:13Z"],
    ["0 0 1,1-3,2 * *", "2024-01-02T00:00:00Z", "2024-01-03T00:00Z"],
  ]);
});

describe("JAN-DEC and SUN-SAT, case-insensitive, only in their own field", () => {
  checkRows([
    ["0 0 1 JAN,feb,Mar *", MONDAY, "2024-02-01T00:00Z"],
    ["0 0 1 jan-MAR/2 *", MONDAY, "2024-03-01T00:00Z"],
    ["0 0 1 nov/1 *", MONDAY, "2024-11-01T00:00Z"],
    ["0 0 * * MON-fri", MONDAY, "2024-01-02T00:00Z"],
    ["0 0 * * sun", MONDAY, "2024-01-07T00:00Z"],
    ["0 0 * * Sat,SUN", MONDAY, "2024-01-06T00:00Z"],
    ["0 0 * * mon-5", "2024-01-05T00:00:00Z", "2024-01-08T00:00Z"],
    // Go's strings.ToLower maps U+0130 (İ) to "i", so robfig reads "FRİ" as "fri".
    ["0 0 * * FR\u0130", MONDAY, "2024-01-05T00:00Z"],
  ]);
  rejects(["0 0 * mon *", "0 0 * January *", "0 0 * ja *"], "month");
  rejects(["0 0 * * jan", "0 0 * * Monday", "0 0 * * mo", "0 0 * * SAT-sun"], "day-of-week");
  rejects(["jan * * * *"], "minute");
  rejects(["0 sun * * *"], "hour");
  rejects(["0 0 jan * *"], "day-of-month");
});

describe("L, W, #, H, day-of-week 7, reversed ranges, step 0 and out-of-range values are rejected", () => {
  rejects(["0 0 L * *", "0 0 15W * *", "0 0 LW * *", "0 0 0 * *", "0 0 32 * *"], "day-of-month");
  rejects(["0 0 * * 5L", "0 0 * * 5#3", "0 0 * * 7", "0 0 * * 0-7", "0 0 * * -1"], "day-of-week");
  rejects(["H * * * *", "10-5 * * * *", "*/0 * * * *", "0/0 * * * *", "60 * * * *"], "minute");
  rejects(["0 24 * * *", "0 23-0 * * *", "0 H * * *"], "hour");
  rejects(["0 0 * 0 *", "0 0 * 13 *", "0 0 * 12-1 *", "0 0 * 2/0 *"], "month");
});

describe("robfig quirks that are accepted: only the text before '-' is compared with * and ?", () => {
  checkRows([
    ["*-5 * * * *", MONDAY, "2024-01-01T00:01Z"],
    ["?-x * * * *", MONDAY, "2024-01-01T00:01Z"],
    ["*-5/20 * * * *", MONDAY, "2024-01-01T00:20Z"],
    ["*-5-6 * * * *", MONDAY, "2024-01-01T00:01Z"],
  ]);
});

describe("day-of-month and day-of-week: OR when both restricted, AND when either is star", () => {
  checkRows([
    // both restricted → OR
    ["0 0 10 * 0", "2024-01-08T00:00:00Z", "2024-01-10T00:00Z"],
    ["0 0 10 * 0", "2024-01-10T00:00:00Z", "2024-01-14T00:00Z"],
    ["0 0 31 4 1", MONDAY, "2024-04-01T00:00Z"],
    ["0 0 30,31 2 1", MONDAY, "2024-02-05T00:00Z"],
    // */2 is not star (step > 1): OR with Mondays
    ["0 0 */2 * 1", "2024-01-02T00:00:00Z", "2024-01-03T00:00Z"],
    ["0 0 */2 * 1", "2024-01-07T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 ?/2 * 1", MONDAY, "2024-01-03T00:00Z"],
    ["0 0 15 * */2", MONDAY, "2024-01-02T00:00Z"],
    // a full range written out is not star: OR makes every day match
    ["0 0 1-31 * 1", MONDAY, "2024-01-02T00:00Z"],
    ["0 0 15 * 0-6", MONDAY, "2024-01-02T00:00Z"],
    ["0 0 15 * sun-sat", MONDAY, "2024-01-02T00:00Z"],
    // day-of-month star (*, ?, */1, *,N, *-N) → AND → the weekday alone decides
    ["0 0 * * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 ? * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 */1 * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 *,5 * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 5,* * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 */1,5 * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 */2,* * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 *-5 * 1", "2024-01-02T00:00:00Z", "2024-01-08T00:00Z"],
    ["0 0 ?/1 * 3", MONDAY, "2024-01-03T00:00Z"],
    // day-of-week star → AND → the day of month alone decides
    ["0 0 15 * *", MONDAY, "2024-01-15T00:00Z"],
    ["0 0 15 * ?", MONDAY, "2024-01-15T00:00Z"],
    ["0 0 15 * */1", MONDAY, "2024-01-15T00:00Z"],
    ["0 0 15 * *,1", MONDAY, "2024-01-15T00:00Z"],
    ["0 0 15 * 1,?", MONDAY, "2024-01-15T00:00Z"],
    // both star → every day
    ["0 0 * * *", MONDAY, "2024-01-02T00:00Z"],
    ["0 0 */1 * */1", MONDAY, "2024-01-02T00:00Z"],
  ]);
});

describe("a schedule that never fires parses and next() returns null", () => {
  checkRows([
    ["0 0 30 2 *", MONDAY, null],
    ["0 0 30,31 2 *", MONDAY, null],
    ["0 0 31 2,4,6,9,11 *", MONDAY, null],
    ["0 0 31 apr *", "2000-01-01T00:00:00Z", null],
    ["0 0 30 2 ?", MONDAY, null],
    ["0 0 30 2 */1", MONDAY, null],
  ]);
});

describe("five-year horizon: nothing after the end of year(truncate(after) + 1s) + 5", () => {
  checkRows([
    ["0 0 29 2 *", MONDAY, "2024-02-29T00:00Z"],
    ["0 0 29 2 *", "2024-02-29T00:00:00Z", "2028-02-29T00:00Z"],
    ["0 0 29 2 *", "2095-01-01T00:00:00Z", "2096-02-29T00:00Z"],
    // 2100 is not a leap year: from 2096-03 the next 29 February is in 2104.
    ["0 0 29 2 *", "2097-01-01T00:00:00Z", null],
    ["0 0 29 2 *", "2098-12-31T23:59:58Z", null],
    ["0 0 29 2 *", "2098-12-31T23:59:58.999Z", null],
    ["0 0 29 2 *", "2098-12-31T23:59:59Z", "2104-02-29T00:00Z"],
    ["0 0 29 2 *", "2098-12-31T23:59:59.999Z", "2104-02-29T00:00Z"],
    // the OR rule rescues it: 29 February or any Monday of February
    ["0 0 29 2 1", "2097-01-01T00:00:00Z", "2097-02-04T00:00Z"],
    ["0 0 1 1 *", "2024-06-01T00:00:00Z", "2025-01-01T00:00Z"],
  ]);
});

describe("next(after) truncates after to the second, adds one second, searches with seconds = 0", () => {
  checkRows([
    ["* * * * *", "2024-01-01T10:00:00.000Z", "2024-01-01T10:01Z"],
    ["* * * * *", "2024-01-01T10:00:00.001Z", "2024-01-01T10:01Z"],
    ["* * * * *", "2024-01-01T10:00:59.999Z", "2024-01-01T10:01Z"],
    ["* * * * *", "2024-01-01T09:59:59.999Z", "2024-01-01T10:00Z"],
    ["* * * * *", "2024-01-01T09:59:59.000Z", "2024-01-01T10:00Z"],
    ["0 10 * * *", "2024-01-01T10:00:00Z", "2024-01-02T10:00Z"],
    ["0 10 * * *", "2024-01-01T09:59:59.999Z", "2024-01-01T10:00Z"],
    ["* * * * *", "2024-12-31T23:59:59.500Z", "2025-01-01T00:00Z"],
    // truncation is towards the past, also before 1970 (Go: t.Nanosecond() is never negative)
    ["0 0 1 1 *", "1969-12-31T23:59:59.500Z", "1970-01-01T00:00Z"],
    ["* * * * *", "1969-12-31T23:59:00.500Z", "1970-01-01T00:00Z"],
    ["0 0 1 1 *", "0050-06-01T00:00:00Z", "0051-01-01T00:00Z"],
  ]);
});

describe("TZ= / CRON_TZ= prefix: UTC accepted, every other zone refused, no crash", () => {
  checkRows([
    ["TZ=UTC 0 9 * * *", MONDAY, "2024-01-01T09:00Z"],
    ["CRON_TZ=UTC 0 9 * * *", MONDAY, "2024-01-01T09:00Z"],
    ["TZ=Etc/UTC 0 9 * * *", MONDAY, "2024-01-01T09:00Z"],
    ["CRON_TZ=Etc/UTC   0 9 * * *", MONDAY, "2024-01-01T09:00Z"],
    ["TZ=UTC 0\t9 * * *", MONDAY, "2024-01-01T09:00Z"],
    // Go's time.LoadLocation("") is UTC
    ["TZ= 0 9 * * *", MONDAY, "2024-01-01T09:00Z"],
  ]);
  rejects(
    [
      "TZ=UTC",
      "CRON_TZ=UTC",
      "TZ=",
      "TZ=UTC\t0 9 * * *",
      "TZ=America/New_York 0 9 * * *",
      "CRON_TZ=Europe/Berlin 0 9 * * *",
      "TZ=Asia/Kolkata 0 9 * * *",
      "TZ=Etc/GMT 0 9 * * *",
      "TZ=GMT 0 9 * * *",
      "TZ=utc 0 9 * * *",
      "TZ=Local 0 9 * * *",
      "TZ=Mars/Olympus 0 9 * * *",
      "TZ=UTC=1 0 9 * * *",
    ],
    "timezone",
  );
  rejects([
    "TZ=UTC ",
    "TZ=UTC @daily",
    "CRON_TZ=UTC @every 1h",
    "TZ=UTC TZ=UTC 0 9 * * *",
    "tz=UTC 0 9 * * *",
    " TZ=UTC 0 9 * * *",
    "0 9 * * * TZ=UTC",
  ]);
});

describe("CronParseError names the field and the reason", () => {
  it.each([
    ["60 * * * *", "minute", "end of range (60) above maximum (59): 60"],
    ["0 24 * * *", "hour", "end of range (24) above maximum (23): 24"],
    ["0 0 0 * *", "day-of-month", "beginning of range (0) below minimum (1): 0"],
    ["0 0 * 13 *", "month", "end of range (13) above maximum (12): 13"],
    ["0 0 * * 7", "day-of-week", "end of range (7) above maximum (6): 7"],
    ["10-5 * * * *", "minute", "beginning of range (10) beyond end of range (5): 10-5"],
    ["*/0 * * * *", "minute", "step of range should be a positive number: */0"],
    ["1-2-3 * * * *", "minute", "too many hyphens: 1-2-3"],
    ["*/-12 * * * *", "minute", "negative number (-12) not allowed: -12"],
    [
      "x * * * *",
      "minute",
      'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
    ],
    ["60 24 32 13 7", "minute", "end of range (60) above maximum (59): 60"],
    ["0 0 32 13 7", "day-of-month", "end of range (32) above maximum (31): 32"],
    ["TZ=Europe/Berlin 60 * * * *", "timezone", undefined],
  ] as const)("%j → %s", (expression, field, reason) => {
    const result = validate(expression);
    if (result.valid) throw new Error("expected a rejection");
    expect(result.error.field).toBe(field);
    if (reason !== undefined) expect(result.error.reason).toBe(reason);
    expect(result.error.message).toContain(JSON.stringify(expression));
    expect(result.error.message).toContain(field);
    expect(result.error.name).toBe("CronParseError");
  });

  it.each([
    ["", "empty spec string"],
    ["* * * *", "expected exactly 5 fields, found 4: [* * * *]"],
    ["@daily", "parser does not accept descriptors: @daily"],
  ])("%j has no field", (expression, reason) => {
    const result = validate(expression);
    if (result.valid) throw new Error("expected a rejection");
    expect(result.error.field).toBeUndefined();
    expect(result.error.reason).toBe(reason);
  });

  it("treats a non-string as an invalid expression rather than crashing", () => {
    expect(isValid(42 as unknown as string)).toBe(false);
    expect(() => parse(null as unknown as string)).toThrow(CronParseError);
  });
});

describe("Schedule", () => {
  it("keeps the expression as given", () => {
    expect(parse("TZ=UTC  0 9 * * * ").expression).toBe("TZ=UTC  0 9 * * * ");
  });

  it("rejects an invalid Date and non-Dates with TypeError", () => {
    const schedule = parse("* * * * *");
    expect(() => schedule.next(new Date(Number.NaN))).toThrow(TypeError);
    expect(() => schedule.next("2024-01-01" as unknown as Date)).toThrow(TypeError);
    expect(() => schedule.next(Date.now() as unknown as Date)).toThrow(TypeError);
  });

  it("does not modify the Date it is given", () => {
    const after = new Date("2024-01-01T10:00:30.250Z");
    parse("*/5 * * * *").next(after);
    expect(after.toISOString()).toBe("2024-01-01T10:00:30.250Z");
  });

  it("is immutable and gives the same answers when calls interleave", async () => {
    const schedule = parse("*/7 9-17 * * 1-5");
    expect(Object.isFrozen(schedule)).toBe(true);
    const starts = Array.from({ length: 50 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i, i % 24)));
    const sequential = starts.map((d) => schedule.next(d)?.toISOString());
    const interleaved = await Promise.all(
      starts.map(async (d, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
        return schedule.next(d)?.toISOString();
      }),
    );
    expect(interleaved).toEqual(sequential);
  });
});
