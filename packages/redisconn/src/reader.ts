import type { Redis } from "ioredis";
import { assertBlockingConnection, InterruptiblePause } from "./reader-support.js";
import { fieldsToRecord, type StreamEntry, type StreamOffsetStore } from "./streams.js";

/** The logging surface the reader needs; a pino logger satisfies it. */
export interface StreamReaderLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link startStreamReader}. */
export interface StreamReaderOptions {
  /**
   * A dedicated connection: XREAD BLOCK occupies it. The reader owns it from now on — `stop()`
   * disconnects it. It must have no `commandTimeoutMs`, or one longer than `blockMs`.
   */
  redis: Redis;
  /** Stream key (the connection's `keyPrefix` applies). */
  stream: string;
  /** Consumer label under which the offset is persisted. */
  label: string;
  /** Where the offset is loaded from and saved to (may use another connection). */
  offsets: StreamOffsetStore;
  /**
   * Handles one entry. Throwing retries the same entry after `retryDelayMs` (nothing is lost);
   * to skip a bad entry, log it and return normally.
   */
  handle(entry: StreamEntry): Promise<void>;
  /** XREAD BLOCK time; default 5 000 ms. */
  blockMs?: number;
  /** XREAD COUNT; default 100. */
  count?: number;
  /**
   * Where to start when no offset is saved: `"0"` (default, the whole stream) or `"$"` (only
   * entries added from now on) or an entry id.
   */
  startId?: string;
  /** Receives read errors (warn) and handler failures (error); default: none. */
  logger?: StreamReaderLogger;
  /** Pause before retrying after an error; default 1 000 ms. */
  retryDelayMs?: number;
}

/** A running reader. */
export interface StreamReader {
  /**
   * Ends the loop: a blocked XREAD is cut at once (the dedicated connection is disconnected), an
   * entry being handled is finished and its offset saved first. Resolves when the loop is over.
   */
  stop(): Promise<void>;
  /** Settles when the loop has ended (after `stop()`); never rejects. */
  readonly done: Promise<void>;
}

/**
 * Starts a blocking stream reader with a persisted offset: loads the offset of `label`, then
 * `XREAD COUNT n BLOCK ms STREAMS stream <offset>` in a loop, calls `handle` for each entry in
 * order and saves the offset after each handled entry. Delivery is at-least-once: an entry whose
 * offset was saved is never delivered again to the same label; an entry handled but not yet
 * saved when the process dies is delivered again. Redis errors are logged and retried after
 * `retryDelayMs`.
 */
export function startStreamReader(options: StreamReaderOptions): StreamReader {
  const {
    redis,
    stream,
    label,
    offsets,
    handle,
    blockMs = 5_000,
    count = 100,
    startId = "0",
    logger,
    retryDelayMs = 1_000,
  } = options;
  assertBlockingConnection(redis, blockMs);

  let stopping = false;
  let reading = false;
  const pauses = new InterruptiblePause();

  const pause = (ms: number): Promise<void> => pauses.wait(ms);

  const context = { stream, label };

  async function initialOffset(): Promise<string> {
    const saved = await offsets.load(label);
    if (saved !== null) {
      return saved;
    }
    if (startId !== "$") {
      return startId;
    }
    // Re-sending "$" on every XREAD would miss entries added between two reads, so pin it to
    // the id of the current last entry once.
    const last = await redis.xrevrange(stream, "+", "-", "COUNT", 1);
    return last[0]?.[0] ?? "0-0";
  }

  async function handleWithRetry(entry: StreamEntry): Promise<boolean> {
    for (;;) {
      try {
        await handle(entry);
        return true;
      } catch (err) {
        logger?.error({ ...context, err, entry_id: entry.id }, "stream entry handler failed");
      }
      if (stopping) {
        return false;
      }
      await pause(retryDelayMs);
      if (stopping) {
        return false;
      }
    }
  }

  async function saveWithRetry(id: string): Promise<void> {
    for (;;) {
      try {
        await offsets.save(label, id);
        return;
      } catch (err) {
        logger?.warn({ ...context, err, entry_id: id }, "saving stream offset failed");
      }
      if (stopping) {
        return;
      }
      await pause(retryDelayMs);
    }
  }

  async function run(): Promise<void> {
    let lastId: string | undefined;
    while (!stopping) {
      try {
        lastId ??= await initialOffset();
        if (stopping) {
          break;
        }
        reading = true;
        let reply: Awaited<ReturnType<Redis["xread"]>>;
        try {
          reply = await redis.xread("COUNT", count, "BLOCK", blockMs, "STREAMS", stream, lastId);
        } finally {
          reading = false;
        }
        for (const [, entries] of reply ?? []) {
          for (const [id, flat] of entries) {
            // Entries of the batch left unhandled are read again from the saved offset.
            if (stopping || !(await handleWithRetry({ id, fields: fieldsToRecord(flat) }))) {
              return;
            }
            lastId = id;
            await saveWithRetry(id);
          }
        }
      } catch (err) {
        if (stopping) {
          break;
        }
        logger?.warn({ ...context, err }, "stream read failed");
        await pause(retryDelayMs);
      }
    }
  }

  const done = run().catch((err: unknown) => {
    logger?.error({ ...context, err }, "stream reader stopped unexpectedly");
  });
  // The dedicated connection is closed whenever the loop ends, so its owner never has to guess.
  const finished = done.then(() => {
    redis.disconnect();
  });

  return {
    done: finished,
    stop() {
      stopping = true;
      pauses.interrupt();
      if (reading) {
        redis.disconnect();
      }
      return finished;
    },
  };
}
