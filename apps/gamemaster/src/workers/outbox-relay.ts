import type { Logger } from "../ports/logger.js";
import type {
  OutboxCommitSignal,
  OutboxRow,
  OutboxSource,
  StreamBatchPublisher,
  StreamBatchResult,
} from "../ports/outbox.js";

/**
 * Points where a test can make the relay "die" (throw): after reading a
 * batch, after the stream script of one stream ran, after the rows were
 * removed. A hook that throws aborts the pass exactly there; the next pass
 * starts again from what is in PostgreSQL and Redis.
 */
export interface OutboxRelayHooks {
  afterRead?(rows: readonly OutboxRow[]): void | Promise<void>;
  afterPublish?(stream: string, result: StreamBatchResult): void | Promise<void>;
  afterRemove?(ids: readonly number[]): void | Promise<void>;
}

/** What the relay reports for metrics. */
export interface OutboxRelayTelemetry {
  /** Entries appended to `stream` (skipped duplicates are not counted). */
  recordRelayed(stream: string, eventTypes: readonly string[]): void;
  /** Commit → append latency of one appended row. */
  observeRelayLatency(seconds: number): void;
  /** A pass that failed (Redis or PostgreSQL unreachable …). */
  recordRelayFailure(): void;
}

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  source: OutboxSource;
  publisher: StreamBatchPublisher;
  logger: Logger;
  /** Wakes the relay on commit; without one it only polls. */
  signal?: OutboxCommitSignal;
  telemetry?: OutboxRelayTelemetry;
  /** Rows per pass; default 500. */
  batchSize?: number;
  /** Poll period when no commit signal arrives; default 1 000 ms. */
  pollMs?: number;
  /** First pause after a failed pass (doubles up to `maxRetryMs`); default 100 ms. */
  retryMs?: number;
  maxRetryMs?: number;
  hooks?: OutboxRelayHooks;
  /**
   * Delete a batch's rows while the next batch is read and appended
   * (default true): the deletion is awaited before the following one, and
   * any failure makes the next pass throw and start over from the table.
   * With false each pass ends with its deletion (tests of the crash points).
   */
  pipelineRemoval?: boolean;
  /** Wall clock in ms, for the latency metric. */
  now?: () => number;
}

const DEFAULT_BATCH_SIZE = 500;

/**
 * The outbox relay (decision 070): reads committed rows in id order (= commit
 * order), appends them per stream with {@link StreamBatchPublisher} — which
 * skips rows at or below the stream's high-water mark, atomically with the
 * XADDs — and then deletes them. Whatever step a crash interrupts, the next
 * pass (here or in another process) re-reads the rows still in the table and
 * the mark turns a re-append into a skip: each row reaches its stream exactly
 * once, in order. Several relays may run at once; they never reorder because
 * each one publishes a prefix of the same id order and the mark only grows.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private signalled = false;
  private readonly batchSize: number;
  /** Highest id this relay appended or skipped; the next read starts after it. */
  private cursor = 0;
  /** Deletion of the previous batch, still running when pipelined. */
  private removal: Promise<void> = Promise.resolve();

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    options.signal?.subscribe(() => this.notify());
  }

  /** Asks for a pass now (what the commit signal does). */
  notify(): void {
    this.signalled = true;
    this.wake?.();
  }

  /**
   * One pass over at most one batch. Returns the number of rows removed
   * from the outbox (appended now or found already appended). Throws what
   * the database, Redis or a hook threw.
   */
  async relayOnce(): Promise<number> {
    try {
      return await this.pass();
    } catch (error) {
      // Start over from the table: whatever was not deleted is read again
      // and the high-water mark turns it into a skip.
      this.cursor = 0;
      const pending = this.removal;
      this.removal = Promise.resolve();
      await pending.catch(() => undefined);
      throw error;
    }
  }

  private async pass(): Promise<number> {
    const { source, publisher, hooks, telemetry } = this.options;
    const rows = await source.readBatch(this.batchSize, this.cursor);
    if (rows.length === 0) {
      await this.removal;
      return 0;
    }
    await hooks?.afterRead?.(rows);
    const byStream = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const list = byStream.get(row.stream);
      if (list === undefined) {
        byStream.set(row.stream, [row]);
      } else {
        list.push(row);
      }
    }
    for (const [stream, streamRows] of byStream) {
      const result = await publisher.publish(stream, streamRows);
      if (result.published > 0 && telemetry !== undefined) {
        // The script appends the rows above the mark, i.e. the last ones.
        const appended = streamRows.slice(streamRows.length - result.published);
        telemetry.recordRelayed(
          stream,
          appended.map((row) => row.eventType),
        );
        const now = (this.options.now ?? Date.now)();
        for (const row of appended) {
          telemetry.observeRelayLatency(Math.max(0, now - row.createdAt.getTime()) / 1000);
        }
      }
      if (result.skipped > 0) {
        this.options.logger.info(
          { stream, skipped: result.skipped },
          "outbox rows already on the stream (an earlier pass died before removing them)",
        );
      }
      await hooks?.afterPublish?.(stream, result);
    }
    const ids = rows.map((row) => row.id);
    // The previous batch's deletion ran while this batch was read and
    // appended; it must have succeeded before the next one starts.
    await this.removal;
    const removal = (async () => {
      await source.remove(ids);
      await hooks?.afterRemove?.(ids);
    })();
    // Observed by the next pass (or by relayOnce's recovery), never lost.
    removal.catch(() => undefined);
    this.removal = removal;
    this.cursor = ids[ids.length - 1] ?? this.cursor;
    if (this.options.pipelineRemoval === false) {
      await removal;
    }
    return rows.length;
  }

  /** Drains the outbox until it is empty (tests, benchmarks, shutdown). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const handled = await this.relayOnce();
      total += handled;
      if (handled === 0) {
        return total;
      }
    }
  }

  /** Starts the background loop. */
  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop after the pass in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger, telemetry } = this.options;
    const baseRetry = this.options.retryMs ?? 100;
    const maxRetry = this.options.maxRetryMs ?? 2_000;
    let retry = baseRetry;
    while (this.running) {
      this.signalled = false;
      try {
        const handled = await this.relayOnce();
        retry = baseRetry;
        if (handled >= this.batchSize) {
          continue;
        }
        await this.pause(this.options.pollMs ?? 1_000);
      } catch (error) {
        telemetry?.recordRelayFailure();
        logger.warn({ err: error, retry_ms: retry }, "outbox relay pass failed, retrying");
        await this.pause(retry, { ignoreSignal: true });
        retry = Math.min(retry * 2, maxRetry);
      }
    }
  }

  /**
   * Waits `ms`, or until a commit signal when `ignoreSignal` is not set (a
   * signal that came during the pass ends the wait at once). After a failure
   * the wait is not cut short, so an outage is retried with back-off.
   */
  private pause(ms: number, options: { ignoreSignal?: boolean } = {}): Promise<void> {
    if (!this.running || (this.signalled && options.ignoreSignal !== true)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (!this.running || options.ignoreSignal !== true) {
          this.wake = undefined;
          done();
        }
      };
    });
  }
}
