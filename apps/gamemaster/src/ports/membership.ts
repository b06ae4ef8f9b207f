import type { MembershipStatus } from "./lobby-client.js";

/**
 * Answers "what is this user's membership status in this game" for the hot
 * path (docs/reference.md#hot-path). Backed by the membership cache in front of Lobby.
 */
export interface MembershipResolver {
  /**
   * The user's status in the game, or null when Lobby does not list the
   * user. Throws GalaxyError `service_unavailable` when the roster is not
   * cached and Lobby cannot be asked: never fails open.
   */
  resolve(gameId: string, userId: string): Promise<MembershipStatus | null>;
  /**
   * The game's whole roster as Lobby lists it (user id → status), from the
   * same cache and with the same failure as {@link resolve}; for callers that
   * need every active member (turn notifications).
   */
  members(gameId: string): Promise<ReadonlyMap<string, MembershipStatus>>;
  /**
   * Drops the cached roster of one game (Lobby's post-commit hook) on every
   * replica: here at once, on the others when the broadcast arrives; idempotent.
   */
  invalidate(gameId: string): void;
}

/**
 * Metrics of the membership cache. The Lobby client records the
 * latency of its calls itself, where the I/O happens.
 */
export interface MembershipCacheTelemetry {
  /** A roster answered from memory. */
  recordMembershipCacheHit(): void;
  /** A roster not in memory or expired (the request waits for a Lobby load, shared or its own). */
  recordMembershipCacheMiss(): void;
}

/** A MembershipCacheTelemetry that records nothing (tests, tools). */
export const noopMembershipCacheTelemetry: MembershipCacheTelemetry = {
  recordMembershipCacheHit: () => undefined,
  recordMembershipCacheMiss: () => undefined,
};
