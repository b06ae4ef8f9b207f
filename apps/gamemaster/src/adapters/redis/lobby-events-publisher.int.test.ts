import { closeRedis, createRedis } from "@galaxy/redisconn";
import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LobbyEventType, RedisLobbyEventsPublisher } from "./lobby-events-publisher.js";

let isolation: IsolatedRedis;
let redis: Redis;

beforeAll(async () => {
  isolation = await createIsolatedRedis("gm_lobby_events");
  redis = createRedis({ url: isolation.url, keyPrefix: isolation.keyPrefix });
});

afterAll(async () => {
  await closeRedis(redis);
  await isolation.cleanup();
});

describe("RedisLobbyEventsPublisher", () => {
  it("appends both event types to the prefixed stream in order and counts them", async () => {
    const published: LobbyEventType[] = [];
    const publisher = new RedisLobbyEventsPublisher({
      redis,
      stream: "gm:lobby_events",
      onPublished: (type) => published.push(type),
    });
    const first = await publisher.publishSnapshotUpdate({
      gameId: "g1",
      currentTurn: 0,
      runtimeStatus: "running",
      engineHealthSummary: "",
      playerTurnStats: [{ userId: "u1", planets: 1, population: 100 }],
      occurredAt: new Date(1000),
    });
    const second = await publisher.publishGameFinished({
      gameId: "g1",
      finalTurnNumber: 3,
      runtimeStatus: "finished",
      playerTurnStats: [],
      finishedAt: new Date(2000),
    });
    expect(published).toEqual(["runtime_snapshot_update", "game_finished"]);
    const entries = await redis.xrange("gm:lobby_events", "-", "+");
    expect(entries.map(([id]) => id)).toEqual([first, second]);
    expect(entries[1]?.[1]).toEqual([
      "event_type",
      "game_finished",
      "game_id",
      "g1",
      "final_turn_number",
      "3",
      "runtime_status",
      "finished",
      "player_turn_stats",
      "[]",
      "finished_at_ms",
      "2000",
    ]);
    // The key really carries the isolation prefix (nothing leaks to the shared stream).
    const raw = createRedis({ url: isolation.url });
    try {
      expect(await raw.xlen(`${isolation.keyPrefix}gm:lobby_events`)).toBe(2);
    } finally {
      await closeRedis(raw);
    }
  });
});
