import { GalaxyError } from "./galaxy-error.js";

/**
 * Default deepest nesting of arrays and objects a request body may have (the
 * body itself is level 1). Every step after `JSON.parse` that recurses — zod,
 * `JSON.stringify` in a database driver, logging — overflows the stack at a
 * few thousand levels, so the depth is checked on the text, before parsing.
 */
export const DEFAULT_MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The nesting depth of a JSON text, stopping as soon as it exceeds `limit`
 * (then returns `limit + 1`). One pass over the characters, no recursion and
 * no allocation; brackets inside strings do not count. Malformed text gets
 * some number: `JSON.parse` refuses it afterwards.
 */
export function jsonDepth(text: string, limit: number = DEFAULT_MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) {
        index += 1;
      } else if (code === QUOTE) {
        inString = false;
      }
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) {
          return deepest;
        }
      }
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return deepest;
}

/** The `invalid_request` of a body nested deeper than `limit` levels. */
export function jsonTooDeep(limit: number = DEFAULT_MAX_JSON_DEPTH): GalaxyError {
  return new GalaxyError(
    "invalid_request",
    `invalid request: body nested deeper than ${limit} levels`,
  );
}
