import type { GameMasterError } from "@galaxy/gamemaster-client";

/**
 * Exit codes of galaxy-gm, stable for scripts:
 * 0 success · 1 unexpected failure (a bug) · 2 usage error (bad arguments, a
 * confirmation that cannot be asked) · 3 GM refused (4xx: not found,
 * conflict, invalid request …) · 4 outage (5xx, or GM not reachable) ·
 * 5 cancelled at the confirmation prompt.
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  refused: 3,
  outage: 4,
  cancelled: 5,
} as const;

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a failed GM call: a 4xx answer is a refusal, everything else an outage. */
export function exitCodeFor(error: GameMasterError): ExitCode {
  return error.kind === "refused" &&
    error.httpStatus !== null &&
    error.httpStatus >= 400 &&
    error.httpStatus < 500
    ? EXIT.refused
    : EXIT.outage;
}

/** A mistake in the command line the CLI itself detects (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The operator answered no at the confirmation prompt (exit code 5). */
export class CancelledError extends Error {
  constructor(message = "cancelled") {
    super(message);
    this.name = "CancelledError";
  }
}
