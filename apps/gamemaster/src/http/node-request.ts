import type { IncomingMessage } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.js";

/**
 * Node's own request under @hono/node-server (`c.env.incoming`), undefined
 * elsewhere (`app.request` in tests). Reading headers and the body from it
 * spares the hot path the Web `Request`/`Headers` objects @hono/node-server
 * builds lazily on first use of `c.req.raw` or `c.req.header()`.
 */
export function nodeRequest(c: Context<AppEnv>): IncomingMessage | undefined {
  return (c.env as Partial<HttpBindings> | undefined)?.incoming;
}

/** One request header (`name` in lower case), from Node's request when there is one. */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = nodeRequest(c);
  if (incoming === undefined) {
    return c.req.header(name);
  }
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

const MAX_REQUEST_ID_LENGTH = 255;
const REQUEST_ID_INVALID = /[^\w\-=]/;

/**
 * hono/request-id with the same rules — echo a valid `X-Request-Id` (at most
 * 255 of `[A-Za-z0-9_=-]`), else a random UUID; set it as the `requestId`
 * variable and the response header — reading the header through
 * {@link requestHeader}.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let id = requestHeader(c, "x-request-id");
    if (
      id === undefined ||
      id === "" ||
      id.length > MAX_REQUEST_ID_LENGTH ||
      REQUEST_ID_INVALID.test(id)
    ) {
      id = crypto.randomUUID();
    }
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  };
}
