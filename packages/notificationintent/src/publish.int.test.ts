import { closeRedis, createRedis } from "@galaxy/redisconn";
import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decode,
  intents,
  NOTIFICATION_INTENTS_STREAM,
  type NotificationIntent,
  NotificationIntentError,
  publish,
} from "./index.js";

function toFields(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    fields[flat[i] as string] = flat[i + 1] as string;
  }
  return fields;
}

describe("publish to a real Redis stream", () => {
  let isolated: IsolatedRedis;
  let redis: Redis;

  beforeAll(async () => {
    isolated = await createIsolatedRedis("notificationintent");
    redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
  });

  afterAll(async () => {
    await closeRedis(redis);
    await isolated.cleanup();
  });

  it("XADDs an intent that decodes back to the same value", async () => {
    const turnReady = intents.gameTurnReady({
      producer: "gamemaster",
      gameId: "g-1",
      turnNumber: 5,
      recipientUserIds: ["u-1", "u-2"],
    });
    const failed = intents.runtimeImagePullFailed({
      producer: "rtmanager",
      gameId: "g-1",
      imageRef: "galaxy/game:9.9.9",
      errorCode: "image_pull_failed",
      errorMessage: "manifest unknown",
      attemptedAt: new Date(),
    });
    const first = await publish(redis, turnReady);
    const second = await publish(redis, failed);
    expect(first).toMatch(/^\d+-\d+$/);

    const entries = await redis.xrange(NOTIFICATION_INTENTS_STREAM, "-", "+");
    expect(entries.map(([id]) => id)).toEqual([first, second]);
    const decoded: NotificationIntent[] = entries.map(([, flat]) => decode(toFields(flat)));
    expect(decoded).toEqual([turnReady, failed]);
  });

  it("publishes on another stream when asked and writes nothing for an invalid intent", async () => {
    const intent = intents.gameFinished({
      producer: "gamemaster",
      gameId: "g-2",
      finalTurnNumber: 9,
      recipientUserIds: ["u-1"],
    });
    await publish(redis, intent, { stream: "custom:intents", maxLen: 100 });
    expect(await redis.xlen("custom:intents")).toBe(1);

    const broken = { ...intent, producer: "" } as NotificationIntent;
    await expect(publish(redis, broken, { stream: "custom:intents" })).rejects.toBeInstanceOf(
      NotificationIntentError,
    );
    expect(await redis.xlen("custom:intents")).toBe(1);
  });

  it("keeps the stream under the isolated key prefix", async () => {
    const unprefixed = createRedis({ url: isolated.url });
    try {
      expect(await unprefixed.xlen(`${isolated.keyPrefix}${NOTIFICATION_INTENTS_STREAM}`)).toBe(2);
    } finally {
      await closeRedis(unprefixed);
    }
  });
});
