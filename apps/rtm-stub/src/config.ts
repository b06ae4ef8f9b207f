import { z } from "zod";
import { DEFAULT_ENGINE_BASE_URL, DEFAULT_STREAMS, type RtmStreams } from "./contracts.js";

const nonEmpty = z.string().min(1);

const EnvSchema = z.object({
  RTM_STUB_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8091),
  RTM_STUB_HTTP_HOST: nonEmpty.default("0.0.0.0"),
  RTM_STUB_REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379/0"),
  RTM_STUB_REDIS_KEY_PREFIX: z.string().default(""),
  RTM_STUB_ENGINE_BASE_URL: z.url({ protocol: /^https?$/ }).default(DEFAULT_ENGINE_BASE_URL),
  RTM_STUB_START_JOBS_STREAM: nonEmpty.default(DEFAULT_STREAMS.startJobs),
  RTM_STUB_JOB_RESULTS_STREAM: nonEmpty.default(DEFAULT_STREAMS.jobResults),
  RTM_STUB_HEALTH_EVENTS_STREAM: nonEmpty.default(DEFAULT_STREAMS.healthEvents),
  RTM_STUB_NOTIFICATION_INTENTS_STREAM: nonEmpty.default(DEFAULT_STREAMS.notificationIntents),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** The RTM stub's configuration, read from the environment. */
export interface RtmStubConfig {
  port: number;
  host: string;
  redisUrl: string;
  keyPrefix: string;
  engineBaseUrl: string;
  streams: RtmStreams;
  logLevel: string;
}

/** Reads the configuration; throws one error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RtmStubConfig {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) =>
        value !== undefined && (value !== "" || key === "RTM_STUB_REDIS_KEY_PREFIX"),
    ),
  );
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(`invalid rtm stub configuration: ${problems.join("; ")}`);
  }
  const data = result.data;
  return {
    port: data.RTM_STUB_HTTP_PORT,
    host: data.RTM_STUB_HTTP_HOST,
    redisUrl: data.RTM_STUB_REDIS_URL,
    keyPrefix: data.RTM_STUB_REDIS_KEY_PREFIX,
    engineBaseUrl: data.RTM_STUB_ENGINE_BASE_URL,
    streams: {
      startJobs: data.RTM_STUB_START_JOBS_STREAM,
      jobResults: data.RTM_STUB_JOB_RESULTS_STREAM,
      healthEvents: data.RTM_STUB_HEALTH_EVENTS_STREAM,
      notificationIntents: data.RTM_STUB_NOTIFICATION_INTENTS_STREAM,
    },
    logLevel: data.LOG_LEVEL,
  };
}
