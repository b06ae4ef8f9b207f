import type { RuntimeStatus } from "../domain/runtime-status.js";

/** What the hot path needs to know about a game and one user, read in one query. */
export interface PlayerAccess {
  status: RuntimeStatus;
  engineEndpoint: string;
  /** The user's race from `player_mappings`; null when the user has no mapping in this game. */
  raceName: string | null;
}

/**
 * The hot path's one database read: the runtime's status and engine endpoint
 * joined with the user's player mapping (docs/reference.md#hot-path).
 */
export interface PlayerAccessStore {
  /** Null when the game has no runtime record. */
  getPlayerAccess(gameId: string, userId: string): Promise<PlayerAccess | null>;
}
