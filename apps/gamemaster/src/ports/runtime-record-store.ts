import type { RuntimeRecord, RuntimeRecordPatch } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";

/**
 * What a {@link RuntimeRecordStore.compareAndSet} expects the row to hold.
 * `status` is always compared; the other columns only when given.
 */
export interface RecordExpectation {
  status: RuntimeStatus;
  /** Compared at millisecond precision; null means "IS NULL". */
  nextGenerationAt?: Date | null;
  currentTurn?: number;
  skipNextTick?: boolean;
  /** Guards a health event against a concurrent one for the same game. */
  lastHealthEventId?: string;
}

/** Input of {@link RuntimeRecordStore.compareAndSet}. */
export interface CompareAndSetInput {
  gameId: string;
  expected: RecordExpectation;
  /** New status; omitted → the status is left as it is. */
  to?: RuntimeStatus;
  patch?: RuntimeRecordPatch;
  now: Date;
}

/** Filter and page of {@link RuntimeRecordStore.list}. */
export interface ListRuntimesQuery {
  status?: RuntimeStatus;
  /** Exclusive lower bound on `game_id` (keyset paging). */
  afterGameId?: string;
  /** Only records scheduled strictly before this time (unscheduled records excluded). */
  nextGenerationBefore?: Date;
  /** Only records whose `current_engine_version` equals this. */
  engineVersion?: string;
  limit: number;
}

/** Persistence of `runtime_records`. Errors of the database surface as GalaxyError. */
export interface RuntimeRecordStore {
  get(gameId: string): Promise<RuntimeRecord | null>;
  /** Inserts a new record; a record with the same game id → GalaxyError `conflict`. */
  insert(record: RuntimeRecord): Promise<void>;
  /**
   * The one way to change a record: a single guarded `UPDATE … WHERE game_id
   * AND status = … [AND next_generation_at = …] [AND current_turn = …] [AND
   * skip_next_tick = …] [AND last_health_event_id = …] RETURNING *`. Returns
   * the row as written when this caller won, null when the row is gone or no
   * longer matches; of concurrent callers with the same expectation exactly
   * one wins. The caller puts into `expected` everything its decision was
   * based on (a stale scheduler tick cannot regenerate a turn because the
   * activation it handles is part of the guard); a lost CAS is re-read and
   * retried with `retryCompareAndSet` (services/record-write.ts) or given up.
   */
  compareAndSet(input: CompareAndSetInput): Promise<RuntimeRecord | null>;
  /** Deletes the record and, in the same transaction, its player mappings. */
  deleteWithMappings(gameId: string): Promise<void>;
  /** Records ordered by game id. */
  list(query: ListRuntimesQuery): Promise<RuntimeRecord[]>;
  /** Running records with `next_generation_at <= now`, the earliest first. */
  listDueRunning(now: Date, limit: number): Promise<RuntimeRecord[]>;
  /** Number of records per status (statuses without records are absent). */
  countByStatus(): Promise<Partial<Record<RuntimeStatus, number>>>;
}
