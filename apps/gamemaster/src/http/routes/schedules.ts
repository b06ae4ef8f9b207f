import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { SchedulePreviewService } from "../../services/schedule-preview.js";
import type { AppEnv } from "../context.js";
import {
  CallerHeadersSchema,
  errorResponse,
  GameIdParamsSchema,
  isoOrNull,
} from "../schemas/common.js";
import {
  RuntimeScheduleQuerySchema,
  RuntimeScheduleSchema,
  SchedulePreviewRequestSchema,
  SchedulePreviewSchema,
  toPlannedActivationJson,
} from "../schemas/schedules.js";

const TAGS = ["schedules"];

const unavailable = errorResponse("service_unavailable: PostgreSQL is unreachable.");
const internalError = errorResponse("internal_error: unexpected failure (logged, no details).");

const gameScheduleRoute = createRoute({
  operationId: "internalGetRuntimeSchedule",
  method: "get",
  path: "/api/v1/internal/games/{game_id}/runtime/schedule",
  tags: TAGS,
  summary:
    "The next activations of a game's schedule, each marked with whether a turn is generated.",
  description:
    "Walks the record forward from next_generation_at with the scheduler's own skip rule: after a forced turn (skip_next_tick true) the first activation is listed with generates_turn false and skip_reason skip_next_tick, the ones after it generate. A runtime the scheduler does not pick up (generation_failed, engine_unreachable, starting) lists its activations with skip_reason runtime_not_running. Read-only.",
  request: {
    params: GameIdParamsSchema,
    query: RuntimeScheduleQuerySchema,
    headers: CallerHeadersSchema,
  },
  responses: {
    200: {
      description: "The schedule preview.",
      content: { "application/json": { schema: RuntimeScheduleSchema } },
    },
    400: errorResponse("invalid_request: malformed game id, count out of 1..100."),
    404: errorResponse("runtime_not_found."),
    500: internalError,
    503: unavailable,
  },
});

const previewRoute = createRoute({
  operationId: "internalPreviewSchedule",
  method: "post",
  path: "/api/v1/internal/schedules/preview",
  tags: TAGS,
  summary: "The next activations of any cron expression (check a schedule before creating a game).",
  description:
    "Evaluates turn_schedule exactly as register-runtime and the scheduler do (five-field cron, UTC). An invalid expression answers invalid_request naming the field and the reason (e.g. `turn_schedule: hour field: …`); a schedule that never fires answers an empty list. Touches no state.",
  request: {
    headers: CallerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: SchedulePreviewRequestSchema } },
    },
  },
  responses: {
    200: {
      description: "The activations.",
      content: { "application/json": { schema: SchedulePreviewSchema } },
    },
    400: errorResponse(
      "invalid_request: invalid cron (field and reason named), count out of 1..100, after not a timestamp, unknown field.",
    ),
    500: internalError,
  },
});

/** Registers the schedule-preview routes (a game's schedule, any expression). */
export function registerScheduleRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { schedulePreview: SchedulePreviewService },
): void {
  app.openapi(gameScheduleRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    const { count } = c.req.valid("query");
    const { record, activations } = await deps.schedulePreview.forGame(gameId, count);
    return c.json(
      {
        game_id: record.gameId,
        status: record.status,
        turn_schedule: record.turnSchedule,
        current_turn: record.currentTurn,
        next_generation_at: isoOrNull(record.nextGenerationAt),
        skip_next_tick: record.skipNextTick,
        activations: activations.map(toPlannedActivationJson),
      },
      200,
    );
  });

  app.openapi(previewRoute, (c) => {
    const body = c.req.valid("json");
    const preview = deps.schedulePreview.forExpression({
      turnSchedule: body.turn_schedule,
      ...(body.count === undefined ? {} : { count: body.count }),
      ...(body.after === undefined ? {} : { after: new Date(body.after) }),
    });
    return c.json(
      {
        turn_schedule: body.turn_schedule,
        after: preview.after.toISOString(),
        activations: preview.activations.map((at) => at.toISOString()),
      },
      200,
    );
  });
}
