import type { CronFieldCollection } from "cron-parser";
import { CronExpression, CronExpressionParser } from "cron-parser";
import { CronParseError } from "./errors.js";
import type { FieldSet, Spec } from "./grammar.js";
import { FIELD_BOUNDS, parseSpec } from "./grammar.js";

/** A parsed cron expression that can compute activation times. Immutable and safe to share. */
export interface Schedule {
  /** The expression exactly as it was given to `parse`. */
  readonly expression: string;
  /**
   * The first activation strictly after `after`, in UTC, always on a whole minute; or `null` when
   * robfig/cron would return its zero time: the schedule can never fire, or it does not fire before
   * the end of the year five years after `after` (plus one second).
   * @throws TypeError when `after` is not a valid Date
   */
  next(after: Date): Date | null;
}

/** cron-parser 5.10.5's message when the search passes `endDate` (not exported by the package). */
const TIME_SPAN_OUT_OF_BOUNDS = "Out of the time span range";

/** The largest time a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

const DAYS_IN_MONTH_MAX = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Translate a robfig spec into the six-field expression cron-parser 5.10.5 is given, or `null`
 * when robfig's schedule can never fire.
 *
 * cron-parser decides the day rule from the raw field text: a field is a wildcard only when its text
 * is exactly `*` or `?`; two non-wildcard day fields are OR-ed, otherwise the non-wildcard one alone
 * applies. robfig ANDs the two fields as soon as either carries its star bit, and ORs them
 * otherwise. So a day field is written as `*` exactly when robfig marked it star (its values are
 * then the full range anyway), and as an explicit value list in every other case, even when the
 * list happens to cover the whole range (`1-31` is not star in robfig and must stay OR-ed).
 *
 * robfig accepts fields that allow nothing (`,` parses to an empty set), which cron-parser cannot
 * express. With the OR rule an empty day field simply drops out; with the AND rule, or in any other
 * field, it makes the schedule impossible.
 */
export function toCronParserExpression(spec: Spec): string | null {
  const { minute, hour, dayOfMonth, month, dayOfWeek } = spec;
  if (minute.values.length === 0 || hour.values.length === 0 || month.values.length === 0) {
    return null;
  }

  let domText: string;
  let dowText: string;
  if (dayOfMonth.star || dayOfWeek.star) {
    if (dayOfMonth.values.length === 0 || dayOfWeek.values.length === 0) {
      return null;
    }
    domText = dayOfMonth.star ? "*" : list(dayOfMonth);
    dowText = dayOfWeek.star ? "*" : list(dayOfWeek);
  } else if (dayOfMonth.values.length === 0 && dayOfWeek.values.length === 0) {
    return null;
  } else if (dayOfMonth.values.length === 0) {
    domText = "*";
    dowText = list(dayOfWeek);
  } else if (dayOfWeek.values.length === 0) {
    domText = list(dayOfMonth);
    dowText = "*";
  } else {
    domText = list(dayOfMonth);
    dowText = list(dayOfWeek);
  }

  // Day-of-month alone: impossible when no listed day exists in any listed month (`0 0 30 2 *`).
  // cron-parser refuses such an expression at parse time; robfig parses it and never fires.
  if (domText !== "*" && dowText === "*") {
    const longestMonth = Math.max(...month.values.map((m) => DAYS_IN_MONTH_MAX[m - 1] ?? 0));
    const firstDay = dayOfMonth.values[0] ?? Number.POSITIVE_INFINITY;
    if (firstDay > longestMonth) {
      return null;
    }
  }

  return [
    "0",
    listOrStar(minute, FIELD_BOUNDS.minute.max - FIELD_BOUNDS.minute.min + 1),
    listOrStar(hour, FIELD_BOUNDS.hour.max - FIELD_BOUNDS.hour.min + 1),
    domText,
    listOrStar(month, FIELD_BOUNDS.month.max - FIELD_BOUNDS.month.min + 1),
    dowText,
  ].join(" ");
}

function list(field: FieldSet): string {
  return field.values.join(",");
}

/** Outside the day fields `*` and the full list mean the same to cron-parser; `*` is shorter. */
function listOrStar(field: FieldSet, size: number): string {
  return field.values.length === size ? "*" : list(field);
}

/** Start of 1 January of `year`, UTC, in ms; NaN outside the Date range. */
function startOfYearUtc(year: number): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, 0, 1);
  return date.getTime();
}

class CronSchedule implements Schedule {
  readonly expression: string;
  /** cron-parser's parsed fields; shared read-only between calls. `null`: never fires. */
  readonly #fields: CronFieldCollection | null;
  /**
   * One unbounded cron-parser iterator, re-seated on every call. Building an iterator costs three
   * luxon dates (current, initial, end) — more than the search itself for frequent schedules — so
   * reusing it is what keeps the wrapper as fast as a caller who keeps a bare cron-parser
   * expression. Its only state is the date `reset` overwrites; `next` is synchronous, so no other
   * call can observe it in between, and the schedule stays safe to share.
   */
  readonly #iterator: CronExpression | null;

  constructor(expression: string, fields: CronFieldCollection | null) {
    this.expression = expression;
    this.#fields = fields;
    this.#iterator =
      fields === null ? null : CronExpression.fieldsToExpression(fields, { tz: "UTC" });
    Object.freeze(this);
  }

  next(after: Date): Date | null {
    if (!(after instanceof Date)) {
      throw new TypeError("next(after) expects a Date");
    }
    const afterMs = after.getTime();
    if (Number.isNaN(afterMs)) {
      throw new TypeError("next(after) expects a valid Date, got Invalid Date");
    }
    if (this.#iterator === null) {
      return null;
    }

    // robfig: truncate to the whole second, add one second, search with seconds = 0, and give up
    // after the end of the year five years after that starting point.
    const truncatedMs = Math.floor(afterMs / 1000) * 1000;
    const startMs = truncatedMs + 1000;
    const lastYear = new Date(startMs).getUTCFullYear() + 5;
    const horizonMs = startOfYearUtc(lastYear + 1);
    // Near the end of the Date range the horizon is clamped; luxon cannot step past it either.
    if (Number.isNaN(horizonMs) || horizonMs - 1 > MAX_DATE_MS) {
      return this.#nextBounded(truncatedMs, MAX_DATE_MS, true);
    }
    const endMs = horizonMs - 1;
    if (startMs > endMs) {
      return null;
    }

    // cron-parser returns the first match strictly after a whole-second currentDate, which is
    // robfig's "first match at or after truncated + 1s". The search is monotonic, so a first match
    // past the horizon means robfig's zero time, exactly as an endDate-bounded search would say.
    this.#iterator.reset(new Date(truncatedMs));
    let found: number;
    try {
      found = this.#iterator.next().getTime();
    } catch {
      // The unbounded search failed before any match — cron-parser's step limit, or a date past
      // what luxon can hold near the end of the Date range — where the bounded search would have
      // stopped at the horizon. Let the bounded search decide (it throws what it cannot answer).
      return this.#nextBounded(truncatedMs, endMs, false);
    }
    return found > endMs ? null : new Date(found);
  }

  /** The search bounded by cron-parser's own `endDate`, with a fresh iterator (the rare path). */
  #nextBounded(truncatedMs: number, endMs: number, clamped: boolean): Date | null {
    if (this.#fields === null) {
      return null;
    }
    const iterator = CronExpression.fieldsToExpression(this.#fields, {
      tz: "UTC",
      currentDate: new Date(truncatedMs),
      endDate: new Date(endMs),
    });
    try {
      return iterator.next().toDate();
    } catch (error) {
      if (clamped || (error instanceof Error && error.message === TIME_SPAN_OUT_OF_BOUNDS)) {
        return null;
      }
      throw error;
    }
  }
}

/**
 * Parse a five-field cron expression with robfig/cron v3 semantics (standard fields, no seconds,
 * no descriptors, UTC).
 * @throws CronParseError for every expression robfig rejects and for non-UTC time-zone prefixes
 */
export function parse(expression: string): Schedule {
  if (typeof expression !== "string") {
    throw new CronParseError(String(expression), "expression must be a string");
  }
  const normalised = toCronParserExpression(parseSpec(expression));
  if (normalised === null) {
    return new CronSchedule(expression, null);
  }
  const fields = CronExpressionParser.parse(normalised, { tz: "UTC", strict: false }).fields;
  return new CronSchedule(expression, fields);
}

/** Whether `parse(expression)` would succeed. Never throws. */
export function isValid(expression: string): boolean {
  return validate(expression).valid;
}

/** Like `parse`, but reports the problem instead of throwing. */
export function validate(
  expression: string,
): { valid: true } | { valid: false; error: CronParseError } {
  try {
    parse(expression);
    return { valid: true };
  } catch (error) {
    if (error instanceof CronParseError) {
      return { valid: false, error };
    }
    throw error;
  }
}
