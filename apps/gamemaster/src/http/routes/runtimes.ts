import { GalaxyError } from "@galaxy/errors";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { RegisterRuntimeService } from "../../services/register-runtime.js";
import type { RuntimeQueryService } from "../../services/runtimes.js";
import { type AppEnv, operationContext } from "../context.js";
import {
  CallerHeadersSchema,
  errorResponse,
  GAME_ID_PATTERN,
  GameIdParamsSchema,
} from "../schemas/common.js";
import {
  ListRuntimesQuerySchema,
  LivenessSchema,
  RegisterRuntimeRequestSchema,
  RuntimeListSchema,
  RuntimeRecordSchema,
  toRuntimeRecordJson,
} from "../schemas/runtimes.js";

const GAME = "/api/v1/internal/games/{game_id}";
const TAGS = ["runtimes"];

const unavailable = errorResponse("service_unavailable: PostgreSQL is unreachable.");
const internalError = errorResponse("internal_error: unexpected failure (logged, no details).");

const registerRoute = createRoute({
  operationId: "internalRegisterRuntime",
  method: "post",
  path: `${GAME}/runtime`,
  tags: TAGS,
  summary: "Install a freshly started game (called by Lobby after RTM started the engine).",
  description:
    "validate → refuse an existing record → resolve the image ref → insert starting → engine /admin/init → roster check → player mappings → CAS running (turn 0, first next_generation_at) → operation log → runtime_snapshot_update. Any failure after the insert leaves no record and no mapping.",
  request: {
    params: GameIdParamsSchema,
    headers: CallerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: RegisterRuntimeRequestSchema } },
    },
  },
  responses: {
    201: {
      description: "The runtime, now running.",
      content: { "application/json": { schema: RuntimeRecordSchema } },
    },
    400: errorResponse(
      "invalid_request: unknown field, wrong type, empty members, duplicate user or race, invalid cron, invalid semver, oversized body.",
    ),
    404: errorResponse(
      "engine_version_not_found: the target version is not in the registry (a deprecated one is accepted).",
    ),
    409: errorResponse("conflict: the game already has a runtime."),
    422: errorResponse("engine_validation_error: the engine refused /admin/init (4xx)."),
    502: errorResponse(
      "engine_unreachable (engine 5xx, timeout, connection error) or engine_protocol_violation (bad roster or body).",
    ),
    500: internalError,
    503: unavailable,
  },
});

const getRoute = createRoute({
  operationId: "internalGetRuntime",
  method: "get",
  path: `${GAME}/runtime`,
  tags: TAGS,
  summary: "Read the runtime record of a game.",
  request: { params: GameIdParamsSchema, headers: CallerHeadersSchema },
  responses: {
    200: {
      description: "The runtime.",
      content: { "application/json": { schema: RuntimeRecordSchema } },
    },
    400: errorResponse("invalid_request: malformed game id."),
    404: errorResponse("runtime_not_found."),
    500: internalError,
    503: unavailable,
  },
});

const listRoute = createRoute({
  operationId: "internalListRuntimes",
  method: "get",
  path: "/api/v1/internal/runtimes",
  tags: TAGS,
  summary: "List runtimes ordered by game id, with filters and keyset paging.",
  description:
    "Filters (status, next_generation_before, engine_version) combine with AND. Pass next_cursor back as cursor with the same filters for the next page.",
  request: { query: ListRuntimesQuerySchema, headers: CallerHeadersSchema },
  responses: {
    200: {
      description: "One page.",
      content: { "application/json": { schema: RuntimeListSchema } },
    },
    400: errorResponse(
      "invalid_request: unknown status, limit out of 1..200, bad cursor, next_generation_before not a timestamp.",
    ),
    500: internalError,
    503: unavailable,
  },
});

const livenessRoute = createRoute({
  operationId: "internalGameLiveness",
  method: "get",
  path: `${GAME}/liveness`,
  tags: TAGS,
  summary: "Whether the game's runtime is running (Lobby resumes a paused game on ready).",
  request: { params: GameIdParamsSchema, headers: CallerHeadersSchema },
  responses: {
    200: {
      description: "ready = (status == running).",
      content: { "application/json": { schema: LivenessSchema } },
    },
    400: errorResponse("invalid_request: malformed game id."),
    404: errorResponse("runtime_not_found."),
    500: internalError,
    503: unavailable,
  },
});

/** The envelope message of an error response, or a fallback when it has none. */
async function envelopeMessage(response: Response): Promise<string> {
  try {
    const body = (await response.clone().json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === "string") return body.error.message;
  } catch {
    // Not an envelope: fall through.
  }
  return "invalid request";
}

/**
 * Audits register-runtime requests refused with 400 before the service ran
 * (schema, malformed JSON, oversized body): the service files one
 * `invalid_request` failure entry for the game and creates nothing. Installed
 * ahead of the body limit so an oversized body is seen too. A malformed game
 * id names no game and is not filed.
 */
export function auditRejectedRegistrations(
  app: OpenAPIHono<AppEnv>,
  deps: { registerRuntime: RegisterRuntimeService },
): void {
  app.use("/api/v1/internal/games/:game_id/runtime", async (c, next) => {
    // Read before next(): once the body limit answered, the route's params are gone.
    const gameId = c.req.param("game_id") ?? "";
    await next();
    if (c.req.method !== "POST" || c.res.status !== 400 || c.get("serviceReached") === true) {
      return;
    }
    if (!GAME_ID_PATTERN.test(gameId)) return;
    const error = new GalaxyError("invalid_request", await envelopeMessage(c.res));
    await deps.registerRuntime.recordRejected(gameId, error, operationContext(c));
  });
}

/** Registers the runtime routes (register, get, list, liveness). */
export function registerRuntimeRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { registerRuntime: RegisterRuntimeService; runtimes: RuntimeQueryService },
): void {
  app.openapi(registerRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    const body = c.req.valid("json");
    c.set("serviceReached", true);
    const record = await deps.registerRuntime.execute(
      {
        gameId,
        engineEndpoint: body.engine_endpoint,
        members: body.members.map((member) => ({
          userId: member.user_id,
          raceName: member.race_name,
        })),
        targetEngineVersion: body.target_engine_version,
        turnSchedule: body.turn_schedule,
      },
      operationContext(c),
    );
    return c.json(toRuntimeRecordJson(record), 201);
  });

  app.openapi(getRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    return c.json(toRuntimeRecordJson(await deps.runtimes.get(gameId)), 200);
  });

  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const page = await deps.runtimes.list({
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      ...(query.next_generation_before === undefined
        ? {}
        : { nextGenerationBefore: new Date(query.next_generation_before) }),
      ...(query.engine_version === undefined ? {} : { engineVersion: query.engine_version }),
    });
    return c.json(
      { items: page.items.map(toRuntimeRecordJson), next_cursor: page.nextCursor },
      200,
    );
  });

  app.openapi(livenessRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    return c.json(await deps.runtimes.liveness(gameId), 200);
  });
}
