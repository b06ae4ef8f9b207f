import { createIsolatedRedis, freePort, type IsolatedRedis } from "@galaxy/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeRedis, createRedis, pingRedis } from "./client.js";
import { xaddFlat } from "./streams.js";

let isolated: IsolatedRedis;

beforeAll(async () => {
  isolated = await createIsolatedRedis("redisconn-client");
});

afterAll(async () => {
  await isolated.cleanup();
});

function withDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

describe("createRedis", () => {
  it("honours the database index of the URL", async () => {
    const redis = createRedis({ url: withDb(isolated.url, 7), keyPrefix: isolated.keyPrefix });
    const db0 = new Redis(withDb(isolated.url, 0));
    try {
      await redis.set("db-marker", "seven");
      expect(redis.options.db).toBe(7);
      expect(await db0.get(`${isolated.keyPrefix}db-marker`)).toBeNull();
      const db7 = new Redis(withDb(isolated.url, 7));
      expect(await db7.get(`${isolated.keyPrefix}db-marker`)).toBe("seven");
      await db7.del(`${isolated.keyPrefix}db-marker`);
      db7.disconnect();
    } finally {
      db0.disconnect();
      await closeRedis(redis);
    }
  });

  it("sets the connection name and applies the defaults", async () => {
    const redis = createRedis({ url: isolated.url, connectionName: "galaxy-test" });
    try {
      expect(await redis.client("GETNAME")).toBe("galaxy-test");
      expect(redis.options.maxRetriesPerRequest).toBe(10);
      expect(redis.options.connectTimeout).toBe(5_000);
      expect(redis.options.enableOfflineQueue).toBe(true);
      expect(redis.options.retryStrategy?.(3)).toBe(200);
    } finally {
      await closeRedis(redis);
    }
  });

  it("times a command out with commandTimeoutMs", async () => {
    const redis = createRedis({
      url: isolated.url,
      keyPrefix: isolated.keyPrefix,
      commandTimeoutMs: 100,
    });
    try {
      await expect(redis.blpop("never-filled", 1)).rejects.toThrow(/timed out/i);
    } finally {
      await closeRedis(redis);
    }
  });

  it("reports connection errors to onError and keeps retrying instead of crashing", async () => {
    const onError = vi.fn();
    const port = await freePort();
    const redis = createRedis({ url: `redis://127.0.0.1:${port}`, onError });
    try {
      await vi.waitFor(() => expect(onError.mock.calls.length).toBeGreaterThanOrEqual(2));
      expect(["connecting", "reconnecting", "connect"]).toContain(redis.status);
    } finally {
      await closeRedis(redis);
    }
    // Closed: no further reconnect attempts.
    const calls = onError.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(onError.mock.calls.length).toBe(calls);
  });
});

describe("keyPrefix", () => {
  it("prefixes plain and stream keys, XREAD STREAMS included", async () => {
    const redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
    const raw = new Redis(isolated.url);
    try {
      const id = await xaddFlat(redis, "events", { a: "1" });
      expect(await raw.type(`${isolated.keyPrefix}events`)).toBe("stream");
      expect(await raw.exists("events")).toBe(0);
      expect(await redis.xlen("events")).toBe(1);
      expect(await redis.xrange("events", "-", "+")).toEqual([[id, ["a", "1"]]]);
      const read = await redis.xread("COUNT", 10, "STREAMS", "events", "0");
      expect(read?.[0]?.[1]).toEqual([[id, ["a", "1"]]]);
      await redis.set("plain", "x");
      expect(await raw.get(`${isolated.keyPrefix}plain`)).toBe("x");
    } finally {
      raw.disconnect();
      await closeRedis(redis);
    }
  });

  it("keeps two prefixes on one server apart", async () => {
    const other = await createIsolatedRedis("redisconn-other");
    const a = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
    const b = createRedis({ url: other.url, keyPrefix: other.keyPrefix });
    try {
      await xaddFlat(a, "shared-name", { from: "a" });
      await a.set("k", "a");
      expect(await b.xlen("shared-name")).toBe(0);
      expect(await b.xread("STREAMS", "shared-name", "0")).toBeNull();
      expect(await b.get("k")).toBeNull();
      await xaddFlat(b, "shared-name", { from: "b" });
      expect(await a.xlen("shared-name")).toBe(1);
    } finally {
      await closeRedis(a);
      await closeRedis(b);
      await other.cleanup();
    }
  });
});

describe("pingRedis", () => {
  it("is true on a live client", async () => {
    const redis = createRedis({ url: isolated.url });
    try {
      expect(await pingRedis(redis)).toBe(true);
    } finally {
      await closeRedis(redis);
    }
  });

  it("is false, without throwing, within the timeout when Redis is not there", async () => {
    const port = await freePort();
    const redis = createRedis({ url: `redis://127.0.0.1:${port}` });
    try {
      const started = Date.now();
      expect(await pingRedis(redis, 300)).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await closeRedis(redis);
    }
  });

  it("is false on a closed client", async () => {
    const redis = createRedis({ url: isolated.url });
    await closeRedis(redis);
    expect(await pingRedis(redis)).toBe(false);
  });
});

describe("closeRedis", () => {
  it("is idempotent and delivers pending replies first", async () => {
    const redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
    const pending = redis.set("before-close", "1");
    await Promise.all([closeRedis(redis), closeRedis(redis)]);
    await closeRedis(redis);
    expect(await pending).toBe("OK");
    expect(redis.status).toBe("end");
  });

  it("closes a lazy client that never connected", async () => {
    const redis = createRedis({ url: isolated.url, lazyConnect: true });
    await closeRedis(redis);
    expect(redis.status).toBe("end");
  });
});
