import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MembershipResolver } from "../../ports/membership.js";
import type { AppEnv } from "../context.js";
import { CallerHeadersSchema, errorResponse, GameIdParamsSchema } from "../schemas/common.js";

const invalidateRoute = createRoute({
  operationId: "internalInvalidateMemberships",
  method: "post",
  path: "/api/v1/internal/games/{game_id}/memberships/invalidate",
  tags: ["player"],
  summary: "Drop GM's cached roster of a game (Lobby's post-commit hook after a roster change).",
  description:
    "Idempotent: an unknown game, or a game whose roster is not cached, is fine. The next hot-path request of the game reloads the roster from Lobby; a load that was in flight when the hook arrived is not stored. No request body is read.",
  request: { params: GameIdParamsSchema, headers: CallerHeadersSchema },
  responses: {
    204: { description: "Dropped (or nothing was cached)." },
    400: errorResponse("invalid_request: malformed game id."),
    500: errorResponse("internal_error: unexpected failure (logged, no details)."),
  },
});

/** Registers internalInvalidateMemberships. */
export function registerMembershipRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { memberships: MembershipResolver },
): void {
  app.openapi(invalidateRoute, (c) => {
    const { game_id: gameId } = c.req.valid("param");
    deps.memberships.invalidate(gameId);
    c.get("logger").info({}, "membership cache invalidated");
    return c.body(null, 204);
  });
}
