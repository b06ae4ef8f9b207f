import type { RuntimeRecord, RuntimeRecordPatch } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";

/** Input of a compare-and-swap status change. */
export interface UpdateStatusInput {
  gameId: string;
  /** The status the caller saw; the update happens only if the row still has it. */
  from: RuntimeStatus;
  to: RuntimeStatus;
  /** Other columns written in the same statement. */
  patch?: RuntimeRecordPatch;
  now: Date;
}

/** Input of a conditional update that leaves the status alone. */
export interface UpdateRecordInput {
  gameId: string;
  patch: RuntimeRecordPatch;
  /** When set, the update happens only while the row has this status. */
  expectedStatus?: RuntimeStatus;
  now: Date;
}

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
   * `UPDATE … WHERE game_id = $1 AND status = $2`: true when this caller won,
   * false when the row is gone or has another status. Of two concurrent
   * callers exactly one wins.
   */
  updateStatus(input: UpdateStatusInput): Promise<boolean>;
  /** Updates other columns; false when the row is gone (or not in `expectedStatus`). */
  update(input: UpdateRecordInput): Promise<boolean>;
  /**
   * One guarded `UPDATE … WHERE game_id AND status = … [AND next_generation_at
   * = …] [AND current_turn = …] [AND skip_next_tick = …] RETURNING *`: the row
   * as written when this caller won, null when the row is gone or no longer
   * matches. The turn engine's CAS (a stale scheduler tick cannot regenerate a
   * turn because the activation it handles is part of the guard).
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
