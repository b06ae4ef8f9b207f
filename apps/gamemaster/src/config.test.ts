import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import {
  CONFIG_VARIABLES,
  ConfigError,
  loadConfig,
  parseGoDuration,
  SHUTDOWN_MARGIN_MS,
} from "./config.js";

const required = {
  GAMEMASTER_POSTGRES_URL: "postgres://postgres@127.0.0.1:5432/gm",
  GAMEMASTER_REDIS_URL: "redis://127.0.0.1:6379/5",
  GAMEMASTER_LOBBY_BASE_URL: "http://lobby:8081",
  GAMEMASTER_RTM_BASE_URL: "http://rtm:8082",
};

function issuesOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.issues;
    }
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseGoDuration", () => {
  it.each([
    ["0", 0],
    ["500ms", 500],
    ["30s", 30_000],
    ["1m", 60_000],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1.5s", 1_500],
    ["2h45m", 9_900_000],
    ["1500us", 1.5],
    ["1000000ns", 1],
  ])("%s → %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(["", "5", "s", "1x", "-1s", "+1s", "1 s", "1s ", "1d", "ms"])("refuses %j", (text) => {
    expect(parseGoDuration(text)).toBeNull();
  });
});

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig(required, { hostname: "gm-7f9c", pid: 4242 });
    expect(config).toEqual({
      httpPort: 8080,
      postgres: { url: required.GAMEMASTER_POSTGRES_URL, maxConnections: 10 },
      redis: { url: required.GAMEMASTER_REDIS_URL, keyPrefix: "" },
      lobbyBaseUrl: "http://lobby:8081",
      rtmBaseUrl: "http://rtm:8082",
      rtmTimeoutMs: 30_000,
      engine: { timeoutMs: 5_000, turnTimeoutMs: 60_000 },
      scheduler: {
        intervalMs: 1_000,
        concurrency: 256,
        leaseMs: 15_000,
        recoveryIntervalMs: 2_000,
      },
      membershipCache: { ttlMs: 30_000, maxGames: 10_000 },
      lobbyTimeoutMs: 2_000,
      runtimeCacheTtlMs: 5_000,
      streams: {
        lobbyEvents: "gm:lobby_events",
        notificationIntents: "notification:intents",
        healthEvents: "runtime:health_events",
      },
      healthEventsConsumer: { group: "gamemaster", claimIdleMs: 30_000 },
      outbox: { retentionMs: 7 * 24 * 60 * 60 * 1000, batchSize: 500, pollIntervalMs: 1_000 },
      logLevel: "info",
      // The turn timeout (60 s) plus the margin: a turn in flight at SIGTERM can finish.
      shutdownTimeoutMs: 75_000,
      maxBodyBytes: 1_048_576,
      instanceId: "gm-7f9c:4242",
      cacheInvalidationChannel: "gm:cache_invalidations",
      heapGrowingPercent: 50,
    });
  });

  it("derives the default shutdown budget from the turn timeout, always above it", () => {
    for (const turnTimeout of ["1s", "60s", "5m"]) {
      const config = loadConfig({ ...required, GAMEMASTER_ENGINE_TURN_TIMEOUT: turnTimeout });
      expect(config.shutdownTimeoutMs).toBe(config.engine.turnTimeoutMs + SHUTDOWN_MARGIN_MS);
      expect(config.shutdownTimeoutMs).toBeGreaterThan(config.engine.turnTimeoutMs);
    }
  });

  it("defaults the instance id to hostname and pid, and refuses one unfit for a label", () => {
    expect(loadConfig(required).instanceId).toBe(`${hostname()}:${process.pid}`);
    expect(loadConfig({ ...required, GAMEMASTER_INSTANCE_ID: "gm-a" }).instanceId).toBe("gm-a");
    expect(issuesOf({ ...required, GAMEMASTER_INSTANCE_ID: "gm a" })[0]).toMatch(
      /^GAMEMASTER_INSTANCE_ID: may hold only/,
    );
    expect(issuesOf({ ...required, GAMEMASTER_INSTANCE_ID: "x".repeat(129) })[0]).toMatch(
      /^GAMEMASTER_INSTANCE_ID: must be at most 128/,
    );
  });

  it("puts the key prefix in front of the invalidation channel (Redis does not prefix channels)", () => {
    const config = loadConfig({
      ...required,
      GAMEMASTER_REDIS_KEY_PREFIX: "test:x:",
      GAMEMASTER_CACHE_INVALIDATION_CHANNEL: "inv",
    });
    expect(config.cacheInvalidationChannel).toBe("test:x:inv");
  });

  it("reads every variable", () => {
    const config = loadConfig({
      ...required,
      GAMEMASTER_HTTP_PORT: "9090",
      GAMEMASTER_POSTGRES_MAX_CONNECTIONS: "4",
      GAMEMASTER_REDIS_KEY_PREFIX: "test:",
      GAMEMASTER_ENGINE_TIMEOUT: "750ms",
      GAMEMASTER_ENGINE_TURN_TIMEOUT: "2m",
      GAMEMASTER_SCHEDULER_INTERVAL: "250ms",
      GAMEMASTER_SCHEDULER_CONCURRENCY: "3",
      GAMEMASTER_MEMBERSHIP_CACHE_TTL: "1m30s",
      GAMEMASTER_MEMBERSHIP_CACHE_MAX_GAMES: "50",
      GAMEMASTER_LOBBY_TIMEOUT: "300ms",
      GAMEMASTER_RUNTIME_CACHE_TTL: "0",
      GAMEMASTER_RTM_TIMEOUT: "45s",
      GAMEMASTER_LOBBY_EVENTS_STREAM: "a",
      GAMEMASTER_NOTIFICATION_INTENTS_STREAM: "b",
      GAMEMASTER_HEALTH_EVENTS_STREAM: "c",
      GAMEMASTER_HEALTH_EVENTS_GROUP: "gm-blue",
      GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE: "1m",
      GAMEMASTER_LOG_LEVEL: "DEBUG",
      GAMEMASTER_SHUTDOWN_TIMEOUT: "5s",
      GAMEMASTER_MAX_BODY_BYTES: "2048",
      GAMEMASTER_TURN_LEASE: "9s",
      GAMEMASTER_RECOVERY_INTERVAL: "500ms",
    });
    expect(config.httpPort).toBe(9090);
    expect(config.postgres.maxConnections).toBe(4);
    expect(config.redis.keyPrefix).toBe("test:");
    expect(config.engine).toEqual({ timeoutMs: 750, turnTimeoutMs: 120_000 });
    expect(config.scheduler).toEqual({
      intervalMs: 250,
      concurrency: 3,
      leaseMs: 9_000,
      recoveryIntervalMs: 500,
    });
    expect(config.membershipCache).toEqual({ ttlMs: 90_000, maxGames: 50 });
    expect(config.lobbyTimeoutMs).toBe(300);
    expect(config.runtimeCacheTtlMs).toBe(0);
    expect(config.rtmTimeoutMs).toBe(45_000);
    expect(config.streams).toEqual({
      lobbyEvents: "a",
      notificationIntents: "b",
      healthEvents: "c",
    });
    expect(config.healthEventsConsumer).toEqual({ group: "gm-blue", claimIdleMs: 60_000 });
    expect(config.logLevel).toBe("debug");
    expect(config.shutdownTimeoutMs).toBe(5_000);
    expect(config.maxBodyBytes).toBe(2048);
  });

  it("treats an empty value as unset", () => {
    expect(loadConfig({ ...required, GAMEMASTER_HTTP_PORT: "" }).httpPort).toBe(8080);
  });

  it("names every missing required variable at once", () => {
    const issues = issuesOf({});
    expect(issues.map((issue) => issue.split(":")[0])).toEqual([
      "GAMEMASTER_POSTGRES_URL",
      "GAMEMASTER_REDIS_URL",
      "GAMEMASTER_LOBBY_BASE_URL",
      "GAMEMASTER_RTM_BASE_URL",
    ]);
    for (const issue of issues) {
      expect(issue).toMatch(/is required/);
    }
  });

  it("names every bad variable with its reason", () => {
    const issues = issuesOf({
      ...required,
      GAMEMASTER_HTTP_PORT: "80a",
      GAMEMASTER_POSTGRES_URL: "mysql://x",
      GAMEMASTER_REDIS_URL: "not a url",
      GAMEMASTER_ENGINE_TIMEOUT: "5",
      GAMEMASTER_ENGINE_TURN_TIMEOUT: "0",
      GAMEMASTER_SCHEDULER_CONCURRENCY: "0",
      GAMEMASTER_LOG_LEVEL: "loud",
      GAMEMASTER_SHUTDOWN_TIMEOUT: "soon",
      GAMEMASTER_MAX_BODY_BYTES: "-1",
      GAMEMASTER_LOBBY_EVENTS_STREAM: "   ",
      GAMEMASTER_HEALTH_EVENTS_GROUP: " ",
      GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE: "5ms",
    });
    const byName = new Map(
      issues.map((issue) => [issue.slice(0, issue.indexOf(":")), issue] as const),
    );
    expect([...byName.keys()].sort()).toEqual(
      [
        "GAMEMASTER_HTTP_PORT",
        "GAMEMASTER_POSTGRES_URL",
        "GAMEMASTER_REDIS_URL",
        "GAMEMASTER_ENGINE_TIMEOUT",
        "GAMEMASTER_ENGINE_TURN_TIMEOUT",
        "GAMEMASTER_SCHEDULER_CONCURRENCY",
        "GAMEMASTER_LOG_LEVEL",
        "GAMEMASTER_SHUTDOWN_TIMEOUT",
        "GAMEMASTER_MAX_BODY_BYTES",
        "GAMEMASTER_LOBBY_EVENTS_STREAM",
        "GAMEMASTER_HEALTH_EVENTS_GROUP",
        "GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE",
      ].sort(),
    );
    expect(byName.get("GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE")).toContain("at least 10ms");
    expect(byName.get("GAMEMASTER_HTTP_PORT")).toContain("integer between 0 and 65535");
    expect(byName.get("GAMEMASTER_POSTGRES_URL")).toContain("postgres or postgresql");
    expect(byName.get("GAMEMASTER_ENGINE_TIMEOUT")).toContain("not a duration");
    expect(byName.get("GAMEMASTER_ENGINE_TURN_TIMEOUT")).toContain("at least 1ms");
    expect(byName.get("GAMEMASTER_LOG_LEVEL")).toContain("must be one of");
  });

  it("lists the variables of docs/reference.md#configuration", () => {
    expect(CONFIG_VARIABLES).toEqual(
      expect.arrayContaining([
        "GAMEMASTER_HTTP_PORT",
        "GAMEMASTER_POSTGRES_URL",
        "GAMEMASTER_POSTGRES_MAX_CONNECTIONS",
        "GAMEMASTER_REDIS_URL",
        "GAMEMASTER_LOBBY_BASE_URL",
        "GAMEMASTER_RTM_BASE_URL",
        "GAMEMASTER_ENGINE_TIMEOUT",
        "GAMEMASTER_ENGINE_TURN_TIMEOUT",
        "GAMEMASTER_SCHEDULER_INTERVAL",
        "GAMEMASTER_SCHEDULER_CONCURRENCY",
        "GAMEMASTER_MEMBERSHIP_CACHE_TTL",
        "GAMEMASTER_MEMBERSHIP_CACHE_MAX_GAMES",
        "GAMEMASTER_LOBBY_EVENTS_STREAM",
        "GAMEMASTER_NOTIFICATION_INTENTS_STREAM",
        "GAMEMASTER_HEALTH_EVENTS_STREAM",
        "GAMEMASTER_HEALTH_EVENTS_GROUP",
        "GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE",
        "GAMEMASTER_LOG_LEVEL",
        "GAMEMASTER_SHUTDOWN_TIMEOUT",
      ]),
    );
  });
});
