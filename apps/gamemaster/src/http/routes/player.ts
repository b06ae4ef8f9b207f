import type { IncomingMessage } from "node:http";
import { findInvalidText, formatZodError, GalaxyError, invalidTextMessage } from "@galaxy/errors";
import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { EngineRawResponse } from "../../ports/engine-client.js";
import type { PlayerActionService } from "../../services/player-actions.js";
import type { AppEnv } from "../context.js";
import { parseJsonBody } from "../json-limits.js";
import { nodeRequest, requestHeader } from "../node-request.js";
import { errorResponse, GameIdParamsSchema } from "../schemas/common.js";
import {
  EngineResultSchema,
  ExecuteCommandsRequestSchema,
  PlayerHeadersSchema,
  PutOrdersRequestSchema,
  ReportParamsSchema,
} from "../schemas/player.js";

const GAME = "/api/v1/internal/games/{game_id}";
const TAGS = ["player"];

const CHECKS =
  "Checks, in order: runtime exists (404 runtime_not_found) → runtime is running (409 runtime_not_running; also the turn cutoff while a turn is generated) → X-User-Id is an active member in Lobby (membership cache; 403 forbidden, 503 when Lobby cannot be asked on a cache miss) → the user has a race in this game (403 forbidden). The engine is called only when every check passed, always with the mapped race as actor.";

const engineResult = {
  description: "The engine's 2xx body, verbatim.",
  content: { "application/json": { schema: EngineResultSchema } },
};

const errors = {
  400: errorResponse(
    "invalid_request: missing X-User-Id, malformed game id or turn, unknown body field (e.g. actor), wrong item type, too many items.",
  ),
  403: errorResponse(
    "forbidden: the user is not an active member of the game or has no race in it.",
  ),
  404: errorResponse("runtime_not_found: the game has no runtime."),
  409: errorResponse(
    "runtime_not_running: the runtime is not running (turn generation in progress, stopped, finished, …).",
  ),
  422: errorResponse(
    "engine_validation_error: the engine refused the call (4xx), with its message.",
  ),
  500: errorResponse("internal_error: unexpected failure (logged, no details)."),
  502: errorResponse(
    "engine_unreachable (engine 5xx, timeout, connection error) or engine_protocol_violation (a 2xx whose body is not a JSON object).",
  ),
  503: errorResponse(
    "service_unavailable: PostgreSQL is unreachable, or Lobby cannot be asked for the roster on a membership-cache miss (never fails open).",
  ),
};

const commandsRoute = createRoute({
  operationId: "internalExecuteCommands",
  method: "post",
  path: `${GAME}/commands`,
  tags: TAGS,
  summary: "Execute player commands in the engine as the caller's race (Edge Gateway hot path).",
  description: `${CHECKS} Engine call: POST /api/v1/command {actor, cmd: commands}.`,
  request: {
    params: GameIdParamsSchema,
    headers: PlayerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: ExecuteCommandsRequestSchema } },
    },
  },
  responses: { 200: engineResult, ...errors },
});

const ordersRoute = createRoute({
  operationId: "internalPutOrders",
  method: "put",
  path: `${GAME}/orders`,
  tags: TAGS,
  summary: "Replace the caller's orders for the current turn (Edge Gateway hot path).",
  description: `${CHECKS} Engine call: PUT /api/v1/order {actor, orders}.`,
  request: {
    params: GameIdParamsSchema,
    headers: PlayerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: PutOrdersRequestSchema } },
    },
  },
  responses: { 200: engineResult, ...errors },
});

const reportRoute = createRoute({
  operationId: "internalGetReport",
  method: "get",
  path: `${GAME}/reports/{turn}`,
  tags: TAGS,
  summary: "Read the caller's report of one turn (Edge Gateway hot path).",
  description: `${CHECKS} Engine call: GET /api/v1/report?player={race}&turn={turn}; a turn not generated yet is the engine's 4xx (422 engine_validation_error).`,
  request: { params: ReportParamsSchema, headers: PlayerHeadersSchema },
  responses: { 200: engineResult, ...errors },
});

/** Route patterns of the hot path (request logging treats their successes as debug). */
export const PLAYER_ROUTE_PATTERNS: readonly string[] = [
  "/api/v1/internal/games/:game_id/commands",
  "/api/v1/internal/games/:game_id/orders",
  "/api/v1/internal/games/:game_id/reports/:turn",
];

const PLAYER_PATH = /^\/api\/v1\/internal\/games\/[^/]+\/(?:commands|orders|reports\/[^/]+)$/;

/**
 * Whether a request is for a hot-path route, which enforces the body size
 * limit itself while reading (the app-wide body-limit middleware skips it).
 */
export function isPlayerRequest(path: string): boolean {
  return PLAYER_PATH.test(path);
}

function invalid(error: z.ZodError, where: string): GalaxyError {
  // The same message the app's validationHook gives for the other routes.
  const details = formatZodError(error);
  return new GalaxyError(
    "invalid_request",
    `invalid request: ${details === "" ? `invalid ${where}` : details}`,
  );
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw invalid(result.error, where);
  }
  // The same text rule as the app's validationHook (NUL, lone surrogates).
  const found = findInvalidText(result.data);
  if (found !== undefined) {
    throw new GalaxyError("invalid_request", invalidTextMessage(found, where));
  }
  return result.data;
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function tooLarge(maxBytes: number): GalaxyError {
  // Decision 010: an oversized body is an invalid request. The rest of it is
  // drained, or the connection closed, by settleUnreadBody (decision 112).
  return new GalaxyError("invalid_request", `request body too large (limit ${maxBytes} bytes)`);
}

function readNodeBody(
  incoming: IncomingMessage,
  maxBytes: number,
  onTooLarge: () => GalaxyError,
): Promise<string> {
  // Inline listeners, no removal: the request object and its listeners end
  // with the request. `settled` stops the collection after a failure.
  if (incoming.readableEnded || incoming.destroyed) {
    // Consumed or gone before the handler ran: nothing more will arrive.
    return Promise.reject(
      new GalaxyError("invalid_request", "invalid request: request body incomplete"),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    incoming.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        incoming.pause();
        reject(onTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    incoming.on("end", () => {
      if (settled) return;
      settled = true;
      const [only] = chunks;
      resolve(
        chunks.length === 1 && only !== undefined
          ? only.toString("utf8")
          : Buffer.concat(chunks).toString("utf8"),
      );
    });
    incoming.on("error", (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    incoming.on("close", () => {
      if (settled) return;
      settled = true;
      reject(new GalaxyError("invalid_request", "invalid request: request body incomplete"));
    });
  });
}

/**
 * The JSON body of a hot-path request. Under @hono/node-server it is read
 * straight from Node's request (`c.env.incoming`): building the Web `Request`
 * and its streams costs more than the rest of GM's own work on a request
 * (see bench/README.md). Elsewhere (`app.request` in tests) it goes through
 * Hono. Either way: JSON content type required, size limit enforced while
 * reading, the nesting depth checked before parsing (json-limits.ts),
 * malformed JSON → `invalid_request`.
 */
async function readJsonBody(c: Context<AppEnv>, maxBytes: number): Promise<unknown> {
  const contentType = requestHeader(c, "content-type");
  if (contentType === undefined || !JSON_MEDIA_TYPE.test(contentType)) {
    throw new GalaxyError(
      "invalid_request",
      "invalid request: content-type must be application/json",
    );
  }
  const incoming = nodeRequest(c);
  let text: string;
  if (incoming === undefined) {
    text = await c.req.text();
    if (Buffer.byteLength(text) > maxBytes) {
      throw tooLarge(maxBytes);
    }
  } else {
    const declared = Number(incoming.headers["content-length"] ?? Number.NaN);
    if (declared > maxBytes) {
      throw tooLarge(maxBytes);
    }
    text = await readNodeBody(incoming, maxBytes, () => tooLarge(maxBytes));
  }
  return parseJsonBody(text);
}

function player(c: Context<AppEnv>): { gameId: string; userId: string } {
  const { game_id: gameId } = parse(
    GameIdParamsSchema,
    { game_id: c.req.param("game_id") },
    "param",
  );
  const userId = parse(
    PlayerHeadersSchema,
    { "x-user-id": requestHeader(c, "x-user-id") },
    "header",
  )["x-user-id"];
  return { gameId, userId };
}

/**
 * The engine's 2xx body as the answer, byte for byte: no parse and no
 * re-serialisation on the hot path (the engine client checked it is a JSON
 * object).
 */
function relay(raw: EngineRawResponse, requestId: string): Response {
  // A plain-object header record keeps @hono/node-server on its fast path (no
  // Headers instance). It must be fresh per response: the server writes the
  // content-length into it. A Response returned as is skips the headers set
  // with c.header(), so the request id is repeated here.
  return new Response(raw.body, {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8", "x-request-id": requestId },
  });
}

/**
 * Registers the player hot-path routes (commands, orders, report).
 *
 * The routes are documented from their zod definitions like every other
 * route, and their handlers validate with the same schemas — but in one
 * synchronous pass instead of a chain of validator middlewares (which built
 * a record of every header and parsed asynchronously), and with the body read
 * by {@link readJsonBody}. Errors are the same `invalid_request` envelopes.
 */
export function registerPlayerRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { playerActions: PlayerActionService; maxBodyBytes: number },
): void {
  const path = (route: { path: string }) => route.path.replace(/\{(\w+)\}/g, ":$1");
  app.openAPIRegistry.registerPath(commandsRoute);
  app.openAPIRegistry.registerPath(ordersRoute);
  app.openAPIRegistry.registerPath(reportRoute);

  app.post(path(commandsRoute), async (c) => {
    const who = player(c);
    const body = parse(
      ExecuteCommandsRequestSchema,
      await readJsonBody(c, deps.maxBodyBytes),
      "body",
    );
    const raw = await deps.playerActions.executeCommands(who, body.commands);
    return relay(raw, c.get("requestId"));
  });

  app.put(path(ordersRoute), async (c) => {
    const who = player(c);
    const body = parse(PutOrdersRequestSchema, await readJsonBody(c, deps.maxBodyBytes), "body");
    const raw = await deps.playerActions.putOrders(who, body.orders);
    return relay(raw, c.get("requestId"));
  });

  app.get(path(reportRoute), async (c) => {
    const who = player(c);
    const { turn } = parse(
      ReportParamsSchema,
      { game_id: who.gameId, turn: c.req.param("turn") },
      "param",
    );
    const raw = await deps.playerActions.getReport(who, turn);
    return relay(raw, c.get("requestId"));
  });
}
