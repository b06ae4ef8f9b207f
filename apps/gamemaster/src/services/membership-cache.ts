import type { CacheInvalidationPublisher } from "../ports/cache-invalidation.js";
import type { LobbyClient, Membership, MembershipStatus } from "../ports/lobby-client.js";
import {
  type MembershipCacheTelemetry,
  type MembershipResolver,
  noopMembershipCacheTelemetry,
} from "../ports/membership.js";

/** Options of {@link MembershipCache}. */
export interface MembershipCacheOptions {
  lobby: LobbyClient;
  /** Lifetime of a loaded roster (`GAMEMASTER_MEMBERSHIP_CACHE_TTL`); 0 = never reuse one. */
  ttlMs: number;
  /** Most games kept (`GAMEMASTER_MEMBERSHIP_CACHE_MAX_GAMES`); the least recently used go first. */
  maxGames: number;
  telemetry?: MembershipCacheTelemetry;
  /**
   * Tells the other replicas about an {@link MembershipCache.invalidate}
   * (Lobby's hook reaches one replica only); default: nobody.
   */
  invalidations?: CacheInvalidationPublisher;
  /**
   * Monotonic milliseconds (default `performance.now`): a wall-clock step
   * must neither keep a roster forever nor expire every entry at once.
   */
  now?: () => number;
}

interface Entry {
  members: ReadonlyMap<string, MembershipStatus>;
  loadedAt: number;
}

interface Load {
  promise: Promise<ReadonlyMap<string, MembershipStatus>>;
  /** Set by invalidate(): the roster this load brings back must not be stored. */
  stale: boolean;
}

/**
 * The in-process membership cache of docs/reference.md#hot-path: `game_id → {members,
 * loadedAt}` filled from Lobby on a miss or after the TTL, bounded by an LRU
 * on games, one Lobby call for any number of concurrent misses of one game,
 * and `invalidate(game_id)` for Lobby's post-commit hook.
 *
 * A hit costs two Map operations and no allocation (the LRU order is the
 * Map's insertion order, refreshed by re-inserting on access). A failed load
 * is not cached: every request of the failed wave answers
 * `service_unavailable` and the next request asks Lobby again.
 */
export class MembershipCache implements MembershipResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new Map<string, Load>();
  private readonly telemetry: MembershipCacheTelemetry;
  private readonly now: () => number;

  constructor(private readonly options: MembershipCacheOptions) {
    if (!Number.isInteger(options.maxGames) || options.maxGames < 1) {
      throw new RangeError(`maxGames must be a positive integer, got ${options.maxGames}`);
    }
    this.telemetry = options.telemetry ?? noopMembershipCacheTelemetry;
    this.now = options.now ?? (() => performance.now());
  }

  /** Number of games whose roster is cached. */
  get size(): number {
    return this.entries.size;
  }

  async resolve(gameId: string, userId: string): Promise<MembershipStatus | null> {
    const members = await this.members(gameId);
    return members.get(userId) ?? null;
  }

  members(gameId: string): Promise<ReadonlyMap<string, MembershipStatus>> {
    const entry = this.entries.get(gameId);
    if (entry !== undefined && this.now() - entry.loadedAt < this.options.ttlMs) {
      // Re-insert: the Map's iteration order is the LRU order.
      this.entries.delete(gameId);
      this.entries.set(gameId, entry);
      this.telemetry.recordMembershipCacheHit();
      return Promise.resolve(entry.members);
    }
    this.telemetry.recordMembershipCacheMiss();
    return this.load(gameId);
  }

  /**
   * Loads, in one Lobby lookup, the rosters of those of `gameIds` neither
   * cached nor being loaded: a burst of due turns reads the rosters of its
   * whole batch at once instead of one call per game. Each such game gets a
   * pending load at once, so a request for it meanwhile joins the lookup.
   * When this Lobby has no batch lookup, or the lookup fails, each game
   * falls back to its own per-game load. Never rejects.
   */
  async warm(gameIds: readonly string[]): Promise<void> {
    if (this.options.ttlMs <= 0) {
      return;
    }
    const now = this.now();
    const missing = [...new Set(gameIds)].filter((gameId) => {
      const entry = this.entries.get(gameId);
      return (
        !this.loads.has(gameId) &&
        (entry === undefined || now - entry.loadedAt >= this.options.ttlMs)
      );
    });
    if (missing.length === 0) {
      return;
    }
    const lookup = this.options.lobby.lookupMemberships(missing).catch(() => null);
    for (const gameId of missing) {
      this.track(
        gameId,
        lookup.then((rosters) =>
          rosters === null ? this.fetchRoster(gameId) : toMembers(rosters.get(gameId) ?? []),
        ),
      );
    }
    await lookup;
  }

  /** Lobby's hook: drops the roster here and tells the other replicas to drop theirs. */
  invalidate(gameId: string): void {
    this.drop(gameId);
    this.options.invalidations?.publish({ kind: "membership", gameId });
  }

  /** Drops the cached roster of one game on this replica only (another replica's broadcast). */
  drop(gameId: string): void {
    this.entries.delete(gameId);
    const load = this.loads.get(gameId);
    if (load !== undefined) {
      // A load that started before the roster change may carry the old
      // roster: its waiters raced with the change and may use it, but it is
      // not stored, and the next request starts a fresh load.
      load.stale = true;
      this.loads.delete(gameId);
    }
  }

  /** Drops every cached roster (tests, tools). */
  clear(): void {
    this.entries.clear();
    for (const load of this.loads.values()) {
      load.stale = true;
    }
    this.loads.clear();
  }

  private load(gameId: string): Promise<ReadonlyMap<string, MembershipStatus>> {
    const pending = this.loads.get(gameId);
    if (pending !== undefined) {
      return pending.promise;
    }
    return this.track(gameId, this.fetchRoster(gameId));
  }

  /** Makes `promise` the pending load of `gameId`: concurrent misses share it; it is stored unless invalidated meanwhile. */
  private track(
    gameId: string,
    promise: Promise<ReadonlyMap<string, MembershipStatus>>,
  ): Promise<ReadonlyMap<string, MembershipStatus>> {
    const load: Load = { promise, stale: false };
    this.loads.set(gameId, load);
    load.promise.then(
      (members) => {
        if (this.loads.get(gameId) === load) {
          this.loads.delete(gameId);
        }
        if (!load.stale) {
          this.store(gameId, { members, loadedAt: this.now() });
        }
      },
      () => {
        if (this.loads.get(gameId) === load) {
          this.loads.delete(gameId);
        }
      },
    );
    return load.promise;
  }

  private async fetchRoster(gameId: string): Promise<ReadonlyMap<string, MembershipStatus>> {
    return toMembers(await this.options.lobby.getMemberships(gameId));
  }

  private store(gameId: string, entry: Entry): void {
    if (this.options.ttlMs <= 0) {
      return;
    }
    this.entries.delete(gameId);
    this.entries.set(gameId, entry);
    while (this.entries.size > this.options.maxGames) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) {
        break;
      }
      this.entries.delete(oldest.value);
    }
  }
}

function toMembers(memberships: readonly Membership[]): ReadonlyMap<string, MembershipStatus> {
  const members = new Map<string, MembershipStatus>();
  for (const membership of memberships) {
    // Lobby keeps user ids unique; should a roster ever list one twice,
    // a non-active row wins (fail closed).
    if (members.get(membership.userId) === undefined || membership.status !== "active") {
      members.set(membership.userId, membership.status);
    }
  }
  return members;
}
