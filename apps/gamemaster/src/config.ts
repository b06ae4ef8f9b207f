import { hostname } from "node:os";
import { z } from "zod";

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a duration in Go's `time.ParseDuration` syntax (`500ms`, `30s`,
 * `1m30s`, `1.5h`, `0`) into milliseconds. Signs are refused: every duration
 * of this service is a positive wait. Returns null when the text is invalid.
 */
export function parseGoDuration(text: string): number | null {
  if (text === "0") {
    return 0;
  }
  if (text.length === 0) {
    return null;
  }
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (match === null) {
      return null;
    }
    const [, amount = "", unit = ""] = match;
    const factor = UNIT_MS[unit];
    if (factor === undefined) {
      return null;
    }
    total += Number(amount) * factor;
  }
  return total;
}

function toDuration(text: string, min: number, ctx: z.RefinementCtx): number {
  const ms = parseGoDuration(text.trim());
  if (ms === null) {
    ctx.addIssue({
      code: "custom",
      message: `"${text}" is not a duration (Go syntax: 500ms, 30s, 1m30s)`,
    });
    return z.NEVER;
  }
  if (ms < min) {
    ctx.addIssue({ code: "custom", message: `must be at least ${min}ms, got "${text}"` });
    return z.NEVER;
  }
  return Math.round(ms);
}

function duration(defaultValue: string, options: { min?: number } = {}) {
  const min = options.min ?? 1;
  return z
    .string()
    .default(defaultValue)
    .transform((text, ctx) => toDuration(text, min, ctx));
}

/** A duration whose default is computed from other settings (undefined when unset). */
function optionalDuration(options: { min?: number } = {}) {
  const min = options.min ?? 1;
  return z
    .string()
    .optional()
    .transform((text, ctx) => (text === undefined ? undefined : toDuration(text, min, ctx)));
}

function integer(defaultValue: number, min: number, max: number) {
  return z
    .string()
    .default(String(defaultValue))
    .transform((text, ctx) => {
      const trimmed = text.trim();
      const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({
          code: "custom",
          message: `must be an integer between ${min} and ${max}, got "${text}"`,
        });
        return z.NEVER;
      }
      return value;
    });
}

function url(protocols: readonly string[]) {
  return z
    .string({ error: "is required" })
    .trim()
    .min(1, { error: "is required" })
    .refine(
      (text) => {
        try {
          return protocols.includes(new URL(text).protocol);
        } catch {
          return false;
        }
      },
      {
        error: `must be a URL with scheme ${protocols.map((p) => p.replace(":", "")).join(" or ")}`,
      },
    );
}

function streamName(defaultValue: string) {
  return z.string().trim().min(1, { error: "must not be empty" }).default(defaultValue);
}

/** Log levels pino understands. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Log level of the service. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const envSchema = z.object({
  GAMEMASTER_HTTP_PORT: integer(8080, 0, 65_535),
  GAMEMASTER_POSTGRES_URL: url(["postgres:", "postgresql:"]),
  GAMEMASTER_POSTGRES_MAX_CONNECTIONS: integer(10, 1, 1000),
  GAMEMASTER_REDIS_URL: url(["redis:", "rediss:"]),
  GAMEMASTER_REDIS_KEY_PREFIX: z.string().default(""),
  GAMEMASTER_LOBBY_BASE_URL: url(["http:", "https:"]),
  GAMEMASTER_RTM_BASE_URL: url(["http:", "https:"]),
  GAMEMASTER_RTM_TIMEOUT: duration("30s"),
  GAMEMASTER_ENGINE_TIMEOUT: duration("5s"),
  GAMEMASTER_ENGINE_TURN_TIMEOUT: duration("60s"),
  GAMEMASTER_SCHEDULER_INTERVAL: duration("1s", { min: 10 }),
  // 256: the best of 64/128/256/512/1024 in `pnpm bench:scheduler` (bench/README.md).
  GAMEMASTER_SCHEDULER_CONCURRENCY: integer(256, 1, 10_000),
  // How long a claimed turn stays this instance's without a renewal; an
  // instance that died loses its games to the others after this.
  GAMEMASTER_TURN_LEASE: duration("15s", { min: 300 }),
  // How often every instance looks for expired leases (and abandoned registrations).
  GAMEMASTER_RECOVERY_INTERVAL: duration("2s", { min: 10 }),
  GAMEMASTER_MEMBERSHIP_CACHE_TTL: duration("30s", { min: 0 }),
  GAMEMASTER_MEMBERSHIP_CACHE_MAX_GAMES: integer(10_000, 1, 10_000_000),
  GAMEMASTER_LOBBY_TIMEOUT: duration("2s"),
  GAMEMASTER_RUNTIME_CACHE_TTL: duration("5s", { min: 0 }),
  GAMEMASTER_LOBBY_EVENTS_STREAM: streamName("gm:lobby_events"),
  GAMEMASTER_NOTIFICATION_INTENTS_STREAM: streamName("notification:intents"),
  GAMEMASTER_HEALTH_EVENTS_STREAM: streamName("runtime:health_events"),
  // One consumer group shared by every replica (decision 090): each entry is applied once.
  GAMEMASTER_HEALTH_EVENTS_GROUP: streamName("gamemaster"),
  GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE: duration("30s", { min: 10 }),
  GAMEMASTER_LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .default("info")
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
  // No fixed default: unset means "the turn timeout plus a margin" (see loadConfig).
  GAMEMASTER_SHUTDOWN_TIMEOUT: optionalDuration(),
  GAMEMASTER_INSTANCE_ID: z
    .string()
    .trim()
    .max(128, { error: "must be at most 128 characters" })
    .regex(/^[A-Za-z0-9._:@-]+$/, {
      error: "may hold only letters, digits and . _ : @ -",
    })
    .optional(),
  GAMEMASTER_CACHE_INVALIDATION_CHANNEL: streamName("gm:cache_invalidations"),
  GAMEMASTER_MAX_BODY_BYTES: integer(1_048_576, 1, 1_073_741_824),
  // Age after which entries of the streams GM writes may be trimmed (XADD
  // MINID); 0 = never trim. Go syntax has no days: 168h is 7 days.
  GAMEMASTER_STREAM_RETENTION: duration("168h", { min: 0 }),
  // V8's old-generation growth per major GC (1 + percent/100); 0 = V8's own
  // heuristics. 50 holds a burst of 100 000 turns under 200 MB of RSS
  // (bench/README.md); V8 alone lets the promoted garbage of a long burst
  // grow the heap to about four times what is live.
  GAMEMASTER_HEAP_GROWING_PERCENT: integer(50, 0, 1_000),
  GAMEMASTER_OUTBOX_BATCH_SIZE: integer(500, 1, 10_000),
  // Fallback poll of the outbox relay; commits wake it at once (LISTEN/NOTIFY).
  GAMEMASTER_OUTBOX_POLL_INTERVAL: duration("1s", { min: 10 }),
});

/** The parsed configuration of Game Master (docs/reference.md#configuration). Durations are milliseconds. */
export interface GameMasterConfig {
  httpPort: number;
  postgres: { url: string; maxConnections: number };
  redis: { url: string; keyPrefix: string };
  lobbyBaseUrl: string;
  rtmBaseUrl: string;
  /** Deadline of one RTM call (stop waits for the container to exit). */
  rtmTimeoutMs: number;
  engine: { timeoutMs: number; turnTimeoutMs: number };
  scheduler: {
    intervalMs: number;
    concurrency: number;
    /** `GAMEMASTER_TURN_LEASE`: life of a claim without renewal (renewed every third of it). */
    leaseMs: number;
    /** `GAMEMASTER_RECOVERY_INTERVAL`: pause between two sweeps for expired leases. */
    recoveryIntervalMs: number;
  };
  membershipCache: { ttlMs: number; maxGames: number };
  /** Deadline of one Lobby call (a membership-cache miss). */
  lobbyTimeoutMs: number;
  /** Life of the hot path's cached runtime view; 0 = read PostgreSQL on every request. */
  runtimeCacheTtlMs: number;
  streams: { lobbyEvents: string; notificationIntents: string; healthEvents: string };
  /**
   * The health consumer's Redis consumer group (`GAMEMASTER_HEALTH_EVENTS_GROUP`), shared by
   * the replicas, each one consumer named by {@link GameMasterConfig.instanceId}; an entry
   * pending longer than `claimIdleMs` (`GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE`) with a replica
   * presumed dead is claimed by another.
   */
  healthEventsConsumer: { group: string; claimIdleMs: number };
  /** Outbox relay: stream retention (0 = never trim), rows per batch, fallback poll. */
  outbox: { retentionMs: number; batchSize: number; pollIntervalMs: number };
  logLevel: LogLevel;
  /**
   * Budget of a graceful stop (`GAMEMASTER_SHUTDOWN_TIMEOUT`). Unset: the
   * turn timeout plus {@link SHUTDOWN_MARGIN_MS}, so that a turn in flight at
   * SIGTERM can always finish before the forced exit.
   */
  shutdownTimeoutMs: number;
  maxBodyBytes: number;
  /**
   * Name of this process among the replicas (`GAMEMASTER_INSTANCE_ID`,
   * default `<hostname>:<pid>`): on every log line and as a label of every
   * metric.
   */
  instanceId: string;
  /**
   * Redis pub/sub channel on which the replicas tell each other to drop
   * cached views (`GAMEMASTER_CACHE_INVALIDATION_CHANNEL`, default
   * `gm:cache_invalidations`). The key prefix is put in front of it, since
   * Redis does not apply key prefixes or database indexes to channels.
   */
  cacheInvalidationChannel: string;
  /** `GAMEMASTER_HEAP_GROWING_PERCENT`, applied by the process entry (main.ts); 0 = V8's default. */
  heapGrowingPercent: number;
}

/** Added to the turn timeout for the default shutdown budget (settling a turn, closing pools). */
export const SHUTDOWN_MARGIN_MS = 15_000;

/** What the defaults of {@link loadConfig} derive from besides the environment. */
export interface ProcessIdentity {
  hostname: string;
  pid: number;
}

/** Thrown by {@link loadConfig}; `issues` names every bad variable with its reason. */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** An environment: variable name → value. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the configuration from `env` (the composition root passes
 * `process.env`; nothing else in the service reads it). Empty strings count
 * as unset so that `FOO=` in a compose file falls back to the default.
 * Throws a {@link ConfigError} naming every bad variable at once.
 */
export function loadConfig(
  env: Env,
  identity: ProcessIdentity = { hostname: hostname(), pid: process.pid },
): GameMasterConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && (value !== "" || key === "GAMEMASTER_REDIS_KEY_PREFIX")) {
      input[key] = value;
    }
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      return `${name}: ${issue.message}`;
    });
    throw new ConfigError(issues);
  }
  const e = parsed.data;
  return {
    httpPort: e.GAMEMASTER_HTTP_PORT,
    postgres: {
      url: e.GAMEMASTER_POSTGRES_URL,
      maxConnections: e.GAMEMASTER_POSTGRES_MAX_CONNECTIONS,
    },
    redis: { url: e.GAMEMASTER_REDIS_URL, keyPrefix: e.GAMEMASTER_REDIS_KEY_PREFIX },
    lobbyBaseUrl: e.GAMEMASTER_LOBBY_BASE_URL,
    rtmBaseUrl: e.GAMEMASTER_RTM_BASE_URL,
    rtmTimeoutMs: e.GAMEMASTER_RTM_TIMEOUT,
    engine: {
      timeoutMs: e.GAMEMASTER_ENGINE_TIMEOUT,
      turnTimeoutMs: e.GAMEMASTER_ENGINE_TURN_TIMEOUT,
    },
    scheduler: {
      intervalMs: e.GAMEMASTER_SCHEDULER_INTERVAL,
      concurrency: e.GAMEMASTER_SCHEDULER_CONCURRENCY,
      leaseMs: e.GAMEMASTER_TURN_LEASE,
      recoveryIntervalMs: e.GAMEMASTER_RECOVERY_INTERVAL,
    },
    membershipCache: {
      ttlMs: e.GAMEMASTER_MEMBERSHIP_CACHE_TTL,
      maxGames: e.GAMEMASTER_MEMBERSHIP_CACHE_MAX_GAMES,
    },
    lobbyTimeoutMs: e.GAMEMASTER_LOBBY_TIMEOUT,
    runtimeCacheTtlMs: e.GAMEMASTER_RUNTIME_CACHE_TTL,
    streams: {
      lobbyEvents: e.GAMEMASTER_LOBBY_EVENTS_STREAM,
      notificationIntents: e.GAMEMASTER_NOTIFICATION_INTENTS_STREAM,
      healthEvents: e.GAMEMASTER_HEALTH_EVENTS_STREAM,
    },
    healthEventsConsumer: {
      group: e.GAMEMASTER_HEALTH_EVENTS_GROUP,
      claimIdleMs: e.GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE,
    },
    outbox: {
      retentionMs: e.GAMEMASTER_STREAM_RETENTION,
      batchSize: e.GAMEMASTER_OUTBOX_BATCH_SIZE,
      pollIntervalMs: e.GAMEMASTER_OUTBOX_POLL_INTERVAL,
    },
    logLevel: e.GAMEMASTER_LOG_LEVEL,
    shutdownTimeoutMs:
      e.GAMEMASTER_SHUTDOWN_TIMEOUT ?? e.GAMEMASTER_ENGINE_TURN_TIMEOUT + SHUTDOWN_MARGIN_MS,
    maxBodyBytes: e.GAMEMASTER_MAX_BODY_BYTES,
    instanceId: e.GAMEMASTER_INSTANCE_ID ?? `${identity.hostname}:${identity.pid}`,
    cacheInvalidationChannel: `${e.GAMEMASTER_REDIS_KEY_PREFIX}${e.GAMEMASTER_CACHE_INVALIDATION_CHANNEL}`,
    heapGrowingPercent: e.GAMEMASTER_HEAP_GROWING_PERCENT,
  };
}

/** Names of every environment variable the service reads (for docs and tests). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
