/**
 * robfig/cron v3's grammar, as built by `cron.NewParser(Minute | Hour | Dom | Month | Dow)`, ported
 * rule for rule from its parser.go (`Parse`, `normalizeFields`, `getField`, `getRange`,
 * `parseIntOrName`, `mustParseInt`). The result is a set of allowed values per field plus robfig's
 * "star" flag, which decides how day-of-month and day-of-week combine. Nothing here knows about
 * cron-parser; schedule.ts translates the result.
 */
import type { CronFieldName } from "./errors.js";
import { CronParseError } from "./errors.js";
import { goAtoi, goFields, goLowerForNames, goTrimSpace } from "./go-strings.js";

/** The values one field may take and how names map onto them (robfig's `bounds`). */
export interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: ReadonlyMap<string, number>;
}

/** One parsed field: its allowed values (ascending, distinct) and robfig's star bit. */
export interface FieldSet {
  readonly values: readonly number[];
  /**
   * True when some comma item starts with `*` or `?` and has no step above 1. robfig then treats
   * the field as unrestricted for the day-of-month/day-of-week rule, whatever the other items say.
   */
  readonly star: boolean;
}

/** A parsed five-field expression. Every schedule is evaluated in UTC. */
export interface Spec {
  readonly minute: FieldSet;
  readonly hour: FieldSet;
  readonly dayOfMonth: FieldSet;
  readonly month: FieldSet;
  readonly dayOfWeek: FieldSet;
}

const MONTH_NAMES: ReadonlyMap<string, number> = new Map([
  ["jan", 1],
  ["feb", 2],
  ["mar", 3],
  ["apr", 4],
  ["may", 5],
  ["jun", 6],
  ["jul", 7],
  ["aug", 8],
  ["sep", 9],
  ["oct", 10],
  ["nov", 11],
  ["dec", 12],
]);

const WEEKDAY_NAMES: ReadonlyMap<string, number> = new Map([
  ["sun", 0],
  ["mon", 1],
  ["tue", 2],
  ["wed", 3],
  ["thu", 4],
  ["fri", 5],
  ["sat", 6],
]);

/** robfig's bounds per field; day-of-week stops at 6 (7 is not Sunday there). */
export const FIELD_BOUNDS: Readonly<Record<Exclude<CronFieldName, "timezone">, Bounds>> = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  "day-of-month": { min: 1, max: 31 },
  month: { min: 1, max: 12, names: MONTH_NAMES },
  "day-of-week": { min: 0, max: 6, names: WEEKDAY_NAMES },
};

const FIELD_ORDER = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;

/**
 * Zone names accepted after `TZ=` / `CRON_TZ=`. Go's `time.LoadLocation` maps "" and "UTC" to UTC
 * and reads "Etc/UTC" from the zone database; every other zone (even a fixed-offset alias such as
 * "Etc/GMT") is refused in v1 so that a schedule never depends on a zone other than UTC.
 */
const UTC_ZONE_NAMES: ReadonlySet<string> = new Set(["", "UTC", "Etc/UTC"]);

/** A field-level rejection; parseSpec adds the expression and field name. */
export class FieldSyntaxError extends Error {
  /** @param reason robfig-style explanation */
  constructor(readonly reason: string) {
    super(reason);
    this.name = "FieldSyntaxError";
  }
}

/**
 * Parse a complete expression the way robfig's `Parser.Parse` does with the five standard fields
 * and without descriptors. Throws {@link CronParseError}.
 */
export function parseSpec(expression: string): Spec {
  if (expression.length === 0) {
    throw new CronParseError(expression, "empty spec string");
  }
  const rest = stripZonePrefix(expression);

  if (rest.startsWith("@")) {
    throw new CronParseError(expression, `parser does not accept descriptors: ${rest}`);
  }

  const fields = goFields(rest);
  if (fields.length !== FIELD_ORDER.length) {
    throw new CronParseError(
      expression,
      `expected exactly ${FIELD_ORDER.length} fields, found ${fields.length}: [${fields.join(" ")}]`,
    );
  }

  // robfig parses left to right and reports the first failing field.
  const parsed = FIELD_ORDER.map((name, index) => {
    try {
      return parseField(fields[index] ?? "", FIELD_BOUNDS[name]);
    } catch (error) {
      if (error instanceof FieldSyntaxError) {
        throw new CronParseError(expression, error.reason, name);
      }
      throw error;
    }
  });
  const [minute, hour, dayOfMonth, month, dayOfWeek] = parsed as [
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
    FieldSet,
  ];
  return { minute, hour, dayOfMonth, month, dayOfWeek };
}

/**
 * Handle a leading `TZ=` / `CRON_TZ=` the way robfig does: the zone name runs from the first `=`
 * to the first ASCII space (a tab does not end it), and the rest is trimmed. robfig slices with an
 * index of -1 and panics when there is no space at all; that becomes a CronParseError here.
 */
function stripZonePrefix(expression: string): string {
  if (!expression.startsWith("TZ=") && !expression.startsWith("CRON_TZ=")) {
    return expression;
  }
  const space = expression.indexOf(" ");
  const equals = expression.indexOf("=");
  if (space < 0) {
    throw new CronParseError(
      expression,
      "time zone prefix must be followed by a space and the five fields",
      "timezone",
    );
  }
  const zone = expression.slice(equals + 1, space);
  if (!UTC_ZONE_NAMES.has(zone)) {
    throw new CronParseError(
      expression,
      `unsupported time zone ${JSON.stringify(zone)}: only UTC is supported (TZ=UTC, CRON_TZ=UTC, Etc/UTC)`,
      "timezone",
    );
  }
  return goTrimSpace(expression.slice(space));
}

/**
 * robfig's `getField`: a comma-separated list of items, empty items silently dropped
 * (`strings.FieldsFunc`), so `1,,2` is `1,2` and a field of only commas allows nothing at all.
 */
export function parseField(text: string, bounds: Bounds): FieldSet {
  const allowed = new Set<number>();
  let star = false;
  for (const item of text.split(",")) {
    if (item.length === 0) {
      continue;
    }
    const range = parseItem(item, bounds);
    for (let value = range.start; value <= range.end; value += range.step) {
      allowed.add(value);
    }
    star ||= range.star;
  }
  return { values: [...allowed].sort((a, b) => a - b), star };
}

interface ItemRange {
  start: number;
  end: number;
  step: number;
  star: boolean;
}

/**
 * robfig's `getRange`: `*`, `?`, `N` or `N-M`, optionally followed by `/S`.
 * Quirks kept on purpose because Go has them:
 * - only the part before the first `-` is compared with `*`/`?`, so `*-5` and `?-x` mean `*`;
 * - `N/S` means `N-max/S`;
 * - the star bit survives a step of 0 or 1 and is cleared by any larger step.
 */
function parseItem(item: string, bounds: Bounds): ItemRange {
  const rangeAndStep = item.split("/");
  const lowAndHigh = (rangeAndStep[0] ?? "").split("-");
  const low = lowAndHigh[0] ?? "";
  const singleValue = lowAndHigh.length === 1;

  let start: bigint;
  let end: bigint;
  let star = false;
  if (low === "*" || low === "?") {
    start = BigInt(bounds.min);
    end = BigInt(bounds.max);
    star = true;
  } else {
    start = parseIntOrName(low, bounds.names);
    if (lowAndHigh.length === 1) {
      end = start;
    } else if (lowAndHigh.length === 2) {
      end = parseIntOrName(lowAndHigh[1] ?? "", bounds.names);
    } else {
      throw new FieldSyntaxError(`too many hyphens: ${item}`);
    }
  }

  let step: bigint;
  if (rangeAndStep.length === 1) {
    step = 1n;
  } else if (rangeAndStep.length === 2) {
    step = parseNonNegative(rangeAndStep[1] ?? "");
    if (singleValue) {
      end = BigInt(bounds.max);
    }
    if (step > 1n) {
      star = false;
    }
  } else {
    throw new FieldSyntaxError(`too many slashes: ${item}`);
  }

  if (start < BigInt(bounds.min)) {
    throw new FieldSyntaxError(
      `beginning of range (${start}) below minimum (${bounds.min}): ${item}`,
    );
  }
  if (end > BigInt(bounds.max)) {
    throw new FieldSyntaxError(`end of range (${end}) above maximum (${bounds.max}): ${item}`);
  }
  if (start > end) {
    throw new FieldSyntaxError(
      `beginning of range (${start}) beyond end of range (${end}): ${item}`,
    );
  }
  if (step === 0n) {
    throw new FieldSyntaxError(`step of range should be a positive number: ${item}`);
  }

  // Any step wider than the field selects only `start`; capping keeps the number exact.
  const width = BigInt(bounds.max - bounds.min + 1);
  return {
    start: Number(start),
    end: Number(end),
    step: Number(step > width ? width : step),
    star,
  };
}

/** robfig's `parseIntOrName`: a (lower-cased) name of this field, else a number. */
function parseIntOrName(text: string, names: ReadonlyMap<string, number> | undefined): bigint {
  const named = names?.get(goLowerForNames(text));
  if (named !== undefined) {
    return BigInt(named);
  }
  return parseNonNegative(text);
}

/** robfig's `mustParseInt`: `strconv.Atoi`, then negative numbers refused. */
function parseNonNegative(text: string): bigint {
  const parsed = goAtoi(text);
  if (!parsed.ok) {
    throw new FieldSyntaxError(`failed to parse int from ${text}: ${parsed.message}`);
  }
  if (parsed.value < 0n) {
    throw new FieldSyntaxError(`negative number (${parsed.value}) not allowed: ${text}`);
  }
  return parsed.value;
}
