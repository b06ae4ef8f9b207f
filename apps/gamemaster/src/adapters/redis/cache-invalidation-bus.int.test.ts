import { closeRedis, createRedis } from "@galaxy/redisconn";
import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../../test/support/fakes.js";
import type {
  CacheInvalidation,
  CacheInvalidationHandler,
} from "../../ports/cache-invalidation.js";
import {
  type CacheInvalidationSubscriber,
  RedisCacheInvalidationPublisher,
  startCacheInvalidationSubscriber,
} from "./cache-invalidation-bus.js";

// Two replicas' worth of publisher and subscriber on the real Redis server.

let isolation: IsolatedRedis;
let channel: string;
const opened: Redis[] = [];
const subscribers: CacheInvalidationSubscriber[] = [];

function connect(name: string): Redis {
  const redis = createRedis({
    url: isolation.url,
    keyPrefix: isolation.keyPrefix,
    connectionName: `${isolation.keyPrefix}${name}`,
  });
  opened.push(redis);
  return redis;
}

class Recorder implements CacheInvalidationHandler {
  readonly applied: CacheInvalidation[] = [];
  resyncs = 0;
  apply(invalidation: CacheInvalidation): void {
    this.applied.push(invalidation);
  }
  resync(): void {
    this.resyncs += 1;
  }
}

async function replica(instanceId: string) {
  const handler = new Recorder();
  const subscriber = startCacheInvalidationSubscriber({
    redis: connect(`${instanceId}-sub`),
    channel,
    instanceId,
    handler,
    logger: new MemoryLogger(),
  });
  subscribers.push(subscriber);
  await subscriber.firstSubscription;
  const publisher = new RedisCacheInvalidationPublisher({
    redis: connect(`${instanceId}-pub`),
    channel,
    instanceId,
    logger: new MemoryLogger(),
  });
  return { handler, subscriber, publisher };
}

async function until(what: string, check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  isolation = await createIsolatedRedis("gm_cache_bus");
  // Redis applies neither key prefixes nor database indexes to channels: the prefix goes in by hand.
  channel = `${isolation.keyPrefix}gm:cache_invalidations`;
});

afterEach(async () => {
  for (const subscriber of subscribers.splice(0)) subscriber.stop();
  await Promise.all(opened.splice(0).map((redis) => closeRedis(redis)));
});

afterAll(async () => {
  await isolation.cleanup();
});

describe("Redis cache invalidation bus", () => {
  it("delivers an invalidation to every other replica, not back to its sender", async () => {
    const a = await replica("gm-a");
    const b = await replica("gm-b");
    const c = await replica("gm-c");
    a.publisher.publish({ kind: "membership", gameId: "g1" });
    a.publisher.publish({ kind: "runtime", gameId: "g1" });
    b.publisher.publish({ kind: "runtime_all" });
    await until("c to hear three", () => c.handler.applied.length === 3);
    await until("b to hear two", () => b.handler.applied.length === 2);
    await until("a to hear one", () => a.handler.applied.length === 1);
    // Runtime invalidations leave at the end of their tick (batched), the others at once.
    expect(c.handler.applied).toHaveLength(3);
    expect(c.handler.applied).toEqual(
      expect.arrayContaining([
        { kind: "membership", gameId: "g1" },
        { kind: "runtime", gameId: "g1" },
        { kind: "runtime_all" },
      ]),
    );
    expect(b.handler.applied).toEqual([
      { kind: "membership", gameId: "g1" },
      { kind: "runtime", gameId: "g1" },
    ]);
    expect(a.handler.applied).toEqual([{ kind: "runtime_all" }]);
  });

  it("sends the runtime invalidations of one tick as one message (a batch of turns)", async () => {
    const a = await replica("gm-a");
    const b = await replica("gm-b");
    for (const gameId of ["g1", "g2", "g3", "g2"]) {
      a.publisher.publish({ kind: "runtime", gameId });
    }
    await until("b to hear the batch", () => b.handler.applied.length === 1);
    expect(b.handler.applied).toEqual([{ kind: "runtimes", gameIds: ["g1", "g2", "g3"] }]);
  });

  it("does not hear another deployment's channel", async () => {
    const a = await replica("gm-a");
    const elsewhere = connect("other-deployment");
    await elsewhere.publish(
      `${isolation.keyPrefix}other:gm:cache_invalidations`,
      JSON.stringify({ v: 1, from: "x", kind: "runtime_all" }),
    );
    const b = await replica("gm-b");
    b.publisher.publish({ kind: "runtime", gameId: "g9" });
    await until("a to hear b", () => a.handler.applied.length === 1);
    expect(a.handler.applied).toEqual([{ kind: "runtime", gameId: "g9" }]);
  });

  it("drops every view when the subscription is lost and again once it is back, then hears broadcasts again", async () => {
    const a = await replica("gm-a");
    const b = await replica("gm-b");
    expect(a.handler.resyncs).toBe(1); // the first subscription
    const admin = connect("admin");
    const clients = (await admin.client("LIST")) as string;
    const line = clients
      .split("\n")
      .find((entry) => entry.includes(`name=${isolation.keyPrefix}gm-a-sub `));
    const id = /id=(\d+)/.exec(line ?? "")?.[1];
    expect(id).toBeDefined();
    await admin.client("KILL", "ID", id ?? "");
    await until(
      "a to resubscribe",
      () => a.handler.resyncs === 3 && a.subscriber.subscribed,
      5_000,
    );
    b.publisher.publish({ kind: "membership", gameId: "g2" });
    await until("a to hear b after the reconnect", () => a.handler.applied.length === 1);
    expect(a.handler.applied).toEqual([{ kind: "membership", gameId: "g2" }]);
  });

  it("drops every view on a message it cannot read (a newer replica's format)", async () => {
    const a = await replica("gm-a");
    const before = a.handler.resyncs;
    await connect("newer").publish(channel, JSON.stringify({ v: 2, kind: "something_new" }));
    await until("a to resync", () => a.handler.resyncs === before + 1);
    expect(a.handler.applied).toEqual([]);
  });
});
