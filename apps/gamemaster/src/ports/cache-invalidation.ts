/**
 * A cached view that every replica must drop. Sent by the replica that
 * changed the data (or that received Lobby's invalidate hook), applied by
 * the others.
 */
export type CacheInvalidation =
  /** Lobby changed the game's roster: drop the cached membership roster. */
  | { kind: "membership"; gameId: string }
  /** A runtime record or player mapping of the game was written: drop the hot path's view. */
  | { kind: "runtime"; gameId: string }
  /** The same for several games at once (the writes of one batch of turns, sent together). */
  | { kind: "runtimes"; gameIds: string[] }
  /** A write touched rows of several games at once: drop every hot-path view. */
  | { kind: "runtime_all" };

/** Tells the other replicas to drop a cached view. */
export interface CacheInvalidationPublisher {
  /**
   * Sends the invalidation without waiting for it: a write or a request never
   * waits for (or fails because of) the broadcast. A lost broadcast is
   * bounded by the caches' TTLs.
   */
  publish(invalidation: CacheInvalidation): void;
}

/** Applies invalidations sent by the other replicas to this replica's caches. */
export interface CacheInvalidationHandler {
  apply(invalidation: CacheInvalidation): void;
  /**
   * Broadcasts may have been missed (the subscription was down or has just
   * been made again): drop every cached view.
   */
  resync(): void;
}

/** A publisher that sends nothing (one replica, tests). */
export const noCacheInvalidationPublisher: CacheInvalidationPublisher = {
  publish: () => undefined,
};
