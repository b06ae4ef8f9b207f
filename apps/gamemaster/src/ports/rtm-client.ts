/** Why a runtime is stopped (docs/reference.md#admin-operations); RTM records it with the stop. */
export const STOP_REASONS = [
  "admin_request",
  "cancelled",
  "finished",
  "timeout",
  "orphan_cleanup",
] as const;

/** Reason of a stop. */
export type StopReason = (typeof STOP_REASONS)[number];

/**
 * The Runtime Manager operations GM calls (docs/reference.md#neighbour-contracts). GM never touches
 * Docker itself. Failures are GalaxyErrors: an RTM outage (unreachable, timed
 * out, 5xx) is `runtime_manager_unavailable`; an RTM refusal (4xx) keeps RTM's
 * code and message where GM has that code, with 404 always `not_found` (RTM
 * does not know the container) — decision 101.
 */
export interface RtmClient {
  /** `POST {rtm}/api/v1/internal/runtimes/{game_id}/stop {reason}`. */
  stop(gameId: string, reason: StopReason): Promise<void>;
  /** `POST {rtm}/api/v1/internal/runtimes/{game_id}/patch {image_ref}`. */
  patch(gameId: string, imageRef: string): Promise<void>;
}
