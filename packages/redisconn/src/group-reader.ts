import type { Redis } from "ioredis";
import type { StreamReaderLogger } from "./reader.js";
import { assertBlockingConnection, InterruptiblePause } from "./reader-support.js";
import { fieldsToRecord, type StreamEntry } from "./streams.js";

/** The logging surface the group reader needs; a pino logger satisfies it. */
export interface GroupReaderLogger extends StreamReaderLogger {
  info?(obj: object, msg?: string): void;
}

/** What one claim pass of {@link startGroupReader} found. */
export interface GroupClaimPass {
  /** Entries taken over from consumers idle longer than `claimIdleMs` (and handled). */
  claimed: number;
  /** Pending entries that were no longer in the stream (trimmed or deleted); Redis dropped them. */
  deleted: number;
  /** Entries of the whole group delivered but not acknowledged, after the pass (XPENDING). */
  pending: number;
}

/** Options of {@link startGroupReader}. */
export interface GroupReaderOptions {
  /**
   * A dedicated connection: XREADGROUP BLOCK occupies it. The reader owns it from now on —
   * `stop()` disconnects it. It must have no `commandTimeoutMs`, or one longer than `blockMs`.
   */
  redis: Redis;
  /** Stream key (the connection's `keyPrefix` applies). */
  stream: string;
  /** Consumer group shared by every reader that must see each entry once. */
  group: string;
  /** This reader's name in the group; unique per live process (an instance id). */
  consumer: string;
  /**
   * Handles one entry. Resolving acknowledges it (XACK); throwing leaves it pending and it is
   * delivered again after `retryDelayMs` (nothing after it is handled first); to skip a bad
   * entry, log it and return normally. Delivery is at-least-once: the handler must tolerate an
   * entry it has already seen.
   */
  handle(entry: StreamEntry): Promise<void>;
  /**
   * Where the group starts when it has to be created (first start, or after the group or the
   * stream was deleted): `"0"` (default, the whole stream), `"$"` (only entries added from now
   * on), an entry id, or a function resolving one (called only when the group is missing).
   */
  startId?: string | (() => Promise<string>);
  /** XREADGROUP BLOCK time; default 5 000 ms. */
  blockMs?: number;
  /** XREADGROUP / XAUTOCLAIM COUNT; default 100. */
  count?: number;
  /**
   * A pending entry idle this long belongs to a consumer presumed dead and is claimed
   * (XAUTOCLAIM); default 30 000 ms. Must exceed the time this reader needs for one batch.
   */
  claimIdleMs?: number;
  /** How often to look for such entries; default `claimIdleMs / 2`. */
  claimIntervalMs?: number;
  /** Receives group creation (info), read errors and claims (warn), handler failures (error). */
  logger?: GroupReaderLogger;
  /** Pause before retrying after an error; default 1 000 ms. */
  retryDelayMs?: number;
  /** Called after every claim pass (for metrics); must not throw. */
  onClaimPass?(pass: GroupClaimPass): void;
}

/** A running group reader. */
export interface GroupReader {
  /**
   * Ends the loop: a blocked XREADGROUP is cut at once (the dedicated connection is
   * disconnected), an entry being handled is finished and acknowledged first. Entries read but
   * not yet handled stay pending: this consumer gets them again when it restarts under the same
   * name, another one claims them after `claimIdleMs`. Resolves when the loop is over.
   */
  stop(): Promise<void>;
  /** Settles when the loop has ended (after `stop()`); never rejects. */
  readonly done: Promise<void>;
}

type Fields = string[] | null;
type ReadReply = [key: string, entries: [id: string, fields: Fields][]][] | null;
type ClaimReply = [next: string, entries: [id: string, fields: Fields][], deleted?: string[]];
type PendingSummary = [count: number, ...rest: unknown[]];

/** Own pending entries are re-read from here; `>` asks for entries never delivered to the group. */
const OWN_PENDING_START = "0";
const NEW_ENTRIES = ">";

function replyError(err: unknown): string {
  return err instanceof Error ? err.message : "";
}

/** The group (or the whole stream) is gone. */
function isMissingGroup(err: unknown): boolean {
  const message = replyError(err);
  return message.startsWith("NOGROUP") || message.includes("requires the key to exist");
}

/**
 * Starts a reader in a Redis consumer group: every entry of `stream` is handled by one of the
 * readers sharing `group` (one per process, named by `consumer`) and acknowledged after its
 * handler resolved.
 *
 * 1. Makes sure the group exists (`XGROUP CREATE … MKSTREAM` at `startId`; a group created by
 *    another reader meanwhile — BUSYGROUP — is fine).
 * 2. Re-reads its own pending entries (`XREADGROUP … 0`): what it read and did not acknowledge
 *    before a crash, a lost reply or a failed handler.
 * 3. Every `claimIntervalMs`, claims entries pending longer than `claimIdleMs` with other (dead)
 *    consumers (`XAUTOCLAIM`) and handles them.
 * 4. Otherwise waits for new entries (`XREADGROUP … BLOCK … >`).
 *
 * Entries are handled one at a time, in stream order within each batch. A failing handler
 * leaves its entry pending; after `retryDelayMs` the reader goes back to step 2, so the entry is
 * delivered again (its delivery count grows, visible in XPENDING) unless another consumer claimed
 * it meanwhile. Redis errors are logged and retried after `retryDelayMs`, a missing group is
 * created again.
 */
export function startGroupReader(options: GroupReaderOptions): GroupReader {
  const {
    redis,
    stream,
    group,
    consumer,
    handle,
    startId = "0",
    blockMs = 5_000,
    count = 100,
    claimIdleMs = 30_000,
    logger,
    retryDelayMs = 1_000,
    onClaimPass,
  } = options;
  const claimIntervalMs = options.claimIntervalMs ?? Math.max(1, Math.floor(claimIdleMs / 2));
  assertBlockingConnection(redis, blockMs);
  if (consumer.trim() === "" || group.trim() === "") {
    throw new Error("a group reader needs a non-empty group and consumer name");
  }
  // ioredis prefixes the keys of XREADGROUP, XACK, XAUTOCLAIM and XPENDING, but not those of
  // XGROUP (its key position depends on the subcommand), so that one gets the prefix by hand.
  const groupKey = `${redis.options.keyPrefix ?? ""}${stream}`;

  const context = { stream, group, consumer };
  let stopping = false;
  let reading = false;
  const pauses = new InterruptiblePause();
  let abortCommand: ((err: Error) => void) | undefined;
  // A reconnect may have swallowed the reply of a read that delivered entries to this consumer
  // (ioredis re-sends an unanswered command): look at the own pending entries again.
  let reconnected = false;
  // A blocked read is re-sent by ioredis once the connection is back, so an outage shows up as
  // a reconnect, not as a failed command: log it here, once per outage.
  let connectionLost = false;
  const onReconnecting = (): void => {
    if (!stopping && !connectionLost) {
      connectionLost = true;
      logger?.warn(context, "stream group reader lost its connection, reconnecting");
    }
  };
  const onReady = (): void => {
    reconnected = true;
    if (connectionLost) {
      connectionLost = false;
      logger?.info?.(context, "stream group reader reconnected");
    }
  };
  redis.on("reconnecting", onReconnecting);
  redis.on("ready", onReady);

  /**
   * Awaits a Redis command, or gives up on it when `stop()` finds the connection down: a command
   * waiting in ioredis' offline queue does not settle when the connection is disconnected
   * while it reconnects.
   */
  function command<T>(pending: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      abortCommand = reject;
      pending.then(resolve, reject).finally(() => {
        abortCommand = undefined;
      });
    });
  }

  const pause = (ms: number): Promise<void> => pauses.wait(ms);

  async function ensureGroup(): Promise<void> {
    try {
      // Succeeds (0 or 1) when the group exists; registers this consumer in it.
      await command(redis.xgroup("CREATECONSUMER", groupKey, group, consumer));
      return;
    } catch (err) {
      if (!isMissingGroup(err)) {
        throw err;
      }
    }
    const id = typeof startId === "function" ? await startId() : startId;
    try {
      await command(redis.xgroup("CREATE", groupKey, group, id, "MKSTREAM"));
      logger?.info?.({ ...context, start_id: id }, "consumer group created");
    } catch (err) {
      if (!replyError(err).startsWith("BUSYGROUP")) {
        throw err;
      }
    }
  }

  /** true: handled and acknowledged (or gone); false: failed or stopping, left pending. */
  async function handleEntry(id: string, flat: Fields): Promise<boolean> {
    if (flat === null) {
      // Pending, but trimmed or deleted from the stream since: nothing left to handle.
      logger?.warn({ ...context, entry_id: id }, "pending stream entry no longer exists, acked");
      await ackWithRetry(id);
      return true;
    }
    try {
      await handle({ id, fields: fieldsToRecord(flat) });
    } catch (err) {
      logger?.error({ ...context, err, entry_id: id }, "stream entry handler failed");
      return false;
    }
    await ackWithRetry(id);
    return true;
  }

  async function ackWithRetry(id: string): Promise<void> {
    for (;;) {
      try {
        await command(redis.xack(stream, group, id));
        return;
      } catch (err) {
        logger?.warn({ ...context, err, entry_id: id }, "acknowledging stream entry failed");
      }
      if (stopping) {
        // Left pending: delivered again later, which the handler tolerates.
        return;
      }
      await pause(retryDelayMs);
    }
  }

  /** Handles the entries of a read; false when one failed (or the reader is stopping). */
  async function handleAll(entries: [string, Fields][], onHandled?: (id: string) => void) {
    for (const [id, flat] of entries) {
      if (stopping || !(await handleEntry(id, flat))) {
        return false;
      }
      onHandled?.(id);
    }
    return true;
  }

  async function claimPass(): Promise<boolean> {
    let cursor = "0-0";
    let claimed = 0;
    let deleted = 0;
    do {
      const [next, entries, deletedIds = []] = (await command(
        redis.xautoclaim(stream, group, consumer, claimIdleMs, cursor, "COUNT", count),
      )) as ClaimReply;
      deleted += deletedIds.length;
      if (deletedIds.length > 0) {
        logger?.warn(
          { ...context, entry_ids: deletedIds },
          "pending stream entries no longer exist, dropped from the group",
        );
      }
      if (entries.length > 0) {
        logger?.warn(
          { ...context, claimed: entries.length, first_entry_id: entries[0]?.[0] },
          "claimed stream entries of an idle consumer",
        );
      }
      claimed += entries.length;
      if (!(await handleAll(entries))) {
        return false;
      }
      cursor = next;
    } while (cursor !== "0-0" && !stopping);
    if (onClaimPass !== undefined) {
      const [pending] = (await command(redis.xpending(stream, group))) as PendingSummary;
      onClaimPass({ claimed, deleted, pending: Number(pending) });
    }
    return true;
  }

  async function read(position: string): Promise<[string, Fields][]> {
    reading = true;
    let reply: ReadReply;
    try {
      reply = (await command(
        position === NEW_ENTRIES
          ? redis.xreadgroup(
              "GROUP",
              group,
              consumer,
              "COUNT",
              count,
              "BLOCK",
              blockMs,
              "STREAMS",
              stream,
              position,
            )
          : redis.xreadgroup("GROUP", group, consumer, "COUNT", count, "STREAMS", stream, position),
      )) as ReadReply;
    } finally {
      reading = false;
    }
    return reply?.[0]?.[1] ?? [];
  }

  async function run(): Promise<void> {
    let groupReady = false;
    // OWN_PENDING_START or the last own pending entry handled: re-reading; NEW_ENTRIES: caught up.
    let position = OWN_PENDING_START;
    let nextClaimAt = 0;
    while (!stopping) {
      try {
        if (!groupReady) {
          await ensureGroup();
          groupReady = true;
        }
        if (stopping) {
          break;
        }
        if (reconnected) {
          reconnected = false;
          position = OWN_PENDING_START;
        }
        let ok: boolean;
        if (position !== NEW_ENTRIES) {
          const entries = await read(position);
          if (entries.length === 0) {
            position = NEW_ENTRIES;
            continue;
          }
          ok = await handleAll(entries, (id) => {
            position = id;
          });
        } else if (Date.now() >= nextClaimAt) {
          nextClaimAt = Date.now() + claimIntervalMs;
          ok = await claimPass();
        } else {
          ok = await handleAll(await read(NEW_ENTRIES));
        }
        if (!ok) {
          if (stopping) {
            break;
          }
          // What failed is still pending with this consumer: read it again after the pause.
          position = OWN_PENDING_START;
          await pause(retryDelayMs);
        }
      } catch (err) {
        if (stopping) {
          break;
        }
        if (isMissingGroup(err)) {
          groupReady = false;
          logger?.warn({ ...context, err }, "consumer group missing, creating it again");
        } else {
          logger?.warn({ ...context, err }, "stream group read failed");
        }
        // A read whose reply was lost may have delivered entries to this consumer: re-read them.
        position = OWN_PENDING_START;
        await pause(retryDelayMs);
      }
    }
  }

  const done = run().catch((err: unknown) => {
    logger?.error({ ...context, err }, "stream group reader stopped unexpectedly");
  });
  // The dedicated connection is closed whenever the loop ends, so its owner never has to guess.
  const finished = done.then(async () => {
    redis.off("reconnecting", onReconnecting);
    redis.off("ready", onReady);
    redis.disconnect();
    // A read given up on by stop() may leave the socket open for a moment: wait until it is
    // closed, so the owner finds the connection ended (a connection that is reconnecting has no
    // socket and just stops trying).
    if (["connecting", "connect", "ready"].includes(redis.status)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        redis.once("end", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  });

  return {
    done: finished,
    stop() {
      stopping = true;
      pauses.interrupt();
      if (reading || redis.status !== "ready") {
        abortCommand?.(new Error("stream group reader stopped"));
        redis.disconnect();
      }
      return finished;
    },
  };
}
