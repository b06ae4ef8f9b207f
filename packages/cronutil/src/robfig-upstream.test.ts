/**
 * robfig/cron v3's own test tables (parser_test.go, spec_test.go), translated to this package:
 * - six-field (seconds) specs whose seconds are 0 lose the seconds field;
 * - specs whose seconds are not 0 (`15/35 …`) keep their minute/hour/day part and the expected
 *   time loses its seconds (marked "adapted"): with seconds fixed to 0 the same minute is found;
 * - times without a zone were parsed in time.Local by robfig and are read here as UTC wall clock
 *   (none of them sits on a DST transition, so the wall-clock answers are unchanged);
 * - rows about descriptors, six fields or zones other than UTC become error cases, because this
 *   package must reject them; rows that only exercise DST in America/New_York or Sao_Paulo have
 *   no UTC counterpart and are covered only by their error case;
 * - getRange/getField/getBits rows run against the internal field parser with robfig's bounds.
 */
import { describe, expect, it } from "vitest";
import type { Bounds, FieldSet } from "./grammar.js";
import { FIELD_BOUNDS, FieldSyntaxError, parseField } from "./grammar.js";
import { CronParseError, isValid, parse } from "./index.js";

const STAR = 1n << 63n;

/** robfig's uint64 layout (values as bits, plus the star bit) of a parsed field. */
function bits(field: FieldSet): bigint {
  let out = field.star ? STAR : 0n;
  for (const value of field.values) out |= 1n << BigInt(value);
  return out;
}

function bounds(min: number, max: number): Bounds {
  return { min, max };
}

function fieldError(text: string, b: Bounds): string {
  try {
    parseField(text, b);
  } catch (error) {
    if (error instanceof FieldSyntaxError) return error.reason;
    throw error;
  }
  return "no error";
}

function next(expression: string, after: string): string | null {
  return parse(expression).next(new Date(after))?.toISOString() ?? null;
}

describe("parser_test.go TestRange", () => {
  it.each([
    ["5", 0, 7, 1n << 5n],
    ["0", 0, 7, 1n << 0n],
    ["7", 0, 7, 1n << 7n],
    ["5-5", 0, 7, 1n << 5n],
    ["5-6", 0, 7, (1n << 5n) | (1n << 6n)],
    ["5-7", 0, 7, (1n << 5n) | (1n << 6n) | (1n << 7n)],
    ["5-6/2", 0, 7, 1n << 5n],
    ["5-7/2", 0, 7, (1n << 5n) | (1n << 7n)],
    ["5-7/1", 0, 7, (1n << 5n) | (1n << 6n) | (1n << 7n)],
    ["*", 1, 3, (1n << 1n) | (1n << 2n) | (1n << 3n) | STAR],
    ["*/2", 1, 3, (1n << 1n) | (1n << 3n)],
  ])("%s in [%i,%i]", (expr, min, max, expected) => {
    expect(bits(parseField(expr, bounds(min, max)))).toBe(expected);
  });

  it.each([
    ["5--5", 0, 0, "too many hyphens"],
    ["jan-x", 0, 0, "failed to parse int from"],
    ["2-x", 1, 5, "failed to parse int from"],
    ["*/-12", 0, 0, "negative number"],
    ["*//2", 0, 0, "too many slashes"],
    ["1", 3, 5, "below minimum"],
    ["6", 3, 5, "above maximum"],
    ["5-3", 3, 5, "beyond end of range"],
    ["*/0", 0, 0, "should be a positive number"],
  ])("%s in [%i,%i] fails with %s", (expr, min, max, reason) => {
    expect(fieldError(expr, bounds(min, max))).toContain(reason);
  });
});

describe("parser_test.go TestField", () => {
  it.each([
    ["5", 1n << 5n],
    ["5,6", (1n << 5n) | (1n << 6n)],
    ["5,6,7", (1n << 5n) | (1n << 6n) | (1n << 7n)],
    ["1,5-7/2,3", (1n << 1n) | (1n << 5n) | (1n << 7n) | (1n << 3n)],
  ])("%s in [1,7]", (expr, expected) => {
    expect(bits(parseField(expr, bounds(1, 7)))).toBe(expected);
  });
});

describe("parser_test.go TestAll / TestBits", () => {
  it.each([
    ["minute", 0xfffffffffffffffn],
    ["hour", 0xffffffn],
    ["day-of-month", 0xfffffffen],
    ["month", 0x1ffen],
    ["day-of-week", 0x7fn],
  ] as const)("all(%s)", (name, expected) => {
    expect(bits(parseField("*", FIELD_BOUNDS[name]))).toBe(expected | STAR);
  });

  it.each([
    [0, 0, 1, 0x1n],
    [1, 1, 1, 0x2n],
    [1, 5, 2, 0x2an],
    [1, 4, 2, 0xan],
  ])("getBits(%i, %i, %i)", (min, max, step, expected) => {
    expect(bits(parseField(`${min}-${max}/${step}`, bounds(0, 59)))).toBe(expected);
  });
});

describe("parser_test.go TestParseScheduleErrors / TestStandardSpecSchedule / TestNoDescriptorParser", () => {
  it.each([
    ["5 j * * *", "failed to parse int from"],
    ["@every Xm", "does not accept descriptors"],
    ["@unrecognized", "does not accept descriptors"],
    ["@every 5m", "does not accept descriptors"],
    ["@every 1m", "does not accept descriptors"],
    ["* * * *", "expected exactly 5 fields"],
    ["", "empty spec string"],
  ])("rejects %j (%s)", (expression, reason) => {
    expect(() => parse(expression)).toThrow(CronParseError);
    expect(() => parse(expression)).toThrow(reason);
  });
});

describe("parser_test.go TestParseSchedule / TestOptionalSecondSchedule", () => {
  it.each(["5 * * * *", "CRON_TZ=UTC  5 * * * *", "TZ=UTC  5 * * * *"])(
    "%j is every hour at minute 5",
    (expression) => {
      const schedule = parse(expression);
      expect(schedule.next(new Date("2012-07-09T14:45:00Z"))?.toISOString()).toBe(
        "2012-07-09T15:05:00.000Z",
      );
      expect(schedule.next(new Date("2012-07-09T15:05:00Z"))?.toISOString()).toBe(
        "2012-07-09T16:05:00.000Z",
      );
    },
  );

  it.each([
    "0 5 * * * *",
    "5 5 * * * *",
    "* 5 * * * *",
    "CRON_TZ=UTC  0 5 * * * *",
    "CRON_TZ=Asia/Tokyo 0 5 * * * *",
    "TZ=Asia/Tokyo 0 5 * * * *",
    "@midnight",
    "TZ=UTC  @midnight",
    "TZ=Asia/Tokyo @midnight",
    "@yearly",
    "@annually",
    "5 15 *",
    "5 15 * 4",
  ])("rejects the seconds/descriptor/zone/subset form %j", (expression) => {
    expect(isValid(expression)).toBe(false);
  });
});

describe("spec_test.go TestActivation", () => {
  it.each([
    ["2012-07-09T15:00:00Z", "0/15 * * * *", true],
    ["2012-07-09T15:45:00Z", "0/15 * * * *", true],
    ["2012-07-09T15:40:00Z", "0/15 * * * *", false],
    ["2012-07-09T15:05:00Z", "5/15 * * * *", true],
    ["2012-07-09T15:20:00Z", "5/15 * * * *", true],
    ["2012-07-09T15:50:00Z", "5/15 * * * *", true],
    ["2012-07-15T15:00:00Z", "0/15 * * Jul *", true],
    ["2012-07-15T15:00:00Z", "0/15 * * Jun *", false],
    ["2012-07-15T08:30:00Z", "30 08 ? Jul Sun", true],
    ["2012-07-15T08:30:00Z", "30 08 15 Jul ?", true],
    ["2012-07-16T08:30:00Z", "30 08 ? Jul Sun", false],
    ["2012-07-16T08:30:00Z", "30 08 15 Jul ?", false],
    ["2012-07-15T00:00:00Z", "* * 1,15 * Sun", true],
    ["2012-06-15T00:00:00Z", "* * 1,15 * Sun", true],
    ["2012-08-01T00:00:00Z", "* * 1,15 * Sun", true],
    ["2012-07-15T00:00:00Z", "* * */10 * Sun", true],
    ["2012-07-15T00:00:00Z", "* * * * Mon", false],
    ["2012-07-09T00:00:00Z", "* * 1,15 * *", false],
    ["2012-07-15T00:00:00Z", "* * 1,15 * *", true],
    ["2012-07-15T00:00:00Z", "* * */2 * Sun", true],
  ])("%s matches %j: %s", (time, expression, expected) => {
    const at = new Date(time);
    const actual = parse(expression).next(new Date(at.getTime() - 1000));
    expect(actual?.getTime() === at.getTime()).toBe(expected);
  });

  it.each(["@hourly", "@daily", "@weekly", "@monthly"])("rejects the descriptor %s", (d) => {
    expect(isValid(d)).toBe(false);
  });
});

describe("spec_test.go TestNext", () => {
  it.each([
    ["2012-07-09T14:45:00Z", "0/15 * * * *", "2012-07-09T15:00:00.000Z"],
    ["2012-07-09T14:59:00Z", "0/15 * * * *", "2012-07-09T15:00:00.000Z"],
    ["2012-07-09T14:59:59Z", "0/15 * * * *", "2012-07-09T15:00:00.000Z"],
    ["2012-07-09T15:45:00Z", "20-35/15 * * * *", "2012-07-09T16:20:00.000Z"],
    ["2012-07-09T23:46:00Z", "*/15 * * * *", "2012-07-10T00:00:00.000Z"],
    ["2012-07-09T23:45:00Z", "20-35/15 * * * *", "2012-07-10T00:20:00.000Z"],
    // adapted: robfig's rows have seconds 15/35 and expect hh:mm:15
    ["2012-07-09T23:35:51Z", "20-35/15 * * * *", "2012-07-10T00:20:00.000Z"],
    ["2012-07-09T23:35:51Z", "20-35/15 1/2 * * *", "2012-07-10T01:20:00.000Z"],
    ["2012-07-09T23:35:51Z", "20-35/15 10-12 * * *", "2012-07-10T10:20:00.000Z"],
    ["2012-07-09T23:35:51Z", "20-35/15 1/2 */2 * *", "2012-07-11T01:20:00.000Z"],
    ["2012-07-09T23:35:51Z", "20-35/15 * 9-20 * *", "2012-07-10T00:20:00.000Z"],
    ["2012-07-09T23:35:51Z", "20-35/15 * 9-20 Jul *", "2012-07-10T00:20:00.000Z"],
    ["2012-07-09T23:35:00Z", "0 0 9 Apr-Oct ?", "2012-08-09T00:00:00.000Z"],
    ["2012-07-09T23:35:00Z", "0 0 */5 Apr,Aug,Oct Mon", "2012-08-01T00:00:00.000Z"],
    ["2012-07-09T23:35:00Z", "0 0 */5 Oct Mon", "2012-10-01T00:00:00.000Z"],
    ["2012-07-09T23:35:00Z", "0 0 * Feb Mon", "2013-02-04T00:00:00.000Z"],
    ["2012-07-09T23:35:00Z", "0 0 * Feb Mon/2", "2013-02-01T00:00:00.000Z"],
    ["2012-12-31T23:59:45Z", "* * * * *", "2013-01-01T00:00:00.000Z"],
    ["2012-07-09T23:35:00Z", "0 0 29 Feb ?", "2016-02-29T00:00:00.000Z"],
    // robfig reads this one in America/New_York; the same wall clock in UTC
    ["2012-11-04T00:00:00Z", "0 3 3 * ?", "2012-12-03T03:00:00.000Z"],
    ["2012-07-09T23:35:00Z", "0 0 30 Feb ?", null],
    ["2012-07-09T23:35:00Z", "0 0 31 Apr ?", null],
  ])("next(%s) of %j is %s", (after, expression, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it.each([
    "TZ=America/New_York 0 30 2 11 Mar ?",
    "TZ=America/New_York 0 0 * * * ?",
    "CRON_TZ=America/New_York 0 0 * * * ?",
    "TZ=America/New_York 30 2 11 Mar ?",
    "TZ=America/New_York 0 * * * ?",
    "CRON_TZ=America/New_York 0 * * * ?",
    "TZ=America/New_York 0 1 * * ?",
    "TZ=America/New_York 0 2 * * ?",
    "TZ=America/New_York 30 1 04 Nov ?",
    "TZ=America/Sao_Paulo 0 9 10 * ?",
    "TZ=America/Sao_Paulo 0 9 22 * ?",
  ])("rejects the non-UTC zone in %j", (expression) => {
    expect(() => parse(expression)).toThrow(CronParseError);
  });
});

describe("spec_test.go TestNextWithTz (read as UTC wall clock)", () => {
  it.each([
    ["2016-01-03T13:09:03Z", "14 14 * * *", "2016-01-03T14:14:00.000Z"],
    ["2016-01-03T04:09:03Z", "14 14 * * ?", "2016-01-03T14:14:00.000Z"],
    ["2016-01-03T14:09:03Z", "14 14 * * *", "2016-01-03T14:14:00.000Z"],
    ["2016-01-03T14:00:00Z", "14 14 * * ?", "2016-01-03T14:14:00.000Z"],
  ])("next(%s) of %j is %s", (after, expression, expected) => {
    expect(next(expression, after)).toBe(expected);
  });
});

describe("spec_test.go TestErrors / TestSlash0NoHang", () => {
  it.each([
    "xyz",
    "60 0 * * *",
    "0 60 * * *",
    "0 0 * * XYZ",
    "TZ=America/New_York 15/0 * * * *",
    "15/0 * * * *",
  ])("rejects %j", (expression) => {
    expect(() => parse(expression)).toThrow(CronParseError);
  });
});
