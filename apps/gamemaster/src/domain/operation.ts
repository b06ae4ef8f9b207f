/** Kinds of operation recorded in `operation_log` (docs/reference.md#persistence). */
export const OP_KINDS = [
  "register_runtime",
  "turn_generation",
  "force_next_turn",
  "stop",
  "patch",
  "banish",
  "health_transition",
] as const;

/** Kind of an `operation_log` entry. */
export type OpKind = (typeof OP_KINDS)[number];

/** Where an operation came from (docs/reference.md#persistence). */
export const OP_SOURCES = [
  "lobby_internal",
  "admin_rest",
  "gateway",
  "scheduler",
  "health_events",
] as const;

/** Source of an operation. */
export type OpSource = (typeof OP_SOURCES)[number];

/** The sources a REST caller may claim with `X-Op-Source`; the others are internal. */
export const REST_OP_SOURCES = ["lobby_internal", "admin_rest", "gateway"] as const;

/** Source a REST caller may claim. */
export type RestOpSource = (typeof REST_OP_SOURCES)[number];

/** Outcome of a logged operation. */
export type OpOutcome = "success" | "failure";

/**
 * Parses an `X-Op-Source` header: missing or unknown values fall back to
 * `admin_rest` (docs/reference.md#persistence), so an unlabelled call is audited as an admin call.
 */
export function parseRestOpSource(header: string | undefined | null): RestOpSource {
  const value = header?.trim().toLowerCase();
  return REST_OP_SOURCES.find((source) => source === value) ?? "admin_rest";
}

/** One `operation_log` row to append. */
export interface OperationEntry {
  gameId: string;
  opKind: OpKind;
  opSource: OpSource;
  sourceRef: string;
  outcome: OpOutcome;
  errorCode: string;
  errorMessage: string;
  startedAt: Date;
  finishedAt: Date;
}

/** A stored `operation_log` row. */
export interface OperationRecord extends OperationEntry {
  id: number;
}
