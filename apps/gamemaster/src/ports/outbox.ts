import type { NotificationIntent } from "@galaxy/notificationintent";
import type { GameFinishedEvent, RuntimeSnapshotUpdate } from "./lobby-events.js";

/**
 * The outbox of one unit of work: what the state change it belongs to tells
 * the outside world. Nothing is sent from here — the messages are inserted
 * into `outbox` when the unit of work commits (and vanish if it rolls back),
 * and the relay publishes them afterwards, exactly once, in commit order.
 * Each method returns the message's `event_id`.
 */
export interface EventOutbox {
  /** `runtime_snapshot_update` on `gm:lobby_events`. */
  snapshotUpdate(event: RuntimeSnapshotUpdate): string;
  /** `game_finished` on `gm:lobby_events`. */
  gameFinished(event: GameFinishedEvent): string;
  /** An intent on `notification:intents`; an invalid intent throws before anything is queued. */
  intent(intent: NotificationIntent): string;
}

/** One committed, not yet published outbox row, as the relay reads it. */
export interface OutboxRow {
  /** Commit-ordered id (see docs/decisions/070-transactional-outbox.md). */
  id: number;
  stream: string;
  eventId: string;
  gameId: string;
  eventType: string;
  /** The stream entry's fields, `event_id` included. */
  fields: Record<string, string>;
  createdAt: Date;
}

/** Size and age of the unpublished backlog. */
export interface OutboxBacklog {
  rows: number;
  /** Age of the oldest unpublished row; 0 when there is none. */
  oldestAgeSeconds: number;
}

/** The relay's side of the outbox table. */
export interface OutboxSource {
  /**
   * The oldest committed unpublished rows with an id above `afterId`
   * (default 0), in id (= commit) order: always a prefix of what is left.
   */
  readBatch(limit: number, afterId?: number): Promise<OutboxRow[]>;
  /**
   * Forgets the rows of a relayed batch: every row up to the batch's last
   * id (a batch is a prefix of the id order, so nothing below it is unseen).
   */
  remove(ids: readonly number[]): Promise<void>;
  backlog(): Promise<OutboxBacklog>;
}

/** What {@link StreamBatchPublisher.publish} did with a batch of one stream. */
export interface StreamBatchResult {
  /** Rows appended now. */
  published: number;
  /** Rows at or below the stream's high-water mark: appended before, not again. */
  skipped: number;
}

/**
 * Appends outbox rows to one stream atomically with the stream's high-water
 * mark: every row with an id above the mark is appended and the mark moves
 * to the last id in the same step, rows at or below it are skipped. A crash
 * anywhere therefore appends each row at most once, and a retry completes it.
 */
export interface StreamBatchPublisher {
  publish(stream: string, rows: readonly OutboxRow[]): Promise<StreamBatchResult>;
  /** The stream's high-water mark (0 when nothing was ever relayed). */
  highWaterMark(stream: string): Promise<number>;
}

/** Wakes the relay when a transaction that wrote outbox rows commits. */
export interface OutboxCommitSignal {
  /** Calls `listener` after each such commit (best effort: the relay polls too). */
  subscribe(listener: () => void): void;
  close(): Promise<void>;
}
