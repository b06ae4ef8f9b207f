import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";

/** How long a request body GM did not read may take to arrive before the connection is closed. */
export const UNREAD_BODY_DRAIN_TIMEOUT_MS = 5_000;

/**
 * An unread body is drained up to this many times the body size limit (4 MiB
 * with the default 1 MiB): a caller that sent somewhat too much keeps its
 * connection and is sure to read the answer, while a flood is cut off.
 */
export const UNREAD_BODY_DRAIN_FACTOR = 4;

/** Options of {@link settleUnreadBody}. */
export interface SettleUnreadBodyOptions {
  /** Most bytes drained; a larger unread body is not drained but closes the connection. */
  maxBytes: number;
  /** Default {@link UNREAD_BODY_DRAIN_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * Reads and discards what is left of a request body; true when it ended
 * within `maxBytes` and `timeoutMs`, false otherwise (the caller then closes
 * the connection).
 */
export function drainBody(
  incoming: IncomingMessage,
  maxBytes: number,
  timeoutMs: number,
): Promise<boolean> {
  if (incoming.readableEnded) {
    return Promise.resolve(true);
  }
  if (incoming.destroyed) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (drained: boolean) => {
      clearTimeout(timer);
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onFailure);
      incoming.off("close", onFailure);
      if (!drained) {
        incoming.pause();
      }
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        finish(false);
      }
    };
    const onEnd = () => finish(true);
    const onFailure = () => finish(false);
    const timer = setTimeout(onFailure, timeoutMs);
    // Whoever read part of the body (a web-stream adapter that pauses the
    // request when its own queue is full) has given up on it: like Node's own
    // dump of an unread body, take the data away from them.
    incoming.removeAllListeners("data");
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onFailure);
    incoming.on("close", onFailure);
    incoming.resume();
  });
}

/**
 * Keeps keep-alive honest. A request whose body GM answered without reading
 * (an unknown route, a malformed path, a route that takes no body, a refusal
 * before the body is read, a body over the size limit) would otherwise leave
 * its body on the socket:
 * @hono/node-server drains it only for 500 ms after the answer and then
 * destroys the socket, so the caller's next request on a connection that was
 * answered `keep-alive` fails with ECONNRESET. Instead, before the answer is
 * sent:
 * - a body already received in full needs nothing (Node discards it);
 * - a body declared larger than `maxBytes` (the drain cap, a multiple of the
 *   body size limit) is not read: the answer says `connection: close`;
 * - anything else is read and discarded, up to `maxBytes` and `timeoutMs`; if
 *   it does not end within them, the answer says `connection: close`.
 * Only under @hono/node-server (`app.request` in tests has no socket).
 */
export function settleUnreadBody(options: SettleUnreadBodyOptions): MiddlewareHandler<AppEnv> {
  const timeoutMs = options.timeoutMs ?? UNREAD_BODY_DRAIN_TIMEOUT_MS;
  return async (c, next) => {
    await next();
    const bindings = c.env as Partial<HttpBindings> | undefined;
    const incoming = bindings?.incoming;
    if (incoming === undefined || incoming.complete) {
      return;
    }
    const declared = Number(incoming.headers["content-length"] ?? Number.NaN);
    const drained =
      !(declared > options.maxBytes) && (await drainBody(incoming, options.maxBytes, timeoutMs));
    if (!drained) {
      closeAfterAnswer(bindings?.outgoing as ServerResponse | undefined);
    }
  };
}

function closeAfterAnswer(outgoing: ServerResponse | undefined): void {
  if (outgoing !== undefined && !outgoing.headersSent) {
    // @hono/node-server's writeHead merges it into the answer's headers.
    outgoing.setHeader("connection", "close");
  }
}
