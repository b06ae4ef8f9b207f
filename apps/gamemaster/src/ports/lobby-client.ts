/**
 * A member's status in Game Lobby. Only `active` members may act in a game;
 * any other value (including one a newer Lobby may introduce) is refused.
 */
export type MembershipStatus = "active" | "removed" | "blocked" | (string & {});

/** One row of Lobby's roster of a game. */
export interface Membership {
  userId: string;
  raceName: string;
  status: MembershipStatus;
}

/**
 * Lobby's internal API as GM needs it (docs/reference.md#neighbour-contracts): the roster of one game.
 * Implementations throw GalaxyError `service_unavailable` when Lobby cannot
 * answer (unreachable, timeout, 5xx, a body that is not the documented
 * shape), so that authorization fails closed.
 */
export interface LobbyClient {
  /**
   * `GET /api/v1/internal/games/{game_id}/memberships`. A game Lobby does
   * not know (404) has no members: an empty list, not an error.
   */
  getMemberships(gameId: string): Promise<Membership[]>;

  /**
   * `POST /api/v1/internal/memberships/lookup`: the rosters of many games in
   * one call (a burst of due turns). Games Lobby does not know have no entry
   * (no members). `null`: this Lobby has no batch lookup (an older Lobby
   * answers 404/405 for the path); the caller reads the rosters one by one.
   */
  lookupMemberships(gameIds: readonly string[]): Promise<Map<string, Membership[]> | null>;
}
