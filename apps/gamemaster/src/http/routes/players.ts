import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { GamePlayersService } from "../../services/game-players.js";
import type { AppEnv } from "../context.js";
import { CallerHeadersSchema, errorResponse, GameIdParamsSchema } from "../schemas/common.js";
import { GamePlayerListSchema, toGamePlayerJson } from "../schemas/players.js";

const listPlayersRoute = createRoute({
  operationId: "internalListGamePlayers",
  method: "get",
  path: "/api/v1/internal/games/{game_id}/players",
  tags: ["runtimes"],
  summary: "The players of a game (user id ↔ race) with their last published stats.",
  description:
    "Read from player_mappings, ordered by race name. Stats come from the last runtime_snapshot_update GM published for the game.",
  request: { params: GameIdParamsSchema, headers: CallerHeadersSchema },
  responses: {
    200: {
      description: "The players.",
      content: { "application/json": { schema: GamePlayerListSchema } },
    },
    400: errorResponse("invalid_request: malformed game id."),
    404: errorResponse("runtime_not_found."),
    500: errorResponse("internal_error: unexpected failure (logged, no details)."),
    503: errorResponse("service_unavailable: PostgreSQL is unreachable."),
  },
});

/** Registers internalListGamePlayers. */
export function registerPlayerListRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { players: GamePlayersService },
): void {
  app.openapi(listPlayersRoute, async (c) => {
    const { game_id: gameId } = c.req.valid("param");
    const players = await deps.players.list(gameId);
    return c.json({ items: players.map(toGamePlayerJson) }, 200);
  });
}
