import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { OperationHistoryService } from "../../services/operation-history.js";
import type { AppEnv } from "../context.js";
import { CallerHeadersSchema, errorResponse, GameIdParamsSchema } from "../schemas/common.js";
import {
  ListOperationsQuerySchema,
  OperationListSchema,
  toOperationEntryJson,
} from "../schemas/operations.js";

const listRoute = createRoute({
  operationId: "internalListOperations",
  method: "get",
  path: "/api/v1/internal/games/{game_id}/operations",
  tags: ["operations"],
  summary: "The operation history of a game (operation_log), the newest first, with keyset paging.",
  description:
    "Every register, turn, forced turn, stop, patch, banish and health transition GM recorded for the game, successes and failures. A game without entries answers an empty page (the log outlives the runtime record: a rolled-back registration keeps its failure entries). Pass next_cursor back as cursor with the same op_kind for older entries.",
  request: {
    params: GameIdParamsSchema,
    query: ListOperationsQuerySchema,
    headers: CallerHeadersSchema,
  },
  responses: {
    200: {
      description: "One page, the newest first.",
      content: { "application/json": { schema: OperationListSchema } },
    },
    400: errorResponse(
      "invalid_request: malformed game id, unknown op_kind, limit out of 1..200, bad cursor.",
    ),
    500: errorResponse("internal_error: unexpected failure (logged, no details)."),
    503: errorResponse("service_unavailable: PostgreSQL is unreachable."),
  },
});

/** Registers the operation-history route. */
export function registerOperationRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { operationHistory: OperationHistoryService },
): void {
  app.openapi(listRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    const query = c.req.valid("query");
    const page = await deps.operationHistory.list({
      gameId,
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      ...(query.op_kind === undefined ? {} : { opKind: query.op_kind }),
    });
    return c.json(
      { items: page.items.map(toOperationEntryJson), next_cursor: page.nextCursor },
      200,
    );
  });
}
