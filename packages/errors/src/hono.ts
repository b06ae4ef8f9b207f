import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { codeForStatus, ERROR_STATUS, type ErrorCode } from "./codes.js";
import { errorEnvelope, isGalaxyError } from "./galaxy-error.js";

/** The logging surface the error handler needs; a pino logger satisfies it. */
export interface ErrorLogger {
  error(obj: object, msg?: string): void;
}

/** Options of {@link createErrorHandler}. */
export interface ErrorHandlerOptions {
  /** Receives unexpected errors (and `internal_error`s) with their stack; defaults to stderr. */
  logger?: ErrorLogger;
}

const INTERNAL_MESSAGE = "internal error";

const consoleLogger: ErrorLogger = {
  error(obj, msg) {
    console.error(msg ?? "error", obj);
  },
};

function httpExceptionMessage(exception: HTTPException, code: ErrorCode): string {
  if (exception.status === 413) {
    return "request body too large";
  }
  if (ERROR_STATUS[code] >= 500) {
    return INTERNAL_MESSAGE;
  }
  const text = exception.message.trim();
  if (code === "invalid_request") {
    // Hono's validator says "Malformed JSON in request body"; keep the envelope's lower-case style.
    return text === ""
      ? "invalid request"
      : `invalid request: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  }
  return text === "" ? code.replaceAll("_", " ") : text;
}

/**
 * Builds the `app.onError` handler every Galaxy app uses:
 * - {@link GalaxyError} → its envelope with `ERROR_STATUS[code]`;
 * - Hono `HTTPException` (e.g. malformed JSON, body limit) → `invalid_request` for 400/413/other
 *   4xx, `forbidden`/`not_found`/`conflict`/`service_unavailable` by status, `internal_error`
 *   otherwise — always with the status of the chosen code;
 * - anything else → logged, `500 internal_error` "internal error".
 * A response never contains a stack trace or the text of an underlying cause.
 */
export function createErrorHandler(options: ErrorHandlerOptions = {}): ErrorHandler {
  const logger = options.logger ?? consoleLogger;
  return (err, c) => {
    if (isGalaxyError(err)) {
      if (err.code === "internal_error") {
        logger.error({ err, method: c.req.method, path: c.req.path }, "internal error");
      }
      return c.json(errorEnvelope(err.code, err.message), err.status);
    }
    if (err instanceof HTTPException) {
      const code = codeForStatus(err.status);
      if (ERROR_STATUS[code] >= 500) {
        logger.error({ err, method: c.req.method, path: c.req.path }, "http exception");
      }
      return c.json(errorEnvelope(code, httpExceptionMessage(err, code)), ERROR_STATUS[code]);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error");
    return c.json(errorEnvelope("internal_error", INTERNAL_MESSAGE), 500);
  };
}

/** The `app.notFound` handler: `404 not_found` for a route that does not exist. */
export const notFoundHandler: NotFoundHandler = (c) =>
  c.json(errorEnvelope("not_found", `no route for ${c.req.method} ${c.req.path}`), 404);
