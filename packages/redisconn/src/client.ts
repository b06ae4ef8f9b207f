import { Redis } from "ioredis";

/** Connection settings of {@link createRedis}. */
export interface RedisOptions {
  /** `redis://[user:password@]host:port[/db]`; a database index in the path is honoured. */
  url: string;
  /** Prefix added to every key, stream keys included (see the README); used to isolate tests. */
  keyPrefix?: string;
  /** Time allowed for the TCP connection; default 5 000 ms. */
  connectTimeoutMs?: number;
  /**
   * Client-side timeout of every command; default none. Leave it unset on a connection given
   * to {@link startStreamReader}, or make it longer than the reader's `blockMs`.
   */
  commandTimeoutMs?: number;
  /** `CLIENT SETNAME` of the connection, shown in `CLIENT LIST`. */
  connectionName?: string;
  /**
   * ioredis auto-pipelining: commands issued in the same event-loop tick go
   * out in one write. Worth it for a connection that sends bursts of small
   * commands (publishes, a batch of XADDs); leave it off for blocking reads.
   */
  autoPipelining?: boolean;
  /**
   * How many reconnections a command waits through before it fails; default 10 (about 10 s of
   * back-off). `null` waits forever.
   */
  maxRetriesPerRequest?: number | null;
  /** Do not connect until the first command; default false. */
  lazyConnect?: boolean;
  /**
   * Receives connection errors. ioredis reconnects by itself, so they are not fatal; default:
   * ignored (readiness pings report a real outage).
   */
  onError?: (error: Error) => void;
}

/** Defaults used by {@link createRedis}. */
export const REDIS_DEFAULTS = Object.freeze({
  connectTimeoutMs: 5_000,
  maxRetriesPerRequest: 10,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 2_000,
  keepAliveMs: 10_000,
});

/**
 * Reconnect back-off: 50 ms · 2^(attempt − 1), capped at 2 s. Never gives up — a service keeps
 * trying while Redis is away; readiness reports the outage.
 */
export function retryDelay(attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 16));
  return Math.min(REDIS_DEFAULTS.retryBaseDelayMs * 2 ** exponent, REDIS_DEFAULTS.retryMaxDelayMs);
}

/**
 * Opens an ioredis client from a URL with reconnect back-off ({@link retryDelay}), a connect
 * timeout, TCP keep-alive, the offline queue on (commands issued while reconnecting wait) and a
 * bounded number of retries per command. An `error` listener is always attached.
 */
export function createRedis(options: RedisOptions): Redis {
  const redis = new Redis(options.url, {
    connectTimeout: options.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs,
    maxRetriesPerRequest:
      options.maxRetriesPerRequest === undefined
        ? REDIS_DEFAULTS.maxRetriesPerRequest
        : options.maxRetriesPerRequest,
    retryStrategy: retryDelay,
    enableOfflineQueue: true,
    keepAlive: REDIS_DEFAULTS.keepAliveMs,
    lazyConnect: options.lazyConnect ?? false,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
    ...(options.autoPipelining === true ? { enableAutoPipelining: true } : {}),
  });
  const onError = options.onError;
  redis.on("error", (error: Error) => {
    onError?.(error);
  });
  return redis;
}

/**
 * Readiness ping: resolves `true` when `PING` answers within `timeoutMs` (default 2 000 ms),
 * `false` otherwise. Never throws, also not on a closed client.
 */
export async function pingRedis(redis: Redis, timeoutMs = 2_000): Promise<boolean> {
  if (redis.status === "end") {
    return false;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const attempt = redis.ping().then(
    (reply) => reply === "PONG",
    () => false,
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const closing = new WeakMap<Redis, Promise<void>>();

/**
 * Closes the client: `QUIT` when connected or connecting (commands already sent or queued get
 * their replies first, bounded by `timeoutMs`, default 2 000 ms), else a plain disconnect that
 * stops reconnecting. Idempotent.
 */
export function closeRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  let closed = closing.get(redis);
  if (closed === undefined) {
    closed = quitOrDisconnect(redis, timeoutMs);
    closing.set(redis, closed);
  }
  return closed;
}

async function quitOrDisconnect(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "end") {
    return;
  }
  if (redis.status === "wait" || redis.status === "reconnecting") {
    // Nothing to flush: stop the reconnect timer (a "reconnecting" client then stays in that
    // status, but is inert).
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const ended = new Promise<void>((resolve) => redis.once("end", resolve));
  try {
    // QUIT is queued behind commands still waiting for the connection, so they are delivered.
    await Promise.race([redis.quit().then(() => ended), timeout]);
  } catch {
    // QUIT failing means the connection is already gone; the disconnect below settles it.
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
