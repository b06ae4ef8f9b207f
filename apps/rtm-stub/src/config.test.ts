import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

describe("rtm stub config", () => {
  it("uses the documented defaults", () => {
    expect(loadConfig({})).toEqual({
      port: 8091,
      host: "0.0.0.0",
      redisUrl: "redis://127.0.0.1:6379/0",
      keyPrefix: "",
      engineBaseUrl: "http://127.0.0.1:8090",
      streams: {
        startJobs: "runtime:start_jobs",
        jobResults: "runtime:job_results",
        healthEvents: "runtime:health_events",
        notificationIntents: "notification:intents",
      },
      logLevel: "info",
    });
  });

  it("reads every variable", () => {
    const config = loadConfig({
      RTM_STUB_HTTP_PORT: "9001",
      RTM_STUB_REDIS_URL: "redis://redis:6379/5",
      RTM_STUB_REDIS_KEY_PREFIX: "t1:",
      RTM_STUB_ENGINE_BASE_URL: "http://engine:8090",
      RTM_STUB_START_JOBS_STREAM: "a",
      RTM_STUB_JOB_RESULTS_STREAM: "b",
      RTM_STUB_HEALTH_EVENTS_STREAM: "c",
      RTM_STUB_NOTIFICATION_INTENTS_STREAM: "d",
      LOG_LEVEL: "warn",
    });
    expect(config).toMatchObject({
      port: 9001,
      redisUrl: "redis://redis:6379/5",
      keyPrefix: "t1:",
      engineBaseUrl: "http://engine:8090",
      streams: { startJobs: "a", jobResults: "b", healthEvents: "c", notificationIntents: "d" },
      logLevel: "warn",
    });
  });

  it("fails listing every bad variable", () => {
    expect(() =>
      loadConfig({
        RTM_STUB_HTTP_PORT: "99999",
        RTM_STUB_REDIS_URL: "http://nope",
        RTM_STUB_ENGINE_BASE_URL: "not a url",
      }),
    ).toThrow(/RTM_STUB_HTTP_PORT.*RTM_STUB_REDIS_URL.*RTM_STUB_ENGINE_BASE_URL/);
  });
});
