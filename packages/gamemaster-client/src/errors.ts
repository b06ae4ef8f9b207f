import { codeForStatus, GalaxyError, isErrorCode } from "@galaxy/errors";

/** Where a {@link GameMasterError} came from. */
export type GameMasterErrorKind =
  /** GM answered with an error envelope (or a non-2xx status without one). */
  | "refused"
  /** GM could not be reached: connection refused or reset, DNS failure, timeout. */
  | "unreachable"
  /** GM answered 2xx with a body that is not JSON. */
  | "malformed";

/** Details of a {@link GameMasterError}. */
export interface GameMasterErrorDetails {
  kind: GameMasterErrorKind;
  /** The HTTP status GM answered with; null when it was not reached. */
  httpStatus: number | null;
  /** `METHOD /path/template` of the call. */
  operation: string;
  cause?: unknown;
}

/**
 * A failed Game Master call, as a {@link GalaxyError} carrying the code of
 * GM's error envelope (`runtime_not_found`, `conflict`, …). A code this
 * client does not know is mapped from the HTTP status (`codeForStatus`) and
 * kept verbatim in {@link GameMasterError.remoteCode}. An unreachable GM is
 * `service_unavailable` with `kind` `unreachable` and no `httpStatus`, so a
 * caller can tell GM's refusal from GM's absence.
 */
export class GameMasterError extends GalaxyError {
  /** See {@link GameMasterErrorKind}. */
  readonly kind: GameMasterErrorKind;
  /** The status GM answered with; null when unreachable. */
  readonly httpStatus: number | null;
  /** The code exactly as GM sent it (equals `code` for every known code). */
  readonly remoteCode: string;
  /** `METHOD /path/template` of the failed call. */
  readonly operation: string;

  constructor(remoteCode: string, message: string, details: GameMasterErrorDetails) {
    const code = isErrorCode(remoteCode)
      ? remoteCode
      : details.httpStatus === null
        ? "service_unavailable"
        : codeForStatus(details.httpStatus);
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "GameMasterError";
    this.kind = details.kind;
    this.httpStatus = details.httpStatus;
    this.remoteCode = remoteCode;
    this.operation = details.operation;
  }
}

/** Whether `value` is a {@link GameMasterError}. */
export function isGameMasterError(value: unknown): value is GameMasterError {
  return value instanceof GameMasterError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The error of a non-2xx answer, from its (already parsed) body. */
export function refusal(operation: string, status: number, body: unknown): GameMasterError {
  const envelope = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = typeof envelope?.code === "string" ? envelope.code : `http_${status}`;
  const message =
    typeof envelope?.message === "string"
      ? envelope.message
      : `GM answered ${status}${typeof body === "string" && body !== "" ? `: ${body.slice(0, 200)}` : ""}`;
  return new GameMasterError(code, message, { kind: "refused", httpStatus: status, operation });
}

/** Describes a network failure in a few words (`timeout`, `fetch failed: connect ECONNREFUSED …`). */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timeout";
    const cause = error.cause;
    if (cause instanceof Error && cause.message !== "") return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}
