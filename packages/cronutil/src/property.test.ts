/**
 * Property tests: generated robfig-valid expressions and dates, checked against
 * - a naive brute-force search over whole minutes using robfig's matching rules,
 * - the line-by-line port of robfig's SpecSchedule.Next (test/oracle.ts),
 * and generated near-miss strings checked against the port of robfig's parser.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GoSpec } from "../test/oracle.js";
import { bruteForceNext, goNext, goParse, STAR_BIT } from "../test/oracle.js";
import type { FieldSet, Spec } from "./grammar.js";
import { parseSpec } from "./grammar.js";
import { isValid, parse, validate } from "./index.js";

const MONTH_NAMES = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldShape {
  min: number;
  max: number;
  names?: readonly string[];
  nameBase?: number;
}

const SHAPES: readonly FieldShape[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { min: 0, max: 6, names: DAY_NAMES, nameBase: 0 },
];

/** A number (or name) as robfig accepts it: plain, zero-padded, with '+', or a name in any case. */
function valueText(shape: FieldShape, value: number): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = [
    fc.constant(String(value)),
    fc.constant(`0${value}`),
    fc.constant(`+${value}`),
  ];
  const name = shape.names?.[value - (shape.nameBase ?? 0)];
  if (name !== undefined) {
    options.push(fc.constantFrom(name, name.toUpperCase(), name[0]?.toUpperCase() + name.slice(1)));
  }
  return fc.oneof(...options);
}

function stepText(shape: FieldShape): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant("") },
    {
      weight: 6,
      arbitrary: fc.integer({ min: 1, max: shape.max - shape.min + 2 }).map((s) => `/${s}`),
    },
    { weight: 1, arbitrary: fc.constantFrom("/1", "/01", "/+2", "/1000") },
  );
}

function item(shape: FieldShape): fc.Arbitrary<string> {
  const value = fc.integer({ min: shape.min, max: shape.max });
  const star = fc
    .tuple(fc.constantFrom("*", "?", "*", "*-3"), stepText(shape))
    .map(([s, step]) => `${s}${step}`);
  const single = value.chain((v) => valueText(shape, v));
  const stepped = fc
    .tuple(
      value.chain((v) => valueText(shape, v)),
      stepText(shape),
    )
    .map(([v, step]) => `${v}${step}`);
  const range = fc
    .tuple(value, value, stepText(shape))
    .chain(([a, b, step]) =>
      fc
        .tuple(valueText(shape, Math.min(a, b)), valueText(shape, Math.max(a, b)))
        .map(([lo, hi]) => `${lo}-${hi}${step}`),
    );
  return fc.oneof(
    { weight: 3, arbitrary: star },
    { weight: 4, arbitrary: single },
    { weight: 2, arbitrary: stepped },
    { weight: 3, arbitrary: range },
  );
}

function field(shape: FieldShape): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 40,
      arbitrary: fc.array(item(shape), { minLength: 1, maxLength: 3 }).map((a) => a.join(",")),
    },
    // robfig drops empty comma items
    {
      weight: 3,
      arbitrary: fc
        .array(item(shape), { minLength: 1, maxLength: 2 })
        .map((a) => `,${a.join(",,")},`),
    },
    { weight: 1, arbitrary: fc.constant(",") },
  );
}

const separator = fc.constantFrom(" ", " ", " ", "  ", "\t", " \t ");

/** Five robfig-valid fields, random white space, optionally a UTC zone prefix. */
const validExpression: fc.Arbitrary<string> = fc
  .tuple(
    fc.tuple(...SHAPES.map((shape) => field(shape))),
    fc.array(separator, { minLength: 4, maxLength: 4 }),
    fc.constantFrom("", "", "", "", " ", "TZ=UTC ", "CRON_TZ=UTC  ", "CRON_TZ=Etc/UTC "),
  )
  .map(([fields, seps, prefix]) => {
    let out = fields[0];
    for (let i = 1; i < fields.length; i++) out += `${seps[i - 1]}${fields[i]}`;
    return prefix + out;
  });

/** Dates 1990–2110 (around 2100 the five-year horizon bites), with random milliseconds. */
const instant: fc.Arbitrary<Date> = fc
  .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2110, 0, 1) })
  .chain((ms) =>
    fc.oneof(
      fc.constant(ms),
      fc.constant(Math.floor(ms / 60_000) * 60_000),
      fc.constant(Math.floor(ms / 60_000) * 60_000 - 1),
      fc.constant(Math.floor(ms / 1000) * 1000),
    ),
  )
  .map((ms) => new Date(ms));

function mask(field: FieldSet): bigint {
  let bits = field.star ? STAR_BIT : 0n;
  for (const value of field.values) bits |= 1n << BigInt(value);
  return bits;
}

function masks(spec: Spec): Omit<GoSpec, "second"> {
  return {
    minute: mask(spec.minute),
    hour: mask(spec.hour),
    dom: mask(spec.dayOfMonth),
    month: mask(spec.month),
    dow: mask(spec.dayOfWeek),
  };
}

function oracleSpec(expression: string): GoSpec {
  const spec = goParse(expression);
  if ("error" in spec)
    throw new Error(`oracle rejects ${JSON.stringify(expression)}: ${spec.error}`);
  return spec;
}

const RUNS = Number(process.env.CRONUTIL_PROPERTY_RUNS ?? 600);

describe("generated valid expressions", () => {
  it("are accepted, with the same bit sets and star bits as robfig's parser", () => {
    fc.assert(
      fc.property(validExpression, (expression) => {
        expect(isValid(expression)).toBe(true);
        const { second: _second, ...expected } = oracleSpec(expression);
        expect(masks(parseSpec(expression))).toEqual(expected);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("next(t) is the first activation found by a minute-by-minute brute-force search", () => {
    let nonNull = 0;
    fc.assert(
      fc.property(validExpression, instant, (expression, after) => {
        const actual = parse(expression).next(after);
        const expected = bruteForceNext(oracleSpec(expression), after.getTime());
        expect(expected).not.toBe("gave-up");
        expect(actual?.getTime() ?? null).toBe(expected);
        if (actual !== null) nonNull++;
      }),
      { numRuns: RUNS },
    );
    // The generator must mostly produce schedules that fire, or the property says little.
    expect(nonNull).toBeGreaterThan(RUNS * 0.8);
  });

  it("next(t) equals robfig's Next (ported) and repeated next() strictly increases", () => {
    fc.assert(
      fc.property(validExpression, instant, (expression, after) => {
        const schedule = parse(expression);
        const spec = oracleSpec(expression);
        let previous = after.getTime();
        let current: Date | null = after;
        for (let i = 0; i < 4 && current !== null; i++) {
          const nextDate: Date | null = schedule.next(current);
          expect(nextDate?.getTime() ?? null).toBe(goNext(spec, current.getTime()));
          if (nextDate !== null) {
            expect(nextDate.getTime()).toBeGreaterThan(previous);
            expect(nextDate.getUTCSeconds()).toBe(0);
            expect(nextDate.getUTCMilliseconds()).toBe(0);
            previous = nextDate.getTime();
          }
          current = nextDate;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("next(t) depends only on the whole second of t", () => {
    fc.assert(
      fc.property(
        validExpression,
        instant,
        fc.integer({ min: 0, max: 999 }),
        (expression, after, ms) => {
          const schedule = parse(expression);
          const whole = Math.floor(after.getTime() / 1000) * 1000;
          expect(schedule.next(new Date(whole + ms))?.getTime()).toBe(
            schedule.next(new Date(whole))?.getTime(),
          );
        },
      ),
      { numRuns: RUNS / 2 },
    );
  });
});

/** Near-miss strings: the grammar's own alphabet, shuffled. */
const token = fc.constantFrom(
  "*",
  "?",
  "-",
  "/",
  ",",
  "+",
  "0",
  "1",
  "5",
  "7",
  "12",
  "23",
  "24",
  "31",
  "32",
  "59",
  "60",
  "00",
  "jan",
  "DEC",
  "Sun",
  "sat",
  "fri",
  "L",
  "W",
  "#",
  "H",
  "x",
  "@",
  " ",
  "\t",
);

/** One field: valid, random tokens, or valid with a random token spliced in. */
function fuzzField(shape: FieldShape): fc.Arbitrary<string> {
  const tokens = fc.array(token, { minLength: 1, maxLength: 5 }).map((t) => t.join(""));
  const spliced = fc.tuple(field(shape), token, fc.nat()).map(([text, extra, at]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + extra + text.slice(i);
  });
  return fc.oneof(
    { weight: 8, arbitrary: field(shape) },
    { weight: 1, arbitrary: tokens },
    { weight: 2, arbitrary: spliced },
  );
}

const fuzzExpression: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(...SHAPES.map((shape) => fuzzField(shape))).map((f) => f.join(" ")),
  },
  // fields shifted into the wrong position (names and ranges out of place), or 4/6 fields
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.constantFrom(...SHAPES).chain((shape) => fuzzField(shape)),
        { minLength: 4, maxLength: 6 },
      )
      .map((f) => f.join(" ")),
  },
  { weight: 1, arbitrary: fc.array(token, { minLength: 0, maxLength: 24 }).map((t) => t.join("")) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom("TZ=", "CRON_TZ=", "TZ=UTC", "CRON_TZ=UTC ", "TZ= ", "TZ=Etc/UTC "),
        fc.tuple(...SHAPES.map((shape) => fuzzField(shape))).map((f) => f.join(" ")),
      )
      .map(([prefix, rest]) => prefix + rest),
  },
);

describe("generated near-miss strings", () => {
  it("are accepted or rejected exactly as robfig's parser (ported) does, with the same bits", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fuzzExpression, (expression) => {
        const go = goParse(expression);
        const ours = validate(expression);
        expect(ours.valid).toBe(!("error" in go));
        if (!("error" in go)) {
          accepted++;
          const { second: _second, ...expected } = go;
          expect(masks(parseSpec(expression))).toEqual(expected);
          // every accepted schedule can be evaluated
          parse(expression).next(new Date(Date.UTC(2024, 0, 1)));
        }
      }),
      { numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });
});
