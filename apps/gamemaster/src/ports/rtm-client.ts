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
 * Docker itself. Every failure — RTM unreachable, timed out, or answering a
 * non-2xx — is a GalaxyError `runtime_manager_unavailable` whose message
 * carries RTM's own code and message when it sent an envelope.
 */
export interface RtmClient {
  /** `POST {rtm}/api/v1/internal/runtimes/{game_id}/stop {reason}`. */
  stop(gameId: string, reason: StopReason): Promise<void>;
  /** `POST {rtm}/api/v1/internal/runtimes/{game_id}/patch {image_ref}`. */
  patch(gameId: string, imageRef: string): Promise<void>;
}
