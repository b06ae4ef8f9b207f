import { DEFAULT_MAX_JSON_DEPTH, GalaxyError, jsonDepth, jsonTooDeep } from "@galaxy/errors";

/**
 * Deepest nesting of arrays and objects a GM request body may have (the body
 * itself is level 1). The deepest body the contract describes is 3 levels
 * (register-runtime: body → members → member); engine-defined commands and
 * `options` have room to spare. Checked on the text, before `JSON.parse`
 * (`jsonDepth` of @galaxy/errors). docs/decisions/111-gm-bounded-request-structure.md
 * has the numbers.
 */
export const MAX_JSON_DEPTH = DEFAULT_MAX_JSON_DEPTH;

export { jsonDepth };

/** The `invalid_request` of a body nested deeper than {@link MAX_JSON_DEPTH}. */
export function tooDeep(limit: number = MAX_JSON_DEPTH): GalaxyError {
  return jsonTooDeep(limit);
}
/**
 * Parses a request body: refuses one nested deeper than `maxDepth` before
 * parsing it, and malformed JSON, both as `invalid_request`.
 */
export function parseJsonBody(text: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw tooDeep(maxDepth);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GalaxyError("invalid_request", "invalid request: malformed JSON body");
  }
}
