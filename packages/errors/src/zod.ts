import type { Context } from "hono";
import type { ZodError } from "zod";
import { errorEnvelope } from "./galaxy-error.js";
import { findInvalidText, formatPath, invalidTextMessage } from "./text.js";

type Issue = ZodError["issues"][number];

function formatIssue(issue: Issue): string[] {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `unknown field "${formatPath([...issue.path, key])}"`);
  }
  // zod's default text for a missing value ("Invalid input: expected string, received undefined")
  // says less to an API caller than the plain word.
  const message =
    issue.code === "invalid_type" && /received undefined$/.test(issue.message)
      ? "required"
      : issue.message;
  return [path === "" ? message : `${path}: ${message}`];
}

/**
 * Renders a zod error as one line naming every offending field, e.g.
 * `members.0.user_id: required; unknown field "actor"`. Duplicates are dropped.
 */
export function formatZodError(error: ZodError): string {
  const parts = error.issues.flatMap(formatIssue);
  return [...new Set(parts)].join("; ");
}

/**
 * The validation outcome handed to a hook by `@hono/zod-openapi` (`defaultHook` / route hook) and
 * `@hono/zod-validator`.
 */
export type ValidationHookResult = { target: string } & (
  | { success: true; data?: unknown }
  | { success: false; error: ZodError; data?: unknown }
);

const BODY_TARGETS = new Set(["json", "form"]);

/**
 * `defaultHook` for `new OpenAPIHono({ defaultHook: validationHook })` (also usable as a
 * `zValidator` hook), the one validation rule of every route that uses it:
 * - a failed validation becomes `400 invalid_request` whose message names the offending
 *   field(s), e.g. `invalid request: members: must not be empty; unknown field "actor"`;
 * - a value that passed its schema but holds a string (or object key, at any depth) that cannot
 *   be stored — a NUL character or an unpaired surrogate, see {@link findInvalidText} — becomes
 *   `400 invalid_request` naming it, e.g. `invalid request: options.flags.0: must not contain
 *   NUL characters`. This covers every target (body, path, query, headers), so no route needs
 *   its own check and no such text reaches PostgreSQL or Redis.
 * Otherwise it returns `undefined` so the route handler runs.
 */
export function validationHook(result: ValidationHookResult, c: Context): Response | undefined {
  const where = BODY_TARGETS.has(result.target) ? "body" : result.target;
  if (result.success) {
    const found = findInvalidText(result.data);
    if (found === undefined) {
      return undefined;
    }
    return c.json(errorEnvelope("invalid_request", invalidTextMessage(found, where)), 400);
  }
  const details = formatZodError(result.error);
  const message = `invalid request: ${details === "" ? `invalid ${where}` : details}`;
  return c.json(errorEnvelope("invalid_request", message), 400);
}
