import type { ZodError } from "zod";

/** One problem found while validating an intent: the offending field path and what is wrong with it. */
export interface NotificationIntentIssue {
  /** Dotted path of the offending field, e.g. `payload_json.turn_number` or `recipient_user_ids`. */
  readonly field: string;
  /** Human-readable reason. */
  readonly message: string;
}

/**
 * Thrown by the constructors, {@link decode} and {@link publish} when an intent is not valid.
 * `field` names the first offending field so consumers can log or count it without parsing text.
 */
export class NotificationIntentError extends Error {
  /** The first offending field (see {@link NotificationIntentIssue.field}). */
  readonly field: string;
  /** Every problem found, in schema order. */
  readonly issues: readonly NotificationIntentIssue[];

  constructor(context: string, issues: readonly NotificationIntentIssue[]) {
    const list = issues.length > 0 ? issues : [{ field: "(root)", message: "invalid intent" }];
    super(`${context}: ${list.map((issue) => `${issue.field}: ${issue.message}`).join("; ")}`);
    this.name = "NotificationIntentError";
    this.issues = list;
    this.field = list[0]?.field ?? "(root)";
  }
}

/** Type guard for {@link NotificationIntentError}, safe across duplicated module copies. */
export function isNotificationIntentError(value: unknown): value is NotificationIntentError {
  return (
    value instanceof NotificationIntentError ||
    (value instanceof Error && value.name === "NotificationIntentError" && "field" in value)
  );
}

/**
 * Converts zod issues into intent issues. `rename` maps the first path segment so that decode errors
 * name the wire field (`payload` → `payload_json`) rather than the in-memory one.
 */
export function issuesFromZod(
  error: ZodError,
  rename: Readonly<Record<string, string>> = {},
): NotificationIntentIssue[] {
  const issues: NotificationIntentIssue[] = [];
  for (const issue of error.issues) {
    const segments = issue.path.map((segment) => String(segment));
    const head = segments[0];
    if (head !== undefined && rename[head] !== undefined) {
      segments[0] = rename[head];
    }
    const base = segments.join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ field: base === "" ? key : `${base}.${key}`, message: "unknown field" });
      }
      continue;
    }
    issues.push({ field: base === "" ? "(root)" : base, message: issue.message });
  }
  return issues;
}
