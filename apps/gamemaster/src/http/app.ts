import {
  createErrorHandler,
  errorEnvelope,
  isGalaxyError,
  notFoundHandler,
  validationHook,
} from "@galaxy/errors";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { CONSOLE_CALL_HEADER } from "../console/api.js";
import { createConsoleApp } from "../console/app.js";
import { CONSOLE_BASE, FRAGMENT_HEADER } from "../console/views.js";
import type { Logger } from "../ports/logger.js";
import type { MembershipResolver } from "../ports/membership.js";
import type { EngineVersionService } from "../services/engine-versions.js";
import type { GamePlayersService } from "../services/game-players.js";
import type { OperationHistoryService } from "../services/operation-history.js";
import type { PlayerActionService } from "../services/player-actions.js";
import type { RegisterRuntimeService } from "../services/register-runtime.js";
import type { RuntimeQueryService } from "../services/runtimes.js";
import type { SchedulePreviewService } from "../services/schedule-preview.js";
import type { AppEnv } from "./context.js";
import { jsonDepthLimit } from "./middleware/json-depth.js";
import { requestContext } from "./middleware/request-context.js";
import { settleUnreadBody, UNREAD_BODY_DRAIN_FACTOR } from "./middleware/unread-body.js";
import { requestId } from "./node-request.js";
import { buildOpenApiDocument } from "./openapi.js";
import { type AdminRouteServices, registerAdminRoutes } from "./routes/admin.js";
import { registerEngineVersionRoutes } from "./routes/engine-versions.js";
import { type ReadinessCheck, registerHealthRoutes } from "./routes/health.js";
import { registerMembershipRoutes } from "./routes/memberships.js";
import { registerOperationRoutes } from "./routes/operations.js";
import { isPlayerRequest, PLAYER_ROUTE_PATTERNS, registerPlayerRoutes } from "./routes/player.js";
import { registerPlayerListRoutes } from "./routes/players.js";
import { auditRejectedRegistrations, registerRuntimeRoutes } from "./routes/runtimes.js";
import { registerScheduleRoutes } from "./routes/schedules.js";

/** The services the routes delegate to. Later features add theirs here. */
export interface AppServices extends AdminRouteServices {
  registerRuntime: RegisterRuntimeService;
  runtimes: RuntimeQueryService;
  engineVersions: EngineVersionService;
  /** The player hot path: commands, orders, reports. */
  playerActions: PlayerActionService;
  /** The membership cache, for Lobby's invalidate hook. */
  memberships: MembershipResolver;
  /** Players of a game with their last stats. */
  players: GamePlayersService;
  /** A game's upcoming activations and any expression's (operator tools). */
  schedulePreview: SchedulePreviewService;
  /** A game's operation log (operator tools). */
  operationHistory: OperationHistoryService;
}

/** Collaborators of {@link createApp}. */
export interface AppDeps {
  services: AppServices;
  logger: Logger;
  readiness: ReadinessCheck;
  /** Largest accepted request body; larger → 400 invalid_request. */
  maxBodyBytes: number;
  /** Prometheus text of /metrics. */
  metrics?: { contentType: string; render(): Promise<string> };
  /** Observes every request (HTTP duration metric). */
  observeRequest?: (method: string, route: string, status: number, seconds: number) => void;
  /**
   * The operator console under /console (docs/console.md); on unless false.
   * Its pages call this app's own REST routes in-process.
   */
  console?: false | { refreshMs?: number };
}

/** Default largest request body (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/**
 * The GM internal REST app: one error envelope for everything (validation
 * through `validationHook`, thrown GalaxyErrors and unknown errors through
 * the shared error handler), request ids and per-request loggers, a body
 * size and depth limit, unread bodies drained or the connection closed
 * (keep-alive stays true), the routes of every resource, /openapi.json and
 * /metrics.
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  // validationHook is also the one text rule of every route: a string GM
  // could not store (NUL, lone surrogate) in any body field, path parameter,
  // query value or header is `400 invalid_request` naming it (decision 110).
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // First in, last out: runs after the answer is built, before it is sent.
  app.use(settleUnreadBody({ maxBytes: UNREAD_BODY_DRAIN_FACTOR * deps.maxBodyBytes }));
  app.use(requestId());
  app.use(
    requestContext({
      logger: deps.logger,
      quietSuccessRoutes: new Set(PLAYER_ROUTE_PATTERNS),
      quietSuccessHeaders: [CONSOLE_CALL_HEADER, FRAGMENT_HEADER],
      ...(deps.observeRequest === undefined ? {} : { observe: deps.observeRequest }),
    }),
  );
  auditRejectedRegistrations(app, deps.services);
  const limitBody = bodyLimit({
    maxSize: deps.maxBodyBytes,
    // Decision 010: an oversized body is an invalid request (400), so the
    // status always matches the code of the envelope. What is left of the
    // body is drained, or the connection closed, by settleUnreadBody
    // (decision 112).
    onError: (c) =>
      c.json(
        errorEnvelope(
          "invalid_request",
          `request body too large (limit ${deps.maxBodyBytes} bytes)`,
        ),
        400,
      ),
  });
  // The hot-path routes enforce the same limit while reading their body
  // (routes/player.ts); this middleware would first build the Web Request.
  app.use((c, next) => (isPlayerRequest(c.req.path) ? next() : limitBody(c, next)));
  // Inside the size limit; the hot path checks the depth while parsing.
  app.use(jsonDepthLimit({ skip: isPlayerRequest }));

  app.onError((err, c) => {
    const logger = c.get("logger") ?? deps.logger;
    if (isGalaxyError(err) && err.status >= 500 && err.code !== "internal_error") {
      // The envelope hides the cause (e.g. which PostgreSQL error); the log keeps it.
      logger.warn({ err, error_code: err.code }, "request failed");
    }
    return createErrorHandler({ logger })(err, c);
  });
  app.notFound(notFoundHandler);

  registerHealthRoutes(app, { readiness: deps.readiness });
  registerRuntimeRoutes(app, deps.services);
  registerEngineVersionRoutes(app, deps.services);
  registerPlayerRoutes(app, { ...deps.services, maxBodyBytes: deps.maxBodyBytes });
  registerMembershipRoutes(app, deps.services);
  registerAdminRoutes(app, deps.services);
  registerPlayerListRoutes(app, deps.services);
  registerScheduleRoutes(app, deps.services);
  registerOperationRoutes(app, deps.services);

  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= buildOpenApiDocument(app);
    return c.json(document);
  });

  const metrics = deps.metrics;
  if (metrics !== undefined) {
    app.get("/metrics", async (c) =>
      c.body(await metrics.render(), 200, { "content-type": metrics.contentType }),
    );
  }

  if (deps.console !== false) {
    const consoleOptions = deps.console ?? {};
    const consoleApp = createConsoleApp({
      fetch: async (path, init) => app.request(path, init),
      ...consoleOptions,
    });
    app.route(CONSOLE_BASE, consoleApp);
  }

  return app;
}
