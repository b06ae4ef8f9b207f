import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_STATUS, type ErrorCode } from "./codes.js";

/** The JSON body of every error response: `{ "error": { "code", "message" } }`. */
export interface ErrorEnvelope {
  error: { code: string; message: string };
}

/** Builds the error envelope for `code` and `message`. */
export function errorEnvelope(code: string, message: string): ErrorEnvelope {
  return { error: { code, message } };
}

const GALAXY_ERROR_BRAND = Symbol.for("@galaxy/errors.GalaxyError");

/**
 * An error with a stable {@link ErrorCode}. Services throw it; the Hono error handler turns it
 * into the envelope with `ERROR_STATUS[code]`. The message is shown to the caller, so it must
 * not carry secrets or stack traces; put the underlying error in `cause` instead (it is never
 * sent, only logged for `internal_error`).
 */
export class GalaxyError extends Error {
  /** The stable error code. */
  readonly code: ErrorCode;
  /** The HTTP status of {@link GalaxyError.code}. */
  readonly status: ContentfulStatusCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GalaxyError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    Object.defineProperty(this, GALAXY_ERROR_BRAND, { value: true });
  }

  /** The envelope this error is answered with. */
  toEnvelope(): ErrorEnvelope {
    return errorEnvelope(this.code, this.message);
  }
}

/**
 * Whether `value` is a {@link GalaxyError}. Also recognises instances created by another copy of
 * this package (two versions in one process), which `instanceof` would miss.
 */
export function isGalaxyError(value: unknown): value is GalaxyError {
  return (
    value instanceof GalaxyError ||
    (typeof value === "object" &&
      value !== null &&
      (value as Record<symbol, unknown>)[GALAXY_ERROR_BRAND] === true)
  );
}
