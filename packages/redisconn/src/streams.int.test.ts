import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, createRedis } from "./client.js";
import { createStreamOffsetStore, xaddFlat } from "./streams.js";

let isolated: IsolatedRedis;
let redis: Redis;

beforeAll(async () => {
  isolated = await createIsolatedRedis("redisconn-streams");
  redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
});

afterAll(async () => {
  await closeRedis(redis);
  await isolated.cleanup();
});

describe("xaddFlat", () => {
  it("adds a flat string record and returns its id", async () => {
    const id = await xaddFlat(redis, "flat", { game_id: "g-1", player_turn_stats: "[]" });
    expect(id).toMatch(/^\d+-\d+$/);
    expect(await redis.xrange("flat", id, id)).toEqual([
      [id, ["game_id", "g-1", "player_turn_stats", "[]"]],
    ]);
  });

  it("trims approximately to maxLen, never below it", async () => {
    for (let i = 0; i < 1_000; i++) {
      await xaddFlat(redis, "trimmed", { i: String(i) }, { maxLen: 100 });
    }
    const length = await redis.xlen("trimmed");
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(1_000);
    // The newest entries are the ones kept.
    const [last] = await redis.xrevrange("trimmed", "+", "-", "COUNT", 1);
    expect(last?.[1]).toEqual(["i", "999"]);
  });

  it("caps at 10 000 entries by default", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 10_200; i++) {
      pipeline.xadd("default-cap", "*", "i", String(i));
    }
    await pipeline.exec();
    await xaddFlat(redis, "default-cap", { i: "last" });
    const length = await redis.xlen("default-cap");
    expect(length).toBeGreaterThanOrEqual(10_000);
    expect(length).toBeLessThan(10_201);
  });

  it("rejects an empty record and a bad maxLen", async () => {
    await expect(xaddFlat(redis, "flat", {})).rejects.toThrow(/at least one field/);
    await expect(xaddFlat(redis, "flat", { a: "1" }, { maxLen: 0 })).rejects.toThrow(/maxLen/);
    await expect(xaddFlat(redis, "flat", { a: "1" }, { maxLen: 1.5 })).rejects.toThrow(/maxLen/);
  });
});

describe("createStreamOffsetStore", () => {
  it("loads null before anything is saved, then the saved id, per label", async () => {
    const offsets = createStreamOffsetStore(redis);
    expect(await offsets.load("health_events")).toBeNull();
    await offsets.save("health_events", "1-1");
    await offsets.save("health_events", "5-0");
    await offsets.save("lobby_events", "2-0");
    expect(await offsets.load("health_events")).toBe("5-0");
    expect(await offsets.load("lobby_events")).toBe("2-0");
    expect(await redis.get("stream_offsets:health_events")).toBe("5-0");
  });
});
