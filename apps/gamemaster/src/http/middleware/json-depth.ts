import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.js";
import { jsonDepth, MAX_JSON_DEPTH, tooDeep } from "../json-limits.js";
import { requestHeader } from "../node-request.js";

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Options of {@link jsonDepthLimit}. */
export interface JsonDepthLimitOptions {
  /** Default {@link MAX_JSON_DEPTH}. */
  maxDepth?: number;
  /** Requests that read and check their body themselves (the hot path). */
  skip?: (path: string) => boolean;
}

/**
 * Refuses a JSON body nested deeper than `maxDepth` with `400
 * invalid_request` before anything parses it. Runs inside the body-size
 * limit, so the text it reads is bounded; the route's validator then parses
 * the text Hono cached. Applies to every route, present and future: a route
 * cannot forget it.
 */
export function jsonDepthLimit(options: JsonDepthLimitOptions = {}): MiddlewareHandler<AppEnv> {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD" && options.skip?.(c.req.path) !== true) {
      const contentType = requestHeader(c, "content-type");
      if (contentType !== undefined && JSON_MEDIA_TYPE.test(contentType)) {
        const text = await c.req.text();
        if (jsonDepth(text, maxDepth) > maxDepth) {
          throw tooDeep(maxDepth);
        }
      }
    }
    await next();
  };
}
