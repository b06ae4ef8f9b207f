import { randomUUID } from "node:crypto";
import type { NotificationIntent } from "@galaxy/notificationintent";
import { and, gte, lte, sql } from "drizzle-orm";
import type { GameFinishedEvent, RuntimeSnapshotUpdate } from "../../ports/lobby-events.js";
import type { EventOutbox, OutboxBacklog, OutboxRow, OutboxSource } from "../../ports/outbox.js";
import { encodeGameFinished, encodeIntentEntry, encodeSnapshotUpdate } from "../outbox/encoding.js";
import type { Database } from "./database.js";
import { withPostgres } from "./errors.js";
import { outbox } from "./schema.js";

/** The streams outbox rows go to. */
export interface OutboxStreams {
  lobbyEvents: string;
  notificationIntents: string;
}

/** Channel of the `pg_notify` sent by every transaction that wrote outbox rows. */
export const OUTBOX_NOTIFY_CHANNEL = "gamemaster_outbox";

/**
 * Key of the transaction-scoped advisory lock taken before outbox ids are
 * drawn. Held until commit, it makes id order commit order: a relay that sees
 * id N sees every smaller id that will ever commit (decision 070).
 */
export const OUTBOX_COMMIT_LOCK_KEY = 0x676d_6f62; // "gmob"

type PendingRow = typeof outbox.$inferInsert;

/**
 * {@link EventOutbox} of one transaction: messages are encoded (and an
 * invalid intent rejected) at once, kept in memory, and inserted by
 * {@link flush} as the last statements before commit.
 */
export class BufferedOutbox implements EventOutbox {
  private readonly pending: PendingRow[] = [];

  constructor(
    private readonly streams: OutboxStreams,
    private readonly newId: () => string = randomUUID,
  ) {}

  snapshotUpdate(event: RuntimeSnapshotUpdate): string {
    const eventId = this.newId();
    this.pending.push({
      stream: this.streams.lobbyEvents,
      eventId,
      gameId: event.gameId,
      eventType: "runtime_snapshot_update",
      fields: encodeSnapshotUpdate(event, eventId),
    });
    return eventId;
  }

  gameFinished(event: GameFinishedEvent): string {
    const eventId = this.newId();
    this.pending.push({
      stream: this.streams.lobbyEvents,
      eventId,
      gameId: event.gameId,
      eventType: "game_finished",
      fields: encodeGameFinished(event, eventId),
    });
    return eventId;
  }

  intent(intent: NotificationIntent): string {
    const eventId = this.newId();
    const fields = encodeIntentEntry(intent, eventId);
    this.pending.push({
      stream: this.streams.notificationIntents,
      eventId,
      gameId: gameIdOfIntent(intent),
      eventType: intent.notification_type,
      fields,
    });
    return eventId;
  }

  /** Messages queued so far. */
  get size(): number {
    return this.pending.length;
  }

  /**
   * Inserts the queued messages inside `tx`: takes the commit-order lock,
   * inserts the rows (ids are drawn now, under the lock) and queues the
   * NOTIFY that PostgreSQL delivers at commit. Nothing when none is queued.
   */
  async flush(tx: Database): Promise<void> {
    if (this.pending.length === 0) {
      return;
    }
    const rows = JSON.stringify(
      this.pending.splice(0).map((row, ord) => ({
        ord,
        stream: row.stream,
        event_id: row.eventId,
        game_id: row.gameId,
        event_type: row.eventType,
        fields: row.fields,
      })),
    );
    // One statement (a batch of settled turns can queue hundreds of rows):
    // the lock is taken before the first id is drawn, since no row reaches
    // the insert before the joined lock row exists; the notify is delivered
    // at commit.
    await tx.execute(sql`
      with commit_order as (select pg_advisory_xact_lock(${OUTBOX_COMMIT_LOCK_KEY})),
        wake as (select pg_notify(${OUTBOX_NOTIFY_CHANNEL}, ''))
      insert into gamemaster.outbox (stream, event_id, game_id, event_type, fields)
      select v.stream, v.event_id, v.game_id, v.event_type, v.fields
      from commit_order, wake,
        jsonb_to_recordset(${rows}::jsonb) as v(
          ord integer, stream text, event_id text, game_id text, event_type text, fields jsonb)
      order by v.ord`);
  }
}

function gameIdOfIntent(intent: NotificationIntent): string {
  const payload = intent.payload as { game_id?: unknown };
  return typeof payload.game_id === "string" ? payload.game_id : "";
}

/** {@link OutboxSource} over the `outbox` table. */
export class PostgresOutboxSource implements OutboxSource {
  constructor(private readonly db: Database) {}

  readBatch(limit: number, afterId = 0): Promise<OutboxRow[]> {
    return withPostgres("read outbox batch", async () => {
      // In SQL: a burst of turns puts thousands of rows through here.
      const result = await this.db.execute<Record<string, unknown>>(sql`
        select id, stream, event_id, game_id, event_type, fields, created_at
        from gamemaster.outbox where id > ${afterId} order by id limit ${limit}`);
      return result.rows.map((row) => ({
        id: Number(row.id),
        stream: String(row.stream),
        eventId: String(row.event_id),
        gameId: String(row.game_id),
        eventType: String(row.event_type),
        fields: (typeof row.fields === "string" ? JSON.parse(row.fields) : row.fields) as Record<
          string,
          string
        >,
        createdAt:
          row.created_at instanceof Date ? row.created_at : new Date(String(row.created_at)),
      }));
    });
  }

  remove(ids: readonly number[]): Promise<void> {
    return withPostgres("remove relayed outbox rows", async () => {
      if (ids.length === 0) {
        return;
      }
      // A batch is a contiguous run of the id (= commit) order: no row inside
      // its range can still commit, so the range is exactly the batch — one
      // range scan, no id list. Bounded below, too: the index entries of
      // rows deleted before stay until vacuum, and "up to the last id" would
      // walk all of them again on every batch of a long burst. A row below
      // the range is either deleted already or re-read from the table start
      // after a failed pass (OutboxRelay.relayOnce).
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const id of ids) {
        first = Math.min(first, id);
        last = Math.max(last, id);
      }
      await this.db.delete(outbox).where(and(gte(outbox.id, first), lte(outbox.id, last)));
    });
  }

  backlog(): Promise<OutboxBacklog> {
    return withPostgres("measure outbox backlog", async () => {
      const rows = await this.db
        .select({
          rows: sql<number>`count(*)::int`,
          oldest: sql<number>`coalesce(extract(epoch from (now() - min(${outbox.createdAt}))), 0)::float8`,
        })
        .from(outbox);
      const row = rows[0];
      return { rows: row?.rows ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest ?? 0) };
    });
  }

  /** The last id the outbox sequence handed out (0 before the first). */
  lastIssuedId(): Promise<number> {
    return withPostgres("read outbox sequence", async () => {
      const result = await this.db.execute<{ last: string | null }>(
        sql`select pg_sequence_last_value('gamemaster.outbox_id_seq'::regclass)::text as last`,
      );
      const last = result.rows[0]?.last;
      return last === null || last === undefined ? 0 : Number(last);
    });
  }
}
