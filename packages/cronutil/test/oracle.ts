/**
 * Test oracles, deliberately independent of src/: a line-by-line port of robfig/cron v3's
 * parser.go + spec.go (standard five-field parser, UTC) and a naive brute-force search built only on
 * robfig's matching rules. Tests compare the production code (grammar.ts + cron-parser) with both.
 *
 * Bit sets are bigints so that the port keeps robfig's `uint64` layout, star bit included.
 */

export const STAR_BIT = 1n << 63n;

interface GoBounds {
  min: bigint;
  max: bigint;
  names: Map<string, bigint> | null;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

export const GO_BOUNDS = {
  minutes: { min: 0n, max: 59n, names: null } as GoBounds,
  hours: { min: 0n, max: 23n, names: null } as GoBounds,
  dom: { min: 1n, max: 31n, names: null } as GoBounds,
  months: {
    min: 1n,
    max: 12n,
    names: new Map(MONTHS.map((name, index) => [name, BigInt(index + 1)])),
  } as GoBounds,
  dow: { min: 0n, max: 6n, names: new Map(DAYS.map((name, index) => [name, BigInt(index)])) },
} satisfies Record<string, GoBounds>;

/** robfig's SpecSchedule for the standard parser (seconds fixed to 0, location UTC). */
export interface GoSpec {
  second: bigint;
  minute: bigint;
  hour: bigint;
  dom: bigint;
  month: bigint;
  dow: bigint;
}

class GoError extends Error {}

function isGoSpace(char: string): boolean {
  return /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/.test(char);
}

/** strings.Fields, written as a scanner to stay independent from src/go-strings.ts. */
function fields(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const char of text) {
    if (isGoSpace(char)) {
      if (current !== "") out.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current !== "") out.push(current);
  return out;
}

function trimSpace(text: string): string {
  const chars = [...text];
  while (chars.length > 0 && isGoSpace(chars[0] ?? "")) chars.shift();
  while (chars.length > 0 && isGoSpace(chars[chars.length - 1] ?? "")) chars.pop();
  return chars.join("");
}

/** strconv.Atoi (64-bit): fast path for short strings, ParseInt otherwise; same acceptance. */
function atoi(s: string): bigint {
  let body = s;
  let neg = false;
  if (body.length > 0 && (body[0] === "-" || body[0] === "+")) {
    neg = body[0] === "-";
    body = body.slice(1);
  }
  if (body.length < 1) throw new GoError("invalid syntax");
  let n = 0n;
  for (const ch of body) {
    const code = ch.charCodeAt(0) - 48;
    if (ch.length !== 1 || code < 0 || code > 9) throw new GoError("invalid syntax");
    n = n * 10n + BigInt(code);
  }
  if (neg) n = -n;
  if (n > (1n << 63n) - 1n || n < -(1n << 63n)) throw new GoError("value out of range");
  return n;
}

/** unicode.ToLower rune by rune, restricted to what can yield ASCII. */
function toLower(s: string): string {
  return [...s]
    .map((ch) => {
      if (ch === "\u0130") return "i";
      if (ch === "\u212a") return "k";
      return /^[A-Z]$/.test(ch) ? ch.toLowerCase() : ch;
    })
    .join("");
}

function mustParseInt(expr: string): bigint {
  const num = atoi(expr);
  if (num < 0n) throw new GoError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names: Map<string, bigint> | null): bigint {
  if (names !== null) {
    const named = names.get(toLower(expr));
    if (named !== undefined) return named;
  }
  return mustParseInt(expr);
}

function getBits(min: bigint, max: bigint, step: bigint): bigint {
  let bits = 0n;
  for (let i = min; i <= max; i += step) bits |= 1n << i;
  return bits;
}

/** robfig's getRange, statement by statement. */
export function goGetRange(expr: string, r: GoBounds): bigint {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = (rangeAndStep[0] as string).split("-");
  const singleDigit = lowAndHigh.length === 1;
  let start: bigint;
  let end: bigint;
  let step: bigint;
  let extra = 0n;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = r.min;
    end = r.max;
    extra = STAR_BIT;
  } else {
    start = parseIntOrName(lowAndHigh[0] as string, r.names);
    switch (lowAndHigh.length) {
      case 1:
        end = start;
        break;
      case 2:
        end = parseIntOrName(lowAndHigh[1] as string, r.names);
        break;
      default:
        throw new GoError(`too many hyphens: ${expr}`);
    }
  }
  switch (rangeAndStep.length) {
    case 1:
      step = 1n;
      break;
    case 2:
      step = mustParseInt(rangeAndStep[1] as string);
      if (singleDigit) end = r.max;
      if (step > 1n) extra = 0n;
      break;
    default:
      throw new GoError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new GoError("below minimum");
  if (end > r.max) throw new GoError("above maximum");
  if (start > end) throw new GoError("beyond end of range");
  if (step === 0n) throw new GoError("should be a positive number");
  return getBits(start, end, step) | extra;
}

/** robfig's getField: strings.FieldsFunc on ',' drops empty items. */
export function goGetField(field: string, r: GoBounds): bigint {
  let bits = 0n;
  for (const expr of field.split(",").filter((piece) => piece !== "")) {
    bits |= goGetRange(expr, r);
  }
  return bits;
}

/**
 * robfig's Parser.Parse for Minute|Hour|Dom|Month|Dow, in UTC only: returns the schedule, or an
 * error string (including "panic" where Go would panic, and "zone" for any zone robfig would load
 * but this package refuses).
 */
export function goParse(input: string): GoSpec | { error: string } {
  try {
    let spec = input;
    if (spec.length === 0) return { error: "empty spec string" };
    if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
      const i = spec.indexOf(" ");
      const eq = spec.indexOf("=");
      if (i < 0) return { error: "panic: slice bounds out of range" };
      const zone = spec.slice(eq + 1, i);
      if (zone !== "" && zone !== "UTC" && zone !== "Etc/UTC") return { error: "zone" };
      spec = trimSpace(spec.slice(i));
    }
    if (spec.startsWith("@")) return { error: "parser does not accept descriptors" };
    const f = fields(spec);
    if (f.length !== 5) return { error: `expected exactly 5 fields, found ${f.length}` };
    return {
      second: 1n,
      minute: goGetField(f[0] as string, GO_BOUNDS.minutes),
      hour: goGetField(f[1] as string, GO_BOUNDS.hours),
      dom: goGetField(f[2] as string, GO_BOUNDS.dom),
      month: goGetField(f[3] as string, GO_BOUNDS.months),
      dow: goGetField(f[4] as string, GO_BOUNDS.dow),
    };
  } catch (error) {
    if (error instanceof GoError) return { error: error.message };
    throw error;
  }
}

/** Build a UTC instant from calendar parts, normalising overflow like Go's time.Date. */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

/** time.AddDate(0, months, days) in UTC: calendar arithmetic keeping the time of day. */
function addDate(ms: number, months: number, days: number): number {
  const t = new Date(ms);
  return utc(
    t.getUTCFullYear(),
    t.getUTCMonth() + months,
    t.getUTCDate() + days,
    t.getUTCHours(),
    t.getUTCMinutes(),
    t.getUTCSeconds(),
  );
}

function has(bits: bigint, value: number): boolean {
  return ((1n << BigInt(value)) & bits) !== 0n;
}

/** robfig's dayMatches. */
export function goDayMatches(s: GoSpec, t: Date): boolean {
  const domMatch = has(s.dom, t.getUTCDate());
  const dowMatch = has(s.dow, t.getUTCDay());
  if ((s.dom & STAR_BIT) !== 0n || (s.dow & STAR_BIT) !== 0n) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

/** Whether a whole minute matches robfig's rules (seconds must be 0). */
export function goMatches(s: GoSpec, ms: number): boolean {
  const t = new Date(ms);
  return (
    t.getUTCSeconds() === 0 &&
    t.getUTCMilliseconds() === 0 &&
    has(s.month, t.getUTCMonth() + 1) &&
    goDayMatches(s, t) &&
    has(s.hour, t.getUTCHours()) &&
    has(s.minute, t.getUTCMinutes())
  );
}

/** robfig's SpecSchedule.Next, goto WRAP and all, in UTC. Returns ms or null (zero time). */
export function goNext(s: GoSpec, afterMs: number): number | null {
  let t = Math.floor(afterMs / 1000) * 1000 + 1000;
  const d = () => new Date(t);
  let added = false;
  const yearLimit = d().getUTCFullYear() + 5;

  wrap: for (;;) {
    if (d().getUTCFullYear() > yearLimit) return null;

    while (!has(s.month, d().getUTCMonth() + 1)) {
      if (!added) {
        added = true;
        t = utc(d().getUTCFullYear(), d().getUTCMonth(), 1);
      }
      t = addDate(t, 1, 0);
      if (d().getUTCMonth() === 0) continue wrap;
    }

    while (!goDayMatches(s, d())) {
      if (!added) {
        added = true;
        t = utc(d().getUTCFullYear(), d().getUTCMonth(), d().getUTCDate());
      }
      t = addDate(t, 0, 1);
      if (d().getUTCDate() === 1) continue wrap;
    }

    while (!has(s.hour, d().getUTCHours())) {
      if (!added) {
        added = true;
        t = utc(d().getUTCFullYear(), d().getUTCMonth(), d().getUTCDate(), d().getUTCHours());
      }
      t += 3_600_000;
      if (d().getUTCHours() === 0) continue wrap;
    }

    while (!has(s.minute, d().getUTCMinutes())) {
      if (!added) {
        added = true;
        t = Math.floor(t / 60_000) * 60_000;
      }
      t += 60_000;
      if (d().getUTCMinutes() === 0) continue wrap;
    }

    while (!has(s.second, d().getUTCSeconds())) {
      if (!added) {
        added = true;
      }
      t += 1000;
      if (d().getUTCSeconds() === 0) continue wrap;
    }

    return t;
  }
}

/**
 * Naive search: test every whole minute from `after` onwards against robfig's matching rules.
 * The only shortcuts skip whole days whose month or day does not match and whole hours whose hour
 * does not match (no minute inside them can match). Stops at robfig's horizon (end of the year
 * five years after after + 1s) or after `maxMinutes` examined minutes ("gave-up").
 */
export function bruteForceNext(
  s: GoSpec,
  afterMs: number,
  maxMinutes = 5_000_000,
): number | null | "gave-up" {
  const allowed = (bits: bigint, size: number) =>
    Array.from({ length: size }, (_, value) => has(bits, value));
  const minute = allowed(s.minute, 60);
  const hour = allowed(s.hour, 24);
  const start = Math.floor(afterMs / 1000) * 1000 + 1000;
  const limitYear = new Date(start).getUTCFullYear() + 5;
  const horizon = utc(limitYear + 1, 0, 1);
  let t = Math.ceil(start / 60_000) * 60_000;
  let examined = 0;
  while (t < horizon) {
    if (++examined > maxMinutes) return "gave-up";
    const date = new Date(t);
    if (!has(s.month, date.getUTCMonth() + 1) || !goDayMatches(s, date)) {
      t = utc(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
      continue;
    }
    if (!hour[date.getUTCHours()]) {
      t = Math.floor(t / 3_600_000) * 3_600_000 + 3_600_000;
      continue;
    }
    if (minute[date.getUTCMinutes()] && date.getUTCSeconds() === 0) {
      if (!goMatches(s, t)) throw new Error("brute force shortcut disagrees with goMatches");
      return t;
    }
    t += 60_000;
  }
  return null;
}
