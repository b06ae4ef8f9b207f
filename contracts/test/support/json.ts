/** A parsed JSON/YAML object. */
export type JsonObject = { [key: string]: unknown };

/** True for plain objects (not arrays, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows `keys` through nested objects; undefined as soon as one step is missing. */
export function dig(root: unknown, ...keys: string[]): unknown {
  let current: unknown = root;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** `dig` that insists on an object at the end, so callers can mutate test copies tersely. */
export function digObject(root: unknown, ...keys: string[]): JsonObject {
  const value = dig(root, ...keys);
  if (!isObject(value)) {
    throw new Error(`expected an object at ${keys.join(".")}`);
  }
  return value;
}

/** The string elements of `value` when it is an array, else an empty list. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : [];
}

/** Elements of `expected` missing from `actual` and elements of `actual` not in `expected`. */
export function setDiff(
  actual: Iterable<string>,
  expected: Iterable<string>,
): { missing: string[]; unexpected: string[] } {
  const actualSet = new Set(actual);
  const expectedSet = new Set(expected);
  return {
    missing: [...expectedSet].filter((item) => !actualSet.has(item)),
    unexpected: [...actualSet].filter((item) => !expectedSet.has(item)),
  };
}

/** Deep copy for mutation tests (documents come from YAML, so they are plain data). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
