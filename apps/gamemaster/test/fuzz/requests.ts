import fc from "fast-check";
import type { JsonSchema, Operation } from "./contract.js";

/** One generated HTTP request, ready to send. */
export interface FuzzRequest {
  operationId: string;
  /** What was done to the contract-valid request ("valid" when nothing). */
  mutation: string;
  method: string;
  /** Path and query, already percent-encoded. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Values the generator prefers for a parameter or body field of that name,
 * so that a good share of requests meet existing state (a registered game, a
 * known version) and travel past validation into the services.
 */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

interface Draft {
  operation: Operation;
  params: Record<string, string>;
  /** Replaces the encoded value of a path parameter. */
  rawParams: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** Replaces the JSON encoding of `body`. */
  bodyText: string | undefined;
  mutation: string;
}

const MAX_GENERATED_STRING = 24;

function isType(schema: JsonSchema, type: string): boolean {
  return Array.isArray(schema.type) ? schema.type.includes(type) : schema.type === type;
}

/** An arbitrary of values valid for `schema` (as far as JSON Schema tells), preferring hints. */
export function schemaArbitrary(
  schema: JsonSchema,
  hints: Hints,
  name?: string,
): fc.Arbitrary<unknown> {
  const hint = name === undefined ? undefined : hints[name];
  const plain = plainArbitrary(schema, hints);
  return hint === undefined
    ? plain
    : fc.oneof({ weight: 4, arbitrary: hint }, { weight: 1, arbitrary: plain });
}

function plainArbitrary(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  const nullable = isType(schema, "null");
  const base = nonNullArbitrary(schema, hints);
  return nullable ? fc.option(base, { nil: null }) : base;
}

function nonNullArbitrary(schema: JsonSchema, hints: Hints): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) {
    return fc.constantFrom(...schema.enum);
  }
  if (isType(schema, "string")) {
    if (schema.pattern !== undefined) {
      return fc.stringMatching(new RegExp(schema.pattern));
    }
    if (schema.format === "date-time") {
      return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
    }
    const minLength = schema.minLength ?? 0;
    return fc.string({
      minLength,
      maxLength: Math.max(
        minLength,
        Math.min(schema.maxLength ?? MAX_GENERATED_STRING, MAX_GENERATED_STRING),
      ),
    });
  }
  if (isType(schema, "integer")) {
    return fc.integer({ min: schema.minimum ?? -1_000, max: schema.maximum ?? 1_000 });
  }
  if (isType(schema, "number")) {
    return fc.double({ noNaN: true, noDefaultInfinity: true });
  }
  if (isType(schema, "boolean")) {
    return fc.boolean();
  }
  if (isType(schema, "array")) {
    const minLength = schema.minItems ?? 0;
    return fc.array(schemaArbitrary(schema.items ?? {}, hints), {
      minLength,
      maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 4, 4)),
    });
  }
  if (isType(schema, "object") || schema.properties !== undefined) {
    const properties = schema.properties ?? {};
    const required = new Set(schema.required ?? []);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, property] of Object.entries(properties)) {
      record[key] = schemaArbitrary(property, hints, key);
    }
    const known = fc.record(record, { requiredKeys: [...required].filter((key) => key in record) });
    if (schema.additionalProperties === false || Object.keys(properties).length > 0) {
      return known;
    }
    // An open object (engine options, engine-defined commands).
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 5,
    });
  }
  return fc.jsonValue({ maxDepth: 2 });
}

function draftArbitrary(operation: Operation, hints: Hints): fc.Arbitrary<Draft> {
  const params: Record<string, fc.Arbitrary<unknown>> = {};
  const query: Record<string, fc.Arbitrary<unknown>> = {};
  const headers: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredQuery: string[] = [];
  const requiredHeaders: string[] = [];
  for (const parameter of operation.parameters) {
    const arbitrary = schemaArbitrary(parameter.schema, hints, parameter.name).map(String);
    if (parameter.in === "path") {
      params[parameter.name] = arbitrary;
    } else if (parameter.in === "query") {
      query[parameter.name] = arbitrary;
      if (parameter.required) requiredQuery.push(parameter.name);
    } else if (parameter.in === "header") {
      headers[parameter.name] = arbitrary;
      if (parameter.required) requiredHeaders.push(parameter.name);
    }
  }
  return fc
    .record({
      params: fc.record(params) as fc.Arbitrary<Record<string, string>>,
      query: fc.record(query, { requiredKeys: requiredQuery }) as fc.Arbitrary<
        Record<string, string>
      >,
      headers: fc.record(headers, { requiredKeys: requiredHeaders }) as fc.Arbitrary<
        Record<string, string>
      >,
      body:
        operation.body === undefined
          ? fc.constant(undefined)
          : schemaArbitrary(operation.body, hints),
    })
    .map((parts) => ({
      operation,
      ...parts,
      rawParams: {},
      bodyText: undefined,
      mutation: "valid",
    }));
}

// ---------------------------------------------------------------- mutations

/** Strings no text column can hold, and other classics. */
const HOSTILE_STRINGS = [
  "a\u0000b",
  "\u0000",
  "\udfff\ud800",
  "\ud800",
  "x\udc00",
  "🚀\u202e\u200b",
  "",
  "   ",
  "' OR 1=1 --",
  "../../etc/passwd",
  "%00",
  "$" + "{jndi:ldap://x}",
  "x".repeat(10_000),
  "\\",
  '"',
  "\r\n",
];

/** What a header can carry at all (undici refuses control characters, Node refuses NUL). */
const HOSTILE_HEADER_VALUES = [
  "",
  " ",
  "x".repeat(300),
  "y".repeat(9_000),
  "\u00ff\u00fe\u00e9",
  "scheduler",
  "health_events",
  "a;b=c",
  "%00",
];

const HOSTILE_PATH_SEGMENTS = [
  "%00",
  "a%00b",
  "%7B%7D",
  "%ED%A0%80",
  "%ED%BF%BF%ED%A0%80",
  "%C0%AF",
  "%",
  "%zz",
  "%25",
  "%2e%2e",
  "..",
  "%2F",
  encodeURIComponent("🚀"),
  "x".repeat(300),
  "1.4.2%00",
  "-1",
  "99999999999",
];

const WRONG_TYPES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  "1",
  [],
  {},
  [null],
  { a: 1 },
];

const CONTENT_TYPES = [
  undefined,
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=latin1",
  "application/merge-patch+json",
  "application/json, text/plain",
];

const BROKEN_JSON = [
  "",
  "{",
  "}",
  "[",
  "null",
  "[]",
  "1",
  '"x"',
  '{"a":1,}',
  "{'a':1}",
  "\u0000",
  "NaN",
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"__proto__":{"x":1}}',
  "\ufeff{}",
];

const DEEP_LEVELS = [33, 100, 1_000, 5_000, 100_000];

const HUGE_SIZES = [64 * 1024, 100 * 1024, 1_048_576 + 1, 2 * 1024 * 1024];

interface Slot {
  /** Sets the value in a copy of the body. */
  path: (string | number)[];
  value: unknown;
}

function slotsOf(value: unknown, path: (string | number)[] = [], into: Slot[] = []): Slot[] {
  into.push({ path, value });
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) slotsOf(item, [...path, index], into);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) slotsOf(item, [...path, key], into);
  }
  return into;
}

function withValue(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = withValue(copy[head as number], rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  copy[head] = withValue(copy[head], rest, value);
  return copy;
}

function pick<T>(items: readonly T[], index: number): T {
  return items[index % items.length] as T;
}

const PLACEHOLDER = "\u0001fuzz-placeholder\u0001";

type Mutation = (draft: Draft) => fc.Arbitrary<Draft>;

const mutations: Record<string, Mutation> = {
  /** A hostile string in a body field, path parameter or query value. */
  hostileString: (draft) =>
    fc.tuple(fc.nat(), fc.nat()).map(([where, which]) => {
      const hostile = pick(HOSTILE_STRINGS, which);
      const bodySlots = draft.body === undefined ? [] : slotsOf(draft.body);
      const params = Object.keys(draft.params);
      const queries = Object.keys(draft.query);
      const total = bodySlots.length + params.length + queries.length;
      if (total === 0) return { ...draft, mutation: "hostileString(none)" };
      const index = where % total;
      if (index < bodySlots.length) {
        const slot = bodySlots[index] as Slot;
        return {
          ...draft,
          body: withValue(draft.body, slot.path, hostile),
          mutation: `hostileString(body.${slot.path.join(".")})`,
        };
      }
      if (index < bodySlots.length + params.length) {
        const name = params[index - bodySlots.length] as string;
        return {
          ...draft,
          params: { ...draft.params, [name]: hostile },
          mutation: `hostileString(${name})`,
        };
      }
      const name = queries[index - bodySlots.length - params.length] as string;
      return {
        ...draft,
        query: { ...draft.query, [name]: hostile },
        mutation: `hostileString(?${name})`,
      };
    }),
  /** A body value of the wrong JSON type. */
  wrongType: (draft) =>
    fc.tuple(fc.nat(), fc.nat()).map(([where, which]) => {
      const slots = slotsOf(draft.body ?? {});
      const slot = pick(slots, where);
      return {
        ...draft,
        body: withValue(draft.body ?? {}, slot.path, pick(WRONG_TYPES, which)),
        mutation: `wrongType(body.${slot.path.join(".")})`,
      };
    }),
  /** A field the contract does not have, at any object of the body. */
  unknownField: (draft) =>
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom(
          "actor",
          "race_name",
          "user_id",
          "zz",
          "__proto__",
          "constructor",
          "a\u0000",
        ),
      )
      .map(([where, key]) => {
        const objects = slotsOf(draft.body ?? {}).filter(
          (slot) =>
            typeof slot.value === "object" && slot.value !== null && !Array.isArray(slot.value),
        );
        const slot = pick(objects, where);
        const target = { ...(slot.value as Record<string, unknown>) };
        Object.defineProperty(target, key, {
          value: "x",
          enumerable: true,
          configurable: true,
          writable: true,
        });
        return {
          ...draft,
          body: withValue(draft.body ?? {}, slot.path, target),
          mutation: `unknownField(${key})`,
        };
      }),
  /** A body value nested far deeper than any schema allows. */
  deepNesting: (draft) =>
    fc
      .tuple(fc.nat(), fc.constantFrom(...DEEP_LEVELS), fc.boolean())
      .map(([where, depth, arrays]) => {
        const slots = slotsOf(draft.body ?? {});
        const slot = pick(slots, where);
        const open = arrays ? "[" : '{"a":';
        const close = arrays ? "]" : "}";
        const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
        const text = JSON.stringify(withValue(draft.body ?? {}, slot.path, PLACEHOLDER)).replace(
          JSON.stringify(PLACEHOLDER),
          deep,
        );
        return {
          ...draft,
          bodyText: text,
          mutation: `deepNesting(${depth},body.${slot.path.join(".")})`,
        };
      }),
  /** Text that is not the JSON it claims to be. */
  brokenJson: (draft) =>
    fc.oneof(
      fc
        .constantFrom(...BROKEN_JSON)
        .map((text) => ({ ...draft, bodyText: text, mutation: "brokenJson" })),
      fc.nat().map((cut) => {
        const text = JSON.stringify(draft.body ?? { a: 1 });
        return {
          ...draft,
          bodyText: text.slice(0, cut % Math.max(1, text.length)),
          mutation: "truncatedJson",
        };
      }),
    ),
  /** A body from 64 KB to 2 MB, around the limit, on any operation (also those that read none). */
  hugeBody: (draft) =>
    fc.tuple(fc.constantFrom(...HUGE_SIZES), fc.boolean()).map(([size, json]) => {
      const padding = "p".repeat(size);
      const text = json ? JSON.stringify({ ...(draft.body as object), padding }) : padding;
      return { ...draft, bodyText: text, mutation: `hugeBody(${size},${json ? "json" : "junk"})` };
    }),
  /** A path parameter no client library would send. */
  oddPath: (draft) =>
    fc.tuple(fc.nat(), fc.nat()).map(([where, which]) => {
      const names = Object.keys(draft.params);
      if (names.length === 0) {
        return {
          ...draft,
          rawParams: { __suffix: pick(HOSTILE_PATH_SEGMENTS, which) },
          mutation: "oddPath(suffix)",
        };
      }
      const name = pick(names, where);
      return {
        ...draft,
        rawParams: { ...draft.rawParams, [name]: pick(HOSTILE_PATH_SEGMENTS, which) },
        mutation: `oddPath(${name})`,
      };
    }),
  /** Odd or missing caller headers and content types. */
  oddHeaders: (draft) =>
    fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([which, value, type]) => {
      const name = pick(
        ["x-source-ref", "x-op-source", "x-user-id", "x-request-id", "content-type"],
        which,
      );
      if (name === "content-type") {
        const contentType = pick(CONTENT_TYPES, type);
        return {
          ...draft,
          headers: { ...draft.headers, "content-type": contentType ?? "" },
          mutation: `oddHeaders(content-type=${contentType ?? "none"})`,
        };
      }
      return {
        ...draft,
        headers: { ...draft.headers, [name]: pick(HOSTILE_HEADER_VALUES, value) },
        mutation: `oddHeaders(${name})`,
      };
    }),
  /** Another method on the path, or a path that does not exist. */
  wrongRoute: (draft) =>
    fc.constantFrom("DELETE", "PUT", "PATCH", "POST", "GET", "NOPE").map((method) => ({
      ...draft,
      operation:
        method === "NOPE"
          ? { ...draft.operation, path: `${draft.operation.path}/nope` }
          : { ...draft.operation, method },
      mutation: `wrongRoute(${method})`,
    })),
};

/** encodeURIComponent, except that a lone surrogate goes out as the bytes Node would send (U+FFFD). */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, "utf8")]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)
      .join("");
  }
}

function build(draft: Draft): FuzzRequest {
  let path = draft.operation.path.replace(
    /\{(\w+)\}/g,
    (_, name: string) => draft.rawParams[name] ?? encodeSegment(draft.params[name] ?? ""),
  );
  if (draft.rawParams.__suffix !== undefined) {
    path += `/${draft.rawParams.__suffix}`;
  }
  const query = new URLSearchParams(draft.query).toString();
  if (query !== "") path += `?${query}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(draft.headers)) {
    if (name !== "content-type") headers[name] = value;
  }
  let body = draft.bodyText;
  if (body === undefined && draft.body !== undefined) {
    body = JSON.stringify(draft.body);
  }
  const contentType =
    "content-type" in draft.headers ? draft.headers["content-type"] : "application/json";
  if (body !== undefined && contentType !== undefined && contentType !== "") {
    headers["content-type"] = contentType;
  }
  return {
    operationId: draft.operation.operationId,
    mutation: draft.mutation,
    method: draft.operation.method,
    path,
    headers,
    body,
  };
}

/**
 * Requests over every operation of the contract: about a quarter valid as the
 * contract describes them (with hints steering them at real state), the rest
 * one hostile mutation of such a request.
 */
export function requestArbitrary(
  operations: readonly Operation[],
  hints: Hints,
): fc.Arbitrary<FuzzRequest> {
  const kinds = Object.values(mutations);
  return fc
    .constantFrom(...operations)
    .chain((operation) => draftArbitrary(operation, hints))
    .chain((draft) =>
      fc.oneof(
        { weight: Math.ceil(kinds.length / 3), arbitrary: fc.constant(draft) },
        ...kinds.map((mutate) => ({ weight: 1, arbitrary: mutate(draft) })),
      ),
    )
    .map(build);
}
