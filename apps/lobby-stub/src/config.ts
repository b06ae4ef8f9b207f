import { z } from "zod";

/** Resolved configuration of the lobby stub process. */
export interface LobbyStubConfig {
  httpPort: number;
  gmBaseUrl: string;
  gmTimeoutMs: number;
  redisUrl: string;
  redisKeyPrefix: string;
  startJobsStream: string;
  jobResultsStream: string;
  gmEventsStream: string;
  notificationIntentsStream: string;
  logLevel: string;
}

/** Thrown by {@link loadConfig}; the message lists every bad variable at once. */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join("\n  ")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go-style duration (`5s`, `250ms`, `1m30s`) or a bare integer meaning milliseconds.
 * Returns null for anything else so the caller can report it together with other errors.
 */
export function parseDurationMs(raw: string): number | null {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const parts = text.match(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  if (parts === null || parts.join("") !== text) return null;
  let total = 0;
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(part);
    const unit = match?.[2];
    const factor = unit === undefined ? undefined : DURATION_UNITS_MS[unit];
    if (match?.[1] === undefined || factor === undefined) return null;
    total += Number(match[1]) * factor;
  }
  return Math.round(total);
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const portSchema = z.coerce.number().int().min(0).max(65_535);
const urlSchema = z.url();
const nonEmpty = z.string().trim().min(1);

const envSchema = z.object({
  LOBBY_STUB_HTTP_PORT: portSchema.default(8092),
  LOBBY_STUB_GM_BASE_URL: urlSchema.default("http://127.0.0.1:8080"),
  LOBBY_STUB_GM_TIMEOUT: z
    .string()
    .default("5s")
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: "custom", message: `not a positive duration: "${value}"` });
        return z.NEVER;
      }
      return ms;
    }),
  LOBBY_STUB_REDIS_URL: z
    .string()
    .default("redis://127.0.0.1:6379/0")
    .refine((value) => /^rediss?:\/\//.test(value), "must be a redis:// or rediss:// URL"),
  LOBBY_STUB_REDIS_KEY_PREFIX: z.string().default(""),
  LOBBY_STUB_START_JOBS_STREAM: nonEmpty.default("runtime:start_jobs"),
  LOBBY_STUB_JOB_RESULTS_STREAM: nonEmpty.default("runtime:job_results"),
  LOBBY_STUB_GM_EVENTS_STREAM: nonEmpty.default("gm:lobby_events"),
  LOBBY_STUB_NOTIFICATION_INTENTS_STREAM: nonEmpty.default("notification:intents"),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
});

/**
 * Reads the process configuration from `env`. Empty strings count as unset so that
 * `FOO= pnpm start` falls back to the default rather than failing.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LobbyStubConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    );
  }
  const env_ = parsed.data;
  return {
    httpPort: env_.LOBBY_STUB_HTTP_PORT,
    gmBaseUrl: env_.LOBBY_STUB_GM_BASE_URL.replace(/\/+$/, ""),
    gmTimeoutMs: env_.LOBBY_STUB_GM_TIMEOUT,
    redisUrl: env_.LOBBY_STUB_REDIS_URL,
    redisKeyPrefix: env_.LOBBY_STUB_REDIS_KEY_PREFIX,
    startJobsStream: env_.LOBBY_STUB_START_JOBS_STREAM,
    jobResultsStream: env_.LOBBY_STUB_JOB_RESULTS_STREAM,
    gmEventsStream: env_.LOBBY_STUB_GM_EVENTS_STREAM,
    notificationIntentsStream: env_.LOBBY_STUB_NOTIFICATION_INTENTS_STREAM,
    logLevel: env_.LOG_LEVEL,
  };
}
