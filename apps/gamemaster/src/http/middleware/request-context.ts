import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { parseRestOpSource } from "../../domain/operation.js";
import type { Logger } from "../../ports/logger.js";
import type { AppEnv } from "../context.js";
import { requestHeader } from "../node-request.js";

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

/**
 * The request's logger: the pino child bound to the request is built on the
 * first line written, so a request that logs nothing (a successful hot-path
 * call at level info) never pays for it.
 */
class RequestLogger implements Logger {
  #child: Logger | undefined;

  constructor(
    private readonly base: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}

  debug(obj: object, msg?: string): void {
    if (this.base.isLevelEnabled?.("debug") !== false) this.#logger().debug(obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.#logger().info(obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.#logger().warn(obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.#logger().error(obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return this.#logger().child(bindings);
  }
  isLevelEnabled(level: string): boolean {
    return this.base.isLevelEnabled?.(level) ?? true;
  }

  #logger(): Logger {
    this.#child ??= this.base.child(this.bindings);
    return this.#child;
  }
}

/** Options of {@link requestContext}. */
export interface RequestContextOptions {
  logger: Logger;
  observe?: (method: string, route: string, status: number, seconds: number) => void;
  /**
   * Route patterns whose successful requests are logged at debug rather than
   * info: the player hot path, where one line per command would dominate the
   * service's CPU and log volume (its requests are still measured, and every
   * failure is still logged).
   */
  quietSuccessRoutes?: ReadonlySet<string>;
  /**
   * Header names whose presence also makes a successful request debug-level:
   * the console's own calls to the REST routes and its refresh polls, which
   * would otherwise write several lines every few seconds per open page.
   */
  quietSuccessHeaders?: readonly string[];
}

/**
 * Runs after the request-id middleware: binds a child logger with `request_id` (and
 * `game_id` when the path names a game), parses `X-Op-Source` /
 * `X-Source-Ref` once, and logs + measures every request when it completes.
 */
export function requestContext(options: RequestContextOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = c.get("requestId");
    const gameId = gameIdOf(c.req.path);
    const opSource = parseRestOpSource(requestHeader(c, "x-op-source"));
    const sourceRef = (requestHeader(c, "x-source-ref") ?? "").slice(0, MAX_SOURCE_REF_LENGTH);
    const logger = new RequestLogger(
      options.logger,
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
    } else if (
      c.req.path === "/healthz" ||
      c.req.path === "/readyz" ||
      c.req.path === "/metrics" ||
      (status < 400 &&
        (options.quietSuccessRoutes?.has(route) === true ||
          options.quietSuccessHeaders?.some((name) => requestHeader(c, name) !== undefined) ===
            true))
    ) {
      logger.debug(fields, "request completed");
    } else {
      logger.info(fields, "request completed");
    }
  };
}
