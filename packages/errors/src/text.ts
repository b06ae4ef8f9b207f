/**
 * Characters a string must not carry to be stored: PostgreSQL refuses NUL
 * (U+0000) in `text` and `jsonb`, and an unpaired UTF-16 surrogate has no
 * UTF-8 encoding (PostgreSQL refuses its `\u` escape in `jsonb`; Redis and
 * Node's Buffer silently turn it into U+FFFD, so the value read back differs).
 * With the `u` flag a well-formed surrogate pair is one astral code point and
 * does not match `\p{Cs}`; only a lone half does.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this refuses.
const UNSTORABLE = /[\u0000\p{Cs}]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this refuses.
const UNSTORABLE_ALL = /[\u0000\p{Cs}]/gu;

/** Why a string cannot be stored as text, or `undefined` when it can. */
export function textProblem(value: string): string | undefined {
  if (!UNSTORABLE.test(value)) {
    return undefined;
  }
  return value.includes("\u0000")
    ? "must not contain NUL characters"
    : "must not contain unpaired UTF-16 surrogates";
}

/** A string found by {@link findInvalidText}: where it is and what is wrong with it. */
export interface InvalidText {
  /** Path from the root (object keys and array indexes); a bad key is named by itself. */
  path: (string | number)[];
  problem: string;
}

interface Visit {
  value: unknown;
  /** The visit of the containing array/object, for rebuilding the path (no per-node copy). */
  parent: Visit | undefined;
  key: string | number | undefined;
}

function pathOf(visit: Visit, last?: string): (string | number)[] {
  const path: (string | number)[] = last === undefined ? [] : [last];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) {
    path.push(at.key);
  }
  return path.reverse();
}

/**
 * Finds the first string — value or object key, at any depth — that
 * {@link textProblem} refuses. The walk is iterative, so a deeply nested
 * value cannot overflow the stack, and visits every node once.
 */
export function findInvalidText(value: unknown): InvalidText | undefined {
  const stack: Visit[] = [{ value, parent: undefined, key: undefined }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const current = visit.value;
    if (typeof current === "string") {
      const problem = textProblem(current);
      if (problem !== undefined) {
        return { path: pathOf(visit), problem };
      }
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) {
        stack.push({ value: current[index], parent: visit, key: index });
      }
    } else if (typeof current === "object" && current !== null) {
      const keys = Object.keys(current);
      for (const key of keys) {
        const keyProblem = textProblem(key);
        if (keyProblem !== undefined) {
          return { path: pathOf(visit, key), problem: `key ${keyProblem}` };
        }
      }
      for (let index = keys.length - 1; index >= 0; index -= 1) {
        const key = keys[index] as string;
        stack.push({ value: (current as Record<string, unknown>)[key], parent: visit, key });
      }
    }
  }
  return undefined;
}

/** Longest path segment quoted in a message; a longer one is cut (it is caller input). */
const MAX_SEGMENT_CHARS = 64;

/** Renders a path like `formatZodError` does (`members.0.user_id`), cutting long segments. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) => {
      // A key is caller input: the message never repeats the bad characters.
      const text = String(segment).replace(UNSTORABLE_ALL, "\uFFFD");
      return text.length > MAX_SEGMENT_CHARS ? `${text.slice(0, MAX_SEGMENT_CHARS)}…` : text;
    })
    .join(".");
}

/**
 * The message of an `invalid_request` for an {@link InvalidText}, e.g.
 * `invalid request: options.flags.0: must not contain NUL characters`.
 * `where` names the input when the path is empty (a bare string body).
 */
export function invalidTextMessage(found: InvalidText, where: string): string {
  const path = formatPath(found.path);
  return `invalid request: ${path === "" ? where : path}: ${found.problem}`;
}
