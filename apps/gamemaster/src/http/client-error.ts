import type { Duplex } from "node:stream";
import { errorEnvelope } from "@galaxy/errors";

function answer(message: string): string {
  const body = JSON.stringify(errorEnvelope("invalid_request", message));
  return [
    "HTTP/1.1 400 Bad Request",
    "content-type: application/json; charset=utf-8",
    `content-length: ${Buffer.byteLength(body)}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}

const MALFORMED = answer("invalid request: malformed HTTP request");
const HEADERS_TOO_LARGE = answer("invalid request: request headers too large");
const TIMED_OUT = answer("invalid request: request not received in time");

/**
 * The `clientError` listener of GM's HTTP server: a request Node's parser
 * refuses (a NUL or other forbidden byte in a header, a malformed request
 * line, headers over the limit, a request that never completes) gets the
 * same `400 invalid_request` envelope as every other refusal instead of
 * Node's bare answer, then the connection is closed — after a parse error
 * the rest of the stream cannot be framed. Nothing is written to a socket
 * that is already gone or whose answer has started.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const started = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    ?.headersSent;
  if (error.code === "ECONNRESET" || !socket.writable || started === true) {
    socket.destroy();
    return;
  }
  const text =
    error.code === "HPE_HEADER_OVERFLOW"
      ? HEADERS_TOO_LARGE
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? TIMED_OUT
        : MALFORMED;
  socket.end(text);
}
