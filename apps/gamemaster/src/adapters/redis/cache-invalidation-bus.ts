import type { Redis } from "ioredis";
import type {
  CacheInvalidation,
  CacheInvalidationHandler,
  CacheInvalidationPublisher,
} from "../../ports/cache-invalidation.js";
import type { Logger } from "../../ports/logger.js";

/** Version of the broadcast's JSON; a replica drops every view on a message it cannot read. */
const MESSAGE_VERSION = 1;

/** A decoded broadcast: who sent it and what to drop; `unknown` when it cannot be read. */
export type DecodedInvalidation =
  | { ok: true; from: string; invalidation: CacheInvalidation }
  | { ok: false; reason: string };

/** The JSON sent on the channel: `{"v":1,"from":"<instance>","kind":"…","game_id":"…"}`. */
export function encodeInvalidation(invalidation: CacheInvalidation, from: string): string {
  switch (invalidation.kind) {
    case "runtime_all":
      return JSON.stringify({ v: MESSAGE_VERSION, from, kind: invalidation.kind });
    case "runtimes":
      // `{"v":1,"from":…,"kind":"runtimes","game_ids":[…]}`; a replica that
      // does not know the kind drops every view, which is safe.
      return JSON.stringify({
        v: MESSAGE_VERSION,
        from,
        kind: invalidation.kind,
        game_ids: invalidation.gameIds,
      });
    default:
      return JSON.stringify({
        v: MESSAGE_VERSION,
        from,
        kind: invalidation.kind,
        game_id: invalidation.gameId,
      });
  }
}

/** Reads a broadcast written by {@link encodeInvalidation} (of this or a later replica). */
export function decodeInvalidation(message: string): DecodedInvalidation {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (typeof value !== "object" || value === null) {
    return { ok: false, reason: "not an object" };
  }
  const fields = value as Record<string, unknown>;
  if (fields.v !== MESSAGE_VERSION) {
    return { ok: false, reason: `unknown version ${JSON.stringify(fields.v)}` };
  }
  const from = typeof fields.from === "string" ? fields.from : "";
  const gameId = typeof fields.game_id === "string" ? fields.game_id : "";
  switch (fields.kind) {
    case "runtime_all":
      return { ok: true, from, invalidation: { kind: "runtime_all" } };
    case "runtimes": {
      const ids = fields.game_ids;
      return Array.isArray(ids) &&
        ids.length > 0 &&
        ids.every((id): id is string => typeof id === "string" && id !== "")
        ? { ok: true, from, invalidation: { kind: "runtimes", gameIds: ids } }
        : { ok: false, reason: "game_ids missing or not a list of game ids" };
    }
    case "membership":
    case "runtime":
      return gameId === ""
        ? { ok: false, reason: "game_id missing" }
        : { ok: true, from, invalidation: { kind: fields.kind, gameId } };
    default:
      return { ok: false, reason: `unknown kind ${JSON.stringify(fields.kind)}` };
  }
}

/** Options of {@link RedisCacheInvalidationPublisher}. */
export interface RedisCacheInvalidationPublisherOptions {
  /** The command connection (PUBLISH needs no connection of its own). */
  redis: Redis;
  channel: string;
  /** Sent as `from`, so that the sender skips its own broadcast. */
  instanceId: string;
  logger: Logger;
  onPublished?: (invalidation: CacheInvalidation) => void;
}

/**
 * {@link CacheInvalidationPublisher} over Redis `PUBLISH` (decision 080).
 * Fire and forget: the command is written to the socket before the caller
 * goes on, a failure is logged; the other replicas' TTLs bound a lost one.
 */
export class RedisCacheInvalidationPublisher implements CacheInvalidationPublisher {
  /** Runtime invalidations of the current tick, sent together (a batch of turns writes many games). */
  private readonly pendingRuntimes = new Set<string>();
  private flushScheduled = false;

  constructor(private readonly options: RedisCacheInvalidationPublisherOptions) {}

  publish(invalidation: CacheInvalidation): void {
    if (invalidation.kind === "runtime") {
      this.pendingRuntimes.add(invalidation.gameId);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushRuntimes());
      }
      return;
    }
    this.send(invalidation);
  }

  private flushRuntimes(): void {
    this.flushScheduled = false;
    const gameIds = [...this.pendingRuntimes];
    this.pendingRuntimes.clear();
    const [only] = gameIds;
    if (gameIds.length === 1 && only !== undefined) {
      this.send({ kind: "runtime", gameId: only });
    } else if (gameIds.length > 1) {
      this.send({ kind: "runtimes", gameIds });
    }
  }

  private send(invalidation: CacheInvalidation): void {
    const { redis, channel, instanceId, logger, onPublished } = this.options;
    redis.publish(channel, encodeInvalidation(invalidation, instanceId)).then(
      () => onPublished?.(invalidation),
      (error: unknown) =>
        logger.warn(
          { err: error, kind: invalidation.kind, ...gameField(invalidation) },
          "cache invalidation broadcast failed",
        ),
    );
  }
}

function gameField(invalidation: CacheInvalidation): { game_id?: string; games?: number } {
  switch (invalidation.kind) {
    case "runtime_all":
      return {};
    case "runtimes":
      return { games: invalidation.gameIds.length };
    default:
      return { game_id: invalidation.gameId };
  }
}

/** Options of {@link startCacheInvalidationSubscriber}. */
export interface CacheInvalidationSubscriberOptions {
  /** A connection of its own: it enters subscriber mode and can run nothing else. */
  redis: Redis;
  channel: string;
  /** Broadcasts from this instance are skipped (it has applied them already). */
  instanceId: string;
  handler: CacheInvalidationHandler;
  logger: Logger;
  /** Each applied broadcast, and `resync` for every drop-everything (metrics). */
  onApplied?: (kind: CacheInvalidation["kind"] | "resync") => void;
}

/** A running subscriber. */
export interface CacheInvalidationSubscriber {
  /** Whether the channel is subscribed right now. */
  readonly subscribed: boolean;
  /** Resolves on the first successful subscription. */
  readonly firstSubscription: Promise<void>;
  /** Stops applying broadcasts (the connection is closed by its owner). */
  stop(): void;
}

/**
 * Subscribes to the invalidation channel and applies what the other replicas
 * send. Pub/sub is at most once: whatever was published while the
 * connection was down is gone. So every (re)subscription, once Redis has
 * confirmed it, and every loss of the connection drop every cached view
 * (`handler.resync()`); a view cached after the confirmation cannot have
 * missed a broadcast. A message that cannot be read (a newer replica's
 * format) also drops everything: a spurious miss is cheap, a stale view is
 * not.
 */
export function startCacheInvalidationSubscriber(
  options: CacheInvalidationSubscriberOptions,
): CacheInvalidationSubscriber {
  const { redis, channel, instanceId, handler, logger, onApplied } = options;
  let subscribed = false;
  let stopped = false;
  let confirmFirst: () => void = () => undefined;
  const firstSubscription = new Promise<void>((resolve) => {
    confirmFirst = resolve;
  });

  const resync = (why: string) => {
    handler.resync();
    onApplied?.("resync");
    logger.info({ channel, why }, "cache views dropped");
  };

  const subscribe = () => {
    // ioredis re-subscribes by itself after a reconnect; this SUBSCRIBE is
    // answered after that one, so its reply is the confirmation to wait for.
    redis.subscribe(channel).then(
      () => {
        if (stopped || subscribed) {
          return;
        }
        subscribed = true;
        resync("subscribed");
        confirmFirst();
      },
      (error: unknown) => {
        // The next "ready" tries again.
        logger.warn({ err: error, channel }, "cache invalidation subscription failed");
      },
    );
  };

  const onReady = () => {
    if (!stopped) subscribe();
  };
  const onClose = () => {
    if (subscribed && !stopped) {
      subscribed = false;
      resync("subscription lost");
    }
  };
  const onMessage = (from: string, message: string) => {
    if (stopped || from !== channel) {
      return;
    }
    const decoded = decodeInvalidation(message);
    if (!decoded.ok) {
      logger.warn({ channel, reason: decoded.reason }, "unreadable cache invalidation");
      resync("unreadable broadcast");
      return;
    }
    if (decoded.from === instanceId) {
      return;
    }
    handler.apply(decoded.invalidation);
    onApplied?.(decoded.invalidation.kind);
  };

  redis.on("ready", onReady);
  redis.on("close", onClose);
  redis.on("message", onMessage);
  if (redis.status === "ready") {
    subscribe();
  }

  return {
    get subscribed() {
      return subscribed;
    },
    firstSubscription,
    stop() {
      stopped = true;
      subscribed = false;
      redis.off("ready", onReady);
      redis.off("close", onClose);
      redis.off("message", onMessage);
    },
  };
}
