import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { BanishRaceService } from "../../services/banish-race.js";
import type { ForceNextTurnService } from "../../services/force-next-turn.js";
import type { PatchRuntimeService } from "../../services/patch-runtime.js";
import type { StopRuntimeService } from "../../services/stop-runtime.js";
import { type AppEnv, operationContext } from "../context.js";
import {
  BanishRaceParamsSchema,
  PatchRuntimeRequestSchema,
  StopRuntimeRequestSchema,
} from "../schemas/admin.js";
import { CallerHeadersSchema, errorResponse, GameIdParamsSchema } from "../schemas/common.js";
import { RuntimeRecordSchema, toRuntimeRecordJson } from "../schemas/runtimes.js";

const GAME = "/api/v1/internal/games/{game_id}";
const TAGS = ["runtimes"];

const unavailable = errorResponse("service_unavailable: PostgreSQL is unreachable.");
const internalError = errorResponse("internal_error: unexpected failure (logged, no details).");
const notFound = errorResponse("runtime_not_found.");
const runtimeRecord = (description: string) => ({
  description,
  content: { "application/json": { schema: RuntimeRecordSchema } },
});

const forceRoute = createRoute({
  operationId: "internalForceNextTurn",
  method: "post",
  path: `${GAME}/runtime/force-next-turn`,
  tags: TAGS,
  summary: "Generate a turn now (trigger force) from running or generation_failed.",
  description:
    "Runs the turn generation synchronously: CAS → generation_in_progress → engine /admin/turn → outcome. A generated turn sets skip_next_tick, so the next regular tick generates nothing and the one after does (docs/reference.md#turn-schedule); next_generation_at keeps the regular schedule. An engine failure leaves the runtime generation_failed (snapshot + game.generation_failed intent) and answers the engine's error. No request body is read.",
  request: { params: GameIdParamsSchema, headers: CallerHeadersSchema },
  responses: {
    200: runtimeRecord("The runtime after the turn: running (skip_next_tick true) or finished."),
    400: errorResponse("invalid_request: malformed game id."),
    404: notFound,
    409: errorResponse(
      "conflict: the runtime is not running or generation_failed, a turn is already being generated, or an admin stop won while the turn ran (the outcome was discarded).",
    ),
    422: errorResponse("engine_validation_error: the engine refused the turn (4xx)."),
    502: errorResponse(
      "engine_unreachable (engine 5xx, timeout, connection error) or engine_protocol_violation; the runtime is now generation_failed.",
    ),
    500: internalError,
    503: unavailable,
  },
});

const stopRoute = createRoute({
  operationId: "internalStopRuntime",
  method: "post",
  path: `${GAME}/runtime/stop`,
  tags: TAGS,
  summary: "Stop the runtime through the Runtime Manager.",
  description:
    "Allowed from running, generation_in_progress, generation_failed and engine_unreachable. RTM stops the container first (an RTM 404 — it no longer knows the container — counts as stopped); then CAS → stopped, next_generation_at cleared, stopped_at set, operation log, runtime_snapshot_update. A turn in flight loses its outcome CAS and is discarded. Any other RTM refusal keeps RTM's code and message; neither a refusal nor an RTM outage changes anything.",
  request: {
    params: GameIdParamsSchema,
    headers: CallerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: StopRuntimeRequestSchema } },
    },
  },
  responses: {
    200: runtimeRecord("The stopped runtime."),
    400: errorResponse(
      "invalid_request: unknown reason, unknown field, malformed game id, or RTM refused the request as invalid.",
    ),
    404: notFound,
    409: errorResponse(
      "conflict: the runtime is already stopped or finished, or still starting; or RTM refused the stop (its message).",
    ),
    502: errorResponse(
      "runtime_manager_unavailable: RTM unreachable, timed out or answered 5xx; nothing changed.",
    ),
    500: internalError,
    503: unavailable,
  },
});

const patchRoute = createRoute({
  operationId: "internalPatchRuntime",
  method: "post",
  path: `${GAME}/runtime/patch`,
  tags: TAGS,
  summary: "Move the runtime to another patch release of its engine version.",
  description:
    "Resolves the image ref of `version` (an active registry entry), requires the same major and minor as current_engine_version and a different version, asks RTM to patch the container, then records the new image ref and version and logs the operation. Allowed from running, generation_failed and engine_unreachable. An RTM refusal keeps RTM's code and message (404 not_found when RTM does not know the container); neither a refusal nor an RTM outage changes anything.",
  request: {
    params: GameIdParamsSchema,
    headers: CallerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: PatchRuntimeRequestSchema } },
    },
  },
  responses: {
    200: runtimeRecord("The runtime with its new current_image_ref and current_engine_version."),
    400: errorResponse(
      "invalid_request: not a semver, unknown field, malformed game id, or RTM refused the request as invalid.",
    ),
    404: errorResponse(
      "runtime_not_found, engine_version_not_found (missing or deprecated version), or not_found: RTM does not know the game's container.",
    ),
    409: errorResponse(
      "conflict: the runtime is stopped, finished, starting or mid-turn; or RTM refused the patch (its message).",
    ),
    422: errorResponse(
      "semver_patch_only: the version differs in major or minor, or is the current one (GM's or RTM's check).",
    ),
    502: errorResponse(
      "runtime_manager_unavailable: RTM unreachable, timed out or answered 5xx; nothing changed.",
    ),
    500: internalError,
    503: unavailable,
  },
});

const banishRoute = createRoute({
  operationId: "internalBanishRace",
  method: "post",
  path: `${GAME}/races/{race_name}/banish`,
  tags: TAGS,
  summary: "Banish a race from the game through the engine.",
  description:
    "The race must be mapped in this game; the engine's POST /api/v1/admin/race/banish is called and the operation logged. Allowed from running, generation_failed and engine_unreachable. No request body is read.",
  request: { params: BanishRaceParamsSchema, headers: CallerHeadersSchema },
  responses: {
    204: { description: "Banished." },
    400: errorResponse("invalid_request: malformed game id or race name."),
    404: errorResponse("runtime_not_found, or not_found: the race is not mapped in this game."),
    409: errorResponse(
      "runtime_not_running: the runtime is starting, mid-turn, stopped or finished.",
    ),
    422: errorResponse("engine_validation_error: the engine refused the banish (4xx)."),
    502: errorResponse("engine_unreachable or engine_protocol_violation."),
    500: internalError,
    503: unavailable,
  },
});

/** The admin services the routes delegate to. */
export interface AdminRouteServices {
  forceNextTurn: ForceNextTurnService;
  stopRuntime: StopRuntimeService;
  patchRuntime: PatchRuntimeService;
  banishRace: BanishRaceService;
}

/** Registers the admin operations (force-next-turn, stop, patch, banish). */
export function registerAdminRoutes(app: OpenAPIHono<AppEnv>, deps: AdminRouteServices): void {
  app.openapi(forceRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    const record = await deps.forceNextTurn.execute(gameId, operationContext(c));
    return c.json(toRuntimeRecordJson(record), 200);
  });

  app.openapi(stopRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    const record = await deps.stopRuntime.execute(gameId, reason, operationContext(c));
    return c.json(toRuntimeRecordJson(record), 200);
  });

  app.openapi(patchRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    const { version } = c.req.valid("json");
    const record = await deps.patchRuntime.execute(gameId, version, operationContext(c));
    return c.json(toRuntimeRecordJson(record), 200);
  });

  app.openapi(banishRoute, async (c) => {
    const { game_id: gameId, race_name: raceName } = c.req.valid("param");
    await deps.banishRace.execute(gameId, raceName, operationContext(c));
    return c.body(null, 204);
  });
}
