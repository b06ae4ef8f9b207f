import { GalaxyError } from "@galaxy/errors";

/** Every status a runtime record can be in (docs/reference.md#runtime-status). */
export const RUNTIME_STATUSES = [
  "starting",
  "running",
  "generation_in_progress",
  "generation_failed",
  "stopped",
  "engine_unreachable",
  "finished",
] as const;

/** Runtime status of one game. */
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

/** Statuses from which no transition leads anywhere. */
export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ["stopped", "finished"];

/** Statuses that still hold on to an engine container (everything but the terminal ones). */
export const NON_TERMINAL_STATUSES: readonly RuntimeStatus[] = RUNTIME_STATUSES.filter(
  (status) => !TERMINAL_STATUSES.includes(status),
);

/**
 * The transition table of docs/reference.md#runtime-status, keyed by the source status. The initial
 * `(none) → starting` edge is the insert of the record and is not a CAS.
 */
export const RUNTIME_TRANSITIONS: Readonly<Record<RuntimeStatus, readonly RuntimeStatus[]>> = {
  starting: ["running"],
  running: ["generation_in_progress", "stopped", "engine_unreachable"],
  generation_in_progress: [
    "running",
    "finished",
    "generation_failed",
    "stopped",
    "engine_unreachable",
  ],
  generation_failed: ["generation_in_progress", "stopped", "engine_unreachable"],
  engine_unreachable: ["stopped", "running"],
  stopped: [],
  finished: [],
};

/** Whether `value` names a runtime status. */
export function isRuntimeStatus(value: string): value is RuntimeStatus {
  return (RUNTIME_STATUSES as readonly string[]).includes(value);
}

/** Whether `status` is terminal (`stopped` or `finished`). */
export function isTerminalStatus(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Whether the table of docs/reference.md#runtime-status allows moving a record from `from` to `to`. */
export function canTransition(from: RuntimeStatus, to: RuntimeStatus): boolean {
  return RUNTIME_TRANSITIONS[from].includes(to);
}

/**
 * Throws a `conflict` GalaxyError when the transition is not in the table.
 * Services call it before a CAS so that a programming error never reaches the
 * database as a silently successful update.
 */
export function assertTransition(from: RuntimeStatus, to: RuntimeStatus): void {
  if (!canTransition(from, to)) {
    throw new GalaxyError("conflict", `runtime status transition ${from} -> ${to} is not allowed`);
  }
}
