import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseDurationMs } from "./config.js";

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    expect(loadConfig({})).toEqual({
      httpPort: 8092,
      gmBaseUrl: "http://127.0.0.1:8080",
      gmTimeoutMs: 5_000,
      redisUrl: "redis://127.0.0.1:6379/0",
      redisKeyPrefix: "",
      startJobsStream: "runtime:start_jobs",
      jobResultsStream: "runtime:job_results",
      gmEventsStream: "gm:lobby_events",
      notificationIntentsStream: "notification:intents",
      logLevel: "info",
    });
  });

  it("reads every variable and trims a trailing slash off the GM URL", () => {
    const config = loadConfig({
      LOBBY_STUB_HTTP_PORT: "9000",
      LOBBY_STUB_GM_BASE_URL: "http://gm:8080/",
      LOBBY_STUB_GM_TIMEOUT: "1500ms",
      LOBBY_STUB_REDIS_URL: "redis://redis:6379/5",
      LOBBY_STUB_REDIS_KEY_PREFIX: "t1:",
      LOBBY_STUB_START_JOBS_STREAM: "a",
      LOBBY_STUB_JOB_RESULTS_STREAM: "b",
      LOBBY_STUB_GM_EVENTS_STREAM: "c",
      LOBBY_STUB_NOTIFICATION_INTENTS_STREAM: "d",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      httpPort: 9000,
      gmBaseUrl: "http://gm:8080",
      gmTimeoutMs: 1_500,
      redisUrl: "redis://redis:6379/5",
      redisKeyPrefix: "t1:",
      startJobsStream: "a",
      jobResultsStream: "b",
      gmEventsStream: "c",
      notificationIntentsStream: "d",
      logLevel: "debug",
    });
  });

  it("lists every bad variable at once", () => {
    let caught: unknown;
    try {
      loadConfig({
        LOBBY_STUB_HTTP_PORT: "http",
        LOBBY_STUB_GM_TIMEOUT: "soon",
        LOBBY_STUB_REDIS_URL: "localhost:6379",
        LOG_LEVEL: "loud",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const text = (caught as ConfigError).message;
    for (const name of [
      "LOBBY_STUB_HTTP_PORT",
      "LOBBY_STUB_GM_TIMEOUT",
      "LOBBY_STUB_REDIS_URL",
      "LOG_LEVEL",
    ]) {
      expect(text).toContain(name);
    }
  });
});

describe("parseDurationMs", () => {
  it.each([
    ["5s", 5_000],
    ["250ms", 250],
    ["1m30s", 90_000],
    ["1.5s", 1_500],
    ["750", 750],
  ])("parses %s", (input, expected) => {
    expect(parseDurationMs(input)).toBe(expected);
  });

  it.each(["", "s", "5 s", "five", "5d", "-1s"])("rejects %j", (input) => {
    expect(parseDurationMs(input)).toBeNull();
  });
});
