import pg from "pg";

/** Connection settings of {@link createPool}. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?…` */
  url: string;
  /** Pool size; default 10. */
  maxConnections?: number;
  /** Time to wait for a new connection (or a free one) before failing; default 5 000 ms. */
  connectionTimeoutMs?: number;
  /** An idle connection is closed after this long; default 30 000 ms. */
  idleTimeoutMs?: number;
  /** Server-side `statement_timeout` of every connection; default: none. */
  statementTimeoutMs?: number;
  /** `application_name` shown in `pg_stat_activity`. */
  applicationName?: string;
  /**
   * Receives errors of idle pooled connections (server restart, network drop). pg has already
   * discarded the broken connection and the next query opens a new one, so they are not fatal;
   * default: ignored (readiness pings report a real outage).
   */
  onError?: (error: Error) => void;
}

/** Pool defaults used by {@link createPool}. */
export const POOL_DEFAULTS = Object.freeze({
  maxConnections: 10,
  connectionTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
});

/**
 * Opens a `pg` pool from a URL with sane limits. An `error` listener is always attached: without
 * one, an idle connection dropped by the server would crash the process.
 */
export function createPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? POOL_DEFAULTS.maxConnections,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? POOL_DEFAULTS.connectionTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
    keepAlive: true,
    ...(options.statementTimeoutMs === undefined
      ? {}
      : { statement_timeout: options.statementTimeoutMs }),
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
  });
  const onError = options.onError;
  pool.on("error", (error) => {
    onError?.(error);
  });
  return pool;
}

/**
 * Readiness ping: `select 1` through the pool. Resolves `true` when it succeeds within
 * `timeoutMs` (default 2 000 ms), `false` otherwise — it never throws, also not on a closed pool.
 */
export async function pingPostgres(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const attempt = (async () => {
    await pool.query("select 1");
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const closing = new WeakMap<pg.Pool, Promise<void>>();

/**
 * Closes the pool, waiting for checked-out connections to be released. Idempotent: later calls
 * return the same promise.
 */
export function closePool(pool: pg.Pool): Promise<void> {
  let closed = closing.get(pool);
  if (closed === undefined) {
    closed = pool.ended || pool.ending ? Promise.resolve() : pool.end();
    closing.set(pool, closed);
  }
  return closed;
}
