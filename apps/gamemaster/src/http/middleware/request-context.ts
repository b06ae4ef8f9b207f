import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { parseRestOpSource } from "../../domain/operation.js";
import type { Logger } from "../../ports/logger.js";
import type { AppEnv } from "../context.js";

const GAME_PATH = /^\/api\/v1\/internal\/games\/([^/]+)/;

const MAX_SOURCE_REF_LENGTH = 256;

function gameIdOf(path: string): string | undefined {
  const match = GAME_PATH.exec(path);
  if (match?.[1] === undefined) {
    return undefined;
  }
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/** Options of {@link requestContext}. */
export interface RequestContextOptions {
  logger: Logger;
  observe?: (method: string, route: string, status: number, seconds: number) => void;
}

/**
 * Runs after hono/request-id: binds a child logger with `request_id` (and
 * `game_id` when the path names a game), parses `X-Op-Source` /
 * `X-Source-Ref` once, and logs + measures every request when it completes.
 */
export function requestContext(options: RequestContextOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = c.get("requestId");
    const gameId = gameIdOf(c.req.path);
    const opSource = parseRestOpSource(c.req.header("x-op-source"));
    const sourceRef = (c.req.header("x-source-ref") ?? "").slice(0, MAX_SOURCE_REF_LENGTH);
    const logger = options.logger.child(
      gameId === undefined
        ? { request_id: requestId, op_source: opSource }
        : { request_id: requestId, game_id: gameId, op_source: opSource },
    );
    c.set("logger", logger);
    c.set("opSource", opSource);
    c.set("sourceRef", sourceRef);

    await next();

    const seconds = (performance.now() - started) / 1000;
    const status = c.res.status;
    let route = routePath(c, -1);
    if (route === "*" || route === "/*") {
      route = "unmatched";
    }
    options.observe?.(c.req.method, route, status, seconds);
    const fields = {
      method: c.req.method,
      path: c.req.path,
      route,
      status,
      duration_ms: Math.round(seconds * 1000 * 10) / 10,
    };
    if (status >= 500) {
      logger.error(fields, "request failed");
    } else if (c.req.path === "/healthz" || c.req.path === "/readyz" || c.req.path === "/metrics") {
      logger.debug(fields, "request completed");
    } else {
      logger.info(fields, "request completed");
    }
  };
}
