import type { PlayerMapping, RuntimeRecord } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";
import type { CacheInvalidationPublisher } from "../ports/cache-invalidation.js";
import type { PlayerMappingStore } from "../ports/player-mapping-store.js";
import type {
  ClaimDueInput,
  ClaimOneInput,
  CompareAndSetInput,
  ExpiredLeasesQuery,
  ListRuntimesQuery,
  RuntimeRecordStore,
  TurnSettlement,
} from "../ports/runtime-record-store.js";
import type { PlayerAccessCache } from "./player-access-cache.js";

/**
 * Told about every write to `runtime_records` and `player_mappings`, around
 * it. `gameId` null: the write touches rows of several games.
 */
export interface RecordWriteHook {
  /** The write is about to be sent. */
  beginWrite(gameId: string | null): void;
  /**
   * The write has ended. `changed` is false only when the store reported
   * that nothing was written (a lost compare-and-swap); a failed write
   * counts as changed, since it may have committed before the error.
   */
  endWrite(gameId: string | null, changed: boolean): void;
}

async function bracket<T>(
  hook: RecordWriteHook,
  gameId: string | null,
  run: () => Promise<T>,
  changed: (result: T) => boolean,
): Promise<T> {
  hook.beginWrite(gameId);
  let wrote = true;
  try {
    const result = await run();
    wrote = changed(result);
    return result;
  } finally {
    hook.endWrite(gameId, wrote);
  }
}

const always = () => true;

/**
 * The runtime-record store with every write announced to a
 * {@link RecordWriteHook} (the hot path's runtime view and its broadcast to
 * the other replicas, decision 080). Each method of the port is written out
 * here as a read or a write, so a method added to {@link RuntimeRecordStore}
 * does not compile until someone decides which it is.
 */
export class InvalidatingRuntimeRecordStore implements RuntimeRecordStore {
  constructor(
    private readonly inner: RuntimeRecordStore,
    private readonly hook: RecordWriteHook,
  ) {}

  // Reads.
  get(gameId: string): Promise<RuntimeRecord | null> {
    return this.inner.get(gameId);
  }

  list(query: ListRuntimesQuery): Promise<RuntimeRecord[]> {
    return this.inner.list(query);
  }

  countByStatus(): Promise<Partial<Record<RuntimeStatus, number>>> {
    return this.inner.countByStatus();
  }

  listExpiredLeases(input: ExpiredLeasesQuery): Promise<RuntimeRecord[]> {
    return this.inner.listExpiredLeases(input);
  }

  listDueSkipped(now: Date, limit: number): Promise<RuntimeRecord[]> {
    return this.inner.listDueSkipped(now, limit);
  }

  // Only the lease expiry moves; nothing the hot path reads.
  renewLeases(tokens: readonly string[], leaseExpiresAt: Date): Promise<number> {
    return this.inner.renewLeases(tokens, leaseExpiresAt);
  }

  // Writes.
  insert(record: RuntimeRecord): Promise<void> {
    return bracket(this.hook, record.gameId, () => this.inner.insert(record), always);
  }

  compareAndSet(input: CompareAndSetInput): Promise<RuntimeRecord | null> {
    return bracket(
      this.hook,
      input.gameId,
      () => this.inner.compareAndSet(input),
      (row) => row !== null,
    );
  }

  deleteWithMappings(gameId: string, guard?: { leaseToken: string }): Promise<void> {
    return bracket(this.hook, gameId, () => this.inner.deleteWithMappings(gameId, guard), always);
  }

  async settleTurns(settlements: readonly TurnSettlement[], now: Date): Promise<RuntimeRecord[]> {
    for (const settlement of settlements) {
      this.hook.beginWrite(settlement.gameId);
    }
    let written: Set<string> | undefined;
    try {
      const rows = await this.inner.settleTurns(settlements, now);
      written = new Set(rows.map((row) => row.gameId));
      return rows;
    } finally {
      for (const settlement of settlements) {
        // A failed statement may have committed: every row counts as changed.
        this.hook.endWrite(settlement.gameId, written?.has(settlement.gameId) ?? true);
      }
    }
  }

  claim(input: ClaimOneInput): Promise<RuntimeRecord | null> {
    return bracket(
      this.hook,
      input.gameId,
      () => this.inner.claim(input),
      (row) => row !== null,
    );
  }

  /**
   * Which games a batch claim takes is known only once it returned: the
   * statement runs as a write of several games (nothing read meanwhile is
   * cached), then each claimed game is announced on its own, so the other
   * replicas drop just those games rather than their whole view.
   */
  async claimDue(input: ClaimDueInput): Promise<RuntimeRecord[]> {
    this.hook.beginWrite(null);
    let claimed: RuntimeRecord[] = [];
    // A failed statement may still have committed: then every view goes.
    let failed = true;
    try {
      claimed = await this.inner.claimDue(input);
      failed = false;
      return claimed;
    } finally {
      for (const record of claimed) {
        this.hook.beginWrite(record.gameId);
        this.hook.endWrite(record.gameId, true);
      }
      this.hook.endWrite(null, failed);
    }
  }
}

/** The one game of a batch of rows; null when the rows belong to several (or none). */
function gameOf(mappings: readonly PlayerMapping[]): string | null {
  const games = new Set(mappings.map((mapping) => mapping.gameId));
  return games.size === 1 ? ([...games][0] ?? null) : null;
}

/** The player-mapping store with every write announced, like {@link InvalidatingRuntimeRecordStore}. */
export class InvalidatingPlayerMappingStore implements PlayerMappingStore {
  constructor(
    private readonly inner: PlayerMappingStore,
    private readonly hook: RecordWriteHook,
  ) {}

  // Reads.
  listByGame(gameId: string): Promise<PlayerMapping[]> {
    return this.inner.listByGame(gameId);
  }

  listByGames(gameIds: readonly string[]): Promise<PlayerMapping[]> {
    return this.inner.listByGames(gameIds);
  }

  getByUser(gameId: string, userId: string): Promise<PlayerMapping | null> {
    return this.inner.getByUser(gameId, userId);
  }

  getByRace(gameId: string, raceName: string): Promise<PlayerMapping | null> {
    return this.inner.getByRace(gameId, raceName);
  }

  // Writes.
  insertMany(mappings: readonly PlayerMapping[]): Promise<void> {
    return bracket(this.hook, gameOf(mappings), () => this.inner.insertMany(mappings), always);
  }
}

/**
 * The hook of the hot path's runtime view: the local view is dropped around
 * the write (`PlayerAccessCache.beginWrite`/`endWrite`), and once a write
 * has changed rows the other replicas are told to drop theirs.
 */
export function runtimeViewWriteHook(input: {
  view: Pick<PlayerAccessCache, "beginWrite" | "endWrite">;
  publisher: CacheInvalidationPublisher;
}): RecordWriteHook {
  const { view, publisher } = input;
  return {
    beginWrite: (gameId) => view.beginWrite(gameId),
    endWrite: (gameId, changed) => {
      view.endWrite(gameId);
      if (changed) {
        publisher.publish(gameId === null ? { kind: "runtime_all" } : { kind: "runtime", gameId });
      }
    },
  };
}
