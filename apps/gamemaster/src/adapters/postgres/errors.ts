import { GalaxyError, isGalaxyError } from "@galaxy/errors";

// Node socket errors and pg-pool messages that mean "the database is not
// reachable right now" rather than "the query is wrong".
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);

// SQLSTATEs of an unavailable server: admin/crash shutdown, cannot connect
// now, too many connections, statement timeout / cancelled query.
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "57014"]);

const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /connection is closed/i,
  /query read timeout/i,
];

function* causeChain(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    yield current;
    current = typeof current === "object" && "cause" in current ? current.cause : undefined;
  }
}

function stringField(value: unknown, field: string): string | undefined {
  if (typeof value === "object" && value !== null && field in value) {
    const found = (value as Record<string, unknown>)[field];
    return typeof found === "string" ? found : undefined;
  }
  return undefined;
}

/** The SQLSTATE of a pg error anywhere in the cause chain (drizzle wraps them). */
export function sqlState(error: unknown): string | undefined {
  for (const item of causeChain(error)) {
    const code = stringField(item, "code");
    if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) {
      return code;
    }
  }
  return undefined;
}

/** The constraint name of a pg error anywhere in the cause chain. */
export function violatedConstraint(error: unknown): string | undefined {
  for (const item of causeChain(error)) {
    const constraint = stringField(item, "constraint");
    if (constraint !== undefined) {
      return constraint;
    }
  }
  return undefined;
}

/** Whether `error` says PostgreSQL cannot be reached (as opposed to a bad query). */
export function isConnectionError(error: unknown): boolean {
  for (const item of causeChain(error)) {
    const code = stringField(item, "code");
    if (code !== undefined) {
      if (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) {
        return true;
      }
      if (code.startsWith("08") && code.length === 5) {
        return true;
      }
    }
    const message = item instanceof Error ? item.message : undefined;
    if (message !== undefined && CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) {
      return true;
    }
  }
  return false;
}

/**
 * SQLSTATE classes and codes of a reachable database that still cannot do
 * the work, each with the words the envelope carries (decision 102). The
 * first match wins, so exact codes come before their class.
 */
const DATABASE_REFUSALS: readonly {
  match: (state: string) => boolean;
  code: "service_unavailable" | "conflict";
  message: string;
}[] = [
  // The schema is not what this release expects (a table, column or schema
  // is missing): /readyz reports "migrations" too.
  {
    match: (state) => state === "42P01" || state === "42703" || state === "3F000",
    code: "service_unavailable",
    message: "database schema is not at the expected migration",
  },
  {
    match: (state) => state === "42501",
    code: "service_unavailable",
    message: "database refused access",
  },
  {
    match: (state) => state === "25006",
    code: "service_unavailable",
    message: "database is read-only",
  },
  // Serialization failure, deadlock: the same request can succeed on retry.
  {
    match: (state) => state === "40001" || state === "40P01",
    code: "service_unavailable",
    message: "database busy, retry",
  },
  // Insufficient resources (disk full, out of memory, too many connections).
  {
    match: (state) => state.startsWith("53"),
    code: "service_unavailable",
    message: "database out of resources",
  },
  // Operator intervention, system errors, configuration file errors.
  {
    match: (state) => state.startsWith("57") || state.startsWith("58") || state.startsWith("F0"),
    code: "service_unavailable",
    message: "database unavailable",
  },
  // An integrity constraint no store handles (they map their own first).
  {
    match: (state) => state.startsWith("23"),
    code: "conflict",
    message: "the change conflicts with data already stored",
  },
];

/**
 * The one place PostgreSQL failures become GalaxyErrors: an unreachable
 * database → `service_unavailable` (the caller may retry); a reachable one
 * that cannot do the work (schema behind, read-only, out of resources,
 * access refused, a serialization failure) → `service_unavailable` naming
 * that; an unhandled integrity violation → `conflict`. GalaxyErrors pass
 * through; anything else (a GM bug such as a syntax error) is returned
 * unchanged and ends as `internal_error`. The envelope never carries
 * PostgreSQL's own text; the cause keeps it for the log.
 */
export function mapPostgresError(error: unknown, operation: string): unknown {
  if (isGalaxyError(error)) {
    return error;
  }
  const cause = () => new Error(`postgres ${operation} failed`, { cause: error });
  if (isConnectionError(error)) {
    return new GalaxyError("service_unavailable", "database unavailable", { cause: cause() });
  }
  const state = sqlState(error);
  const refusal = state === undefined ? undefined : DATABASE_REFUSALS.find((r) => r.match(state));
  if (refusal !== undefined) {
    return new GalaxyError(refusal.code, `${refusal.message} (SQLSTATE ${state})`, {
      cause: cause(),
    });
  }
  return error;
}

/** Runs one store operation and maps its failure with {@link mapPostgresError}. */
export async function withPostgres<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw mapPostgresError(error, operation);
  }
}
