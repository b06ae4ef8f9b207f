import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one table of stable error codes and the HTTP status each one is answered with
 * (docs/reference.md#error-codes). Adding a code here is the only way to introduce a new one.
 */
const STATUS_TABLE = {
  invalid_request: 400,
  forbidden: 403,
  not_found: 404,
  runtime_not_found: 404,
  engine_version_not_found: 404,
  conflict: 409,
  runtime_not_running: 409,
  engine_version_in_use: 409,
  semver_patch_only: 422,
  engine_validation_error: 422,
  internal_error: 500,
  engine_unreachable: 502,
  engine_protocol_violation: 502,
  runtime_manager_unavailable: 502,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

/** A stable, machine-readable error code of every Galaxy REST surface. */
export type ErrorCode = keyof typeof STATUS_TABLE;

/** HTTP status of every {@link ErrorCode}; a response's status always equals `ERROR_STATUS[code]`. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode>> =
  Object.freeze(STATUS_TABLE);

/** Every stable error code, in table order. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(
  Object.keys(STATUS_TABLE) as ErrorCode[],
);

/** Whether `value` is one of the stable {@link ErrorCode}s. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(STATUS_TABLE, value);
}

/**
 * The stable code to answer an arbitrary HTTP status with (used for Hono's `HTTPException`s,
 * which carry a status but no code). Unknown 4xx statuses become `invalid_request`, unknown
 * 5xx statuses `internal_error`.
 */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
    case 403:
      return "forbidden";
    case 404:
    case 405:
      return "not_found";
    case 409:
      return "conflict";
    case 503:
      return "service_unavailable";
    default:
      return status >= 400 && status < 500 ? "invalid_request" : "internal_error";
  }
}
