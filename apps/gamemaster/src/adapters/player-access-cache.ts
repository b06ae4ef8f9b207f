import type { RuntimeStatus } from "../domain/runtime-status.js";
import type { PlayerAccess, PlayerAccessStore } from "../ports/player-access.js";

/** Options of {@link PlayerAccessCache}. */
export interface PlayerAccessCacheOptions {
  store: PlayerAccessStore;
  /**
   * Longest life of a cached runtime view (`GAMEMASTER_RUNTIME_CACHE_TTL`).
   * Every write this replica makes invalidates at once, another replica's
   * write as soon as its broadcast arrives; the TTL only bounds how long a
   * change stays unseen when neither reaches (manual SQL, a lost broadcast).
   * 0 = no caching: every request reads PostgreSQL.
   */
  ttlMs: number;
  /** Most games kept; the least recently used go first. */
  maxGames: number;
  /** Monotonic milliseconds (default `performance.now`). */
  now?: () => number;
}

interface GameView {
  /** null: the game has no runtime record. */
  runtime: { status: RuntimeStatus; engineEndpoint: string } | null;
  /** user id → race (null: the user has no mapping in this game). */
  races: Map<string, string | null>;
  loadedAt: number;
}

/**
 * The hot path's view of `runtime_records` + `player_mappings`, cached in
 * process so that a warm request reads no database (see decision 061).
 *
 * Correctness rests on GM being the only writer of those tables and on
 * every write going through the invalidating stores
 * (`adapters/invalidating-stores.ts`): a write drops the game's view when it
 * starts and again when it ends, and bumps a write epoch so that a read that
 * overlapped a write is never stored. A hot-path check on the writing replica
 * therefore sees what a query would have seen at that moment: once the CAS
 * running → generation_in_progress (the turn cutoff) has returned, no request
 * is let through on the old status. The other replicas drop the view when the
 * write's broadcast arrives ({@link invalidate}; decision 080). A failed load
 * is not cached; concurrent misses of one user share one query.
 */
export class PlayerAccessCache implements PlayerAccessStore {
  private readonly games = new Map<string, GameView>();
  private readonly loads = new Map<
    string,
    { promise: Promise<PlayerAccess | null>; epoch: number }
  >();
  private readonly now: () => number;
  private epoch = 0;
  /** Writes in progress per game (a view is not cached while one runs). */
  private readonly writing = new Map<string, number>();
  private globalWrites = 0;

  constructor(private readonly options: PlayerAccessCacheOptions) {
    if (!Number.isInteger(options.maxGames) || options.maxGames < 1) {
      throw new RangeError(`maxGames must be a positive integer, got ${options.maxGames}`);
    }
    this.now = options.now ?? (() => performance.now());
  }

  /** Games with a cached view. */
  get size(): number {
    return this.games.size;
  }

  async getPlayerAccess(gameId: string, userId: string): Promise<PlayerAccess | null> {
    const view = this.games.get(gameId);
    if (view !== undefined && this.now() - view.loadedAt < this.options.ttlMs) {
      const race = view.races.get(userId);
      if (race !== undefined || view.runtime === null) {
        this.games.delete(gameId);
        this.games.set(gameId, view);
        return view.runtime === null
          ? null
          : {
              status: view.runtime.status,
              engineEndpoint: view.runtime.engineEndpoint,
              raceName: race ?? null,
            };
      }
    }
    const key = `${gameId}\n${userId}`;
    const pending = this.loads.get(key);
    // Join a read only if no write started since it was sent: a request that
    // arrives after a write must not get an answer read before it.
    if (pending !== undefined && pending.epoch === this.epoch) {
      return pending.promise;
    }
    const load = { promise: this.load(gameId, userId), epoch: this.epoch };
    this.loads.set(key, load);
    try {
      return await load.promise;
    } finally {
      if (this.loads.get(key) === load) {
        this.loads.delete(key);
      }
    }
  }

  /** A write to the game's rows starts (`null`: rows of several games). */
  beginWrite(gameId: string | null): void {
    this.epoch += 1;
    if (gameId === null) {
      this.globalWrites += 1;
      this.games.clear();
    } else {
      this.writing.set(gameId, (this.writing.get(gameId) ?? 0) + 1);
      this.games.delete(gameId);
    }
  }

  /** The write begun by {@link beginWrite} has ended (committed or failed). */
  endWrite(gameId: string | null): void {
    this.epoch += 1;
    if (gameId === null) {
      this.globalWrites -= 1;
      this.games.clear();
    } else {
      const left = (this.writing.get(gameId) ?? 1) - 1;
      if (left <= 0) {
        this.writing.delete(gameId);
      } else {
        this.writing.set(gameId, left);
      }
      this.games.delete(gameId);
    }
  }

  /**
   * Another replica wrote the game's rows: drop its view, and keep a read
   * already in flight from being stored (it may carry the old row).
   */
  invalidate(gameId: string): void {
    this.epoch += 1;
    this.games.delete(gameId);
  }

  /** Drops every view (another replica's write of several games, a missed broadcast, tests). */
  clear(): void {
    this.epoch += 1;
    this.games.clear();
  }

  private async load(gameId: string, userId: string): Promise<PlayerAccess | null> {
    const epoch = this.epoch;
    const access = await this.options.store.getPlayerAccess(gameId, userId);
    if (
      this.options.ttlMs > 0 &&
      epoch === this.epoch &&
      this.globalWrites === 0 &&
      !this.writing.has(gameId)
    ) {
      this.remember(gameId, userId, access);
    }
    return access;
  }

  private remember(gameId: string, userId: string, access: PlayerAccess | null): void {
    const now = this.now();
    let view = this.games.get(gameId);
    if (view === undefined || now - view.loadedAt >= this.options.ttlMs) {
      view = { runtime: null, races: new Map(), loadedAt: now };
    }
    // The newest read wins for the game-wide part; races never change while
    // the runtime exists (mappings are written once, deleted with the record).
    view.runtime =
      access === null ? null : { status: access.status, engineEndpoint: access.engineEndpoint };
    if (access !== null) {
      view.races.set(userId, access.raceName);
    }
    this.games.delete(gameId);
    this.games.set(gameId, view);
    while (this.games.size > this.options.maxGames) {
      const oldest = this.games.keys().next();
      if (oldest.done === true) {
        break;
      }
      this.games.delete(oldest.value);
    }
  }
}
