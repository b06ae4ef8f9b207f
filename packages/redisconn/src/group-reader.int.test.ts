import { createIsolatedRedis, type IsolatedRedis, startTcpProxy } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeRedis, createRedis } from "./client.js";
import {
  type GroupClaimPass,
  type GroupReader,
  type GroupReaderOptions,
  startGroupReader,
} from "./group-reader.js";
import { type StreamEntry, xaddFlat } from "./streams.js";

let isolated: IsolatedRedis;
let redis: Redis;
const started: GroupReader[] = [];
let streamCounter = 0;

beforeAll(async () => {
  isolated = await createIsolatedRedis("redisconn-group");
  redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((reader) => reader.stop()));
});

afterAll(async () => {
  await closeRedis(redis);
  await isolated.cleanup();
});

function freshStream(): string {
  streamCounter += 1;
  return `group-events-${streamCounter}`;
}

function quietLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

function connection(name?: string): Redis {
  return createRedis({
    url: isolated.url,
    keyPrefix: isolated.keyPrefix,
    ...(name === undefined ? {} : { connectionName: name }),
  });
}

function start(
  options: Omit<GroupReaderOptions, "redis" | "group" | "consumer"> & Partial<GroupReaderOptions>,
): GroupReader {
  const reader = startGroupReader({
    group: "workers",
    consumer: "c1",
    blockMs: 100,
    retryDelayMs: 20,
    ...options,
    redis: options.redis ?? connection(),
  });
  started.push(reader);
  return reader;
}

async function publish(stream: string, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = from; n <= to; n++) {
    ids.push(await xaddFlat(redis, stream, { n: String(n) }));
  }
  return ids;
}

/** A TCP proxy to the test Redis that a test can cut (an outage) and restore. */
async function proxyToRedis() {
  const target = new URL(isolated.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const url = new URL(isolated.url);
  url.port = String(proxy.port);
  return Object.assign(proxy, { url: url.toString() });
}

function numbers(entries: StreamEntry[]): number[] {
  return entries.map((entry) => Number(entry.fields.n));
}

/** Pending count of the group (XPENDING summary). */
async function pendingCount(stream: string, group = "workers"): Promise<number> {
  const [count] = (await redis.xpending(stream, group)) as [number];
  return Number(count);
}

/** Delivers entries to `consumer` without ever acknowledging them: a consumer that then dies. */
async function readAsDeadConsumer(stream: string, consumer: string, group = "workers") {
  await redis.xgroup("CREATE", isolated.keyPrefix + stream, group, "0", "MKSTREAM").catch(() => {});
  const reply = (await redis.xreadgroup(
    "GROUP",
    group,
    consumer,
    "COUNT",
    100,
    "STREAMS",
    stream,
    ">",
  )) as [string, [string, string[]][]][] | null;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

describe("startGroupReader", () => {
  it("creates the group with its stream, handles entries in order and acks each after its handler", async () => {
    const stream = freshStream();
    const seen: StreamEntry[] = [];
    const pendingWhileHandling: number[] = [];
    const logger = quietLogger();
    start({
      stream,
      count: 2,
      logger,
      async handle(entry) {
        pendingWhileHandling.push(await pendingCount(stream));
        seen.push(entry);
      },
    });
    // MKSTREAM: the group exists before anything is published (XGROUP is prefixed by hand).
    await vi.waitFor(async () => {
      const groups = (await redis.xinfo("GROUPS", isolated.keyPrefix + stream)) as unknown[][];
      expect(groups.map((group) => group[1])).toEqual(["workers"]);
    });
    expect(logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ stream, group: "workers", start_id: "0" }),
      "consumer group created",
    );
    const ids = await publish(stream, 1, 5);
    await vi.waitFor(() => expect(seen).toHaveLength(5));
    expect(numbers(seen)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.map((entry) => entry.id)).toEqual(ids);
    // The entry in hand is pending (with whatever else its batch holds) until its handler resolved.
    expect(pendingWhileHandling.every((n) => n >= 1)).toBe(true);
    await vi.waitFor(async () => expect(await pendingCount(stream)).toBe(0));
  });

  it("two consumers of one group handle every entry exactly once between them", async () => {
    const stream = freshStream();
    const byConsumer: Record<string, number[]> = { a: [], b: [] };
    for (const consumer of ["a", "b"] as const) {
      start({
        stream,
        consumer,
        count: 1,
        async handle(entry) {
          byConsumer[consumer]?.push(Number(entry.fields.n));
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      });
    }
    // Both readers block before anything is published.
    await vi.waitFor(async () => {
      const consumers = (await redis.xinfo(
        "CONSUMERS",
        isolated.keyPrefix + stream,
        "workers",
      )) as unknown[][];
      expect(consumers).toHaveLength(2);
    });
    for (let n = 1; n <= 40; n += 1) {
      await publish(stream, n, n);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await vi.waitFor(() =>
      expect((byConsumer.a?.length ?? 0) + (byConsumer.b?.length ?? 0)).toBe(40),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const all = [...(byConsumer.a ?? []), ...(byConsumer.b ?? [])].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(byConsumer.a?.length).toBeGreaterThan(0);
    expect(byConsumer.b?.length).toBeGreaterThan(0);
    // Each reader sees its share in stream order.
    for (const share of Object.values(byConsumer)) {
      expect(share).toEqual([...share].sort((x, y) => x - y));
    }
    expect(await pendingCount(stream)).toBe(0);
  });

  it("re-reads its own pending entries first after a restart under the same name", async () => {
    const stream = freshStream();
    await publish(stream, 1, 3);
    // A previous life of consumer c1 read 1..3 and died before acknowledging them.
    expect(await readAsDeadConsumer(stream, "c1")).toHaveLength(3);
    await publish(stream, 4, 5);
    const seen: number[] = [];
    start({
      stream,
      claimIdleMs: 60_000,
      handle: async (entry) => void seen.push(Number(entry.fields.n)),
    });
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3, 4, 5]));
    await vi.waitFor(async () => expect(await pendingCount(stream)).toBe(0));
  });

  it("claims the pending entries of a dead consumer once they are idle longer than claimIdleMs", async () => {
    const stream = freshStream();
    await publish(stream, 1, 3);
    const strandedAt = Date.now();
    const stranded = await readAsDeadConsumer(stream, "dead");
    expect(stranded).toHaveLength(3);
    const seen: Array<{ n: number; at: number }> = [];
    const passes: GroupClaimPass[] = [];
    const logger = quietLogger();
    start({
      stream,
      consumer: "alive",
      claimIdleMs: 400,
      claimIntervalMs: 50,
      logger,
      onClaimPass: (pass) => passes.push(pass),
      handle: async (entry) => void seen.push({ n: Number(entry.fields.n), at: Date.now() }),
    });
    await publish(stream, 4, 4);
    await vi.waitFor(() => expect(seen.map((s) => s.n)).toEqual([4]));
    await vi.waitFor(() => expect(seen.map((s) => s.n)).toEqual([4, 1, 2, 3]), {
      timeout: 3_000,
    });
    // Not before they were idle for claimIdleMs.
    expect(seen[1]?.at).toBeGreaterThanOrEqual(strandedAt + 400);
    await vi.waitFor(async () => expect(await pendingCount(stream)).toBe(0));
    expect(passes.reduce((sum, pass) => sum + pass.claimed, 0)).toBe(3);
    await vi.waitFor(() => expect(passes.at(-1)?.pending).toBe(0));
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ claimed: 3, first_entry_id: stranded[0] }),
      "claimed stream entries of an idle consumer",
    );
  });

  it("a consumer stopped with entries pending leaves them to another, which claims them", async () => {
    const stream = freshStream();
    await publish(stream, 1, 4);
    const first: number[] = [];
    const a = start({
      stream,
      consumer: "a",
      count: 10,
      async handle(entry) {
        first.push(Number(entry.fields.n));
        if (first.length === 2) {
          // Stopped mid-batch: 2 is finished and acked, 3 and 4 were read and stay pending.
          void a.stop();
        }
      },
    });
    await a.done;
    expect(first).toEqual([1, 2]);
    expect(await pendingCount(stream)).toBe(2);
    const second: number[] = [];
    start({
      stream,
      consumer: "b",
      claimIdleMs: 200,
      claimIntervalMs: 50,
      handle: async (entry) => void second.push(Number(entry.fields.n)),
    });
    await vi.waitFor(() => expect(second).toEqual([3, 4]), { timeout: 3_000 });
    await vi.waitFor(async () => expect(await pendingCount(stream)).toBe(0));
  });

  it("leaves a failing entry pending and retries it, nothing after it handled first", async () => {
    const stream = freshStream();
    const ids = await publish(stream, 1, 3);
    const attempts: number[] = [];
    const delivered: number[] = [];
    const deliveryCounts: number[] = [];
    let failuresLeft = 2;
    const logger = quietLogger();
    start({
      stream,
      logger,
      async handle(entry) {
        const n = Number(entry.fields.n);
        attempts.push(n);
        if (n === 2 && failuresLeft > 0) {
          failuresLeft -= 1;
          const detail = (await redis.xpending(stream, "workers", "-", "+", 10)) as [
            string,
            string,
            number,
            number,
          ][];
          // Still pending (not acked), 1 is acked.
          expect(detail.map((row) => row[0])).toContain(ids[1]);
          expect(detail.map((row) => row[0])).not.toContain(ids[0]);
          deliveryCounts.push(Number(detail.find((row) => row[0] === ids[1])?.[3]));
          throw new Error("downstream unavailable");
        }
        delivered.push(n);
      },
    });
    await vi.waitFor(() => expect(delivered).toEqual([1, 2, 3]));
    expect(attempts).toEqual([1, 2, 2, 2, 3]);
    // Each retry is a new delivery (re-read from the pending list).
    expect(deliveryCounts).toEqual([1, 2]);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error.mock.calls[0]?.[0]).toMatchObject({
      stream,
      group: "workers",
      consumer: "c1",
      entry_id: ids[1],
    });
    await vi.waitFor(async () => expect(await pendingCount(stream)).toBe(0));
  });

  it("joins an existing group where it stands (BUSYGROUP), ignoring startId", async () => {
    const stream = freshStream();
    const ids = await publish(stream, 1, 4);
    await redis.xgroup("CREATE", isolated.keyPrefix + stream, "workers", ids[1] as string);
    const startId = vi.fn(async () => "0");
    const seen: number[] = [];
    start({ stream, startId, handle: async (entry) => void seen.push(Number(entry.fields.n)) });
    await vi.waitFor(() => expect(seen).toEqual([3, 4]));
    expect(startId).not.toHaveBeenCalled();
  });

  it("creates a missing group at the id startId resolves", async () => {
    const stream = freshStream();
    const ids = await publish(stream, 1, 4);
    const seen: number[] = [];
    start({
      stream,
      startId: async () => ids[2] as string,
      handle: async (entry) => void seen.push(Number(entry.fields.n)),
    });
    await vi.waitFor(() => expect(seen).toEqual([4]));
    await publish(stream, 5, 5);
    await vi.waitFor(() => expect(seen).toEqual([4, 5]));
  });

  it("two readers starting at once create the group once", async () => {
    const stream = freshStream();
    await publish(stream, 1, 6);
    const seen: number[] = [];
    for (const consumer of ["x", "y", "z"]) {
      start({ stream, consumer, handle: async (entry) => void seen.push(Number(entry.fields.n)) });
    }
    await vi.waitFor(() => expect(seen).toHaveLength(6));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("creates the group again when it is destroyed, or the whole stream deleted (NOGROUP)", async () => {
    const stream = freshStream();
    const seen: number[] = [];
    const logger = quietLogger();
    start({ stream, logger, handle: async (entry) => void seen.push(Number(entry.fields.n)) });
    await publish(stream, 1, 1);
    await vi.waitFor(() => expect(seen).toEqual([1]));

    await redis.xgroup("DESTROY", isolated.keyPrefix + stream, "workers");
    await vi.waitFor(() =>
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ stream }),
        "consumer group missing, creating it again",
      ),
    );
    await publish(stream, 2, 2);
    // Created again at "0": 1 comes again (at-least-once), 2 is not lost.
    await vi.waitFor(() => expect(seen).toEqual([1, 1, 2]));

    await redis.del(stream);
    await vi.waitFor(async () => expect(await redis.exists(stream)).toBe(1)); // MKSTREAM
    await publish(stream, 3, 3);
    await vi.waitFor(() => expect(seen).toEqual([1, 1, 2, 3]));
    expect(logger.info).toHaveBeenCalledTimes(3);
  });

  it("acks a pending entry that was deleted from the stream meanwhile", async () => {
    const stream = freshStream();
    const ids = await publish(stream, 1, 2);
    await readAsDeadConsumer(stream, "c1");
    await redis.xdel(stream, ids[0] as string);
    const seen: number[] = [];
    const logger = quietLogger();
    start({ stream, logger, handle: async (entry) => void seen.push(Number(entry.fields.n)) });
    await vi.waitFor(() => expect(seen).toEqual([2]));
    await vi.waitFor(async () => expect(await pendingCount(stream)).toBe(0));
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ entry_id: ids[0] }),
      "pending stream entry no longer exists, acked",
    );
  });

  it("survives a Redis outage: logs, retries, resumes when Redis is back, nothing lost", async () => {
    const stream = freshStream();
    const proxy = await proxyToRedis();
    try {
      const seen: number[] = [];
      const logger = quietLogger();
      start({
        // One retry per command, so that the outage surfaces as failed reads within the test.
        redis: createRedis({
          url: proxy.url,
          keyPrefix: isolated.keyPrefix,
          maxRetriesPerRequest: 1,
        }),
        stream,
        logger,
        handle: async (entry) => void seen.push(Number(entry.fields.n)),
      });
      await publish(stream, 1, 1);
      await vi.waitFor(() => expect(seen).toEqual([1]));
      proxy.cut();
      await publish(stream, 2, 3);
      await vi.waitFor(
        () =>
          expect(logger.warn).toHaveBeenCalledWith(
            expect.objectContaining({ stream, consumer: "c1" }),
            "stream group reader lost its connection, reconnecting",
          ),
        { timeout: 5_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen).toEqual([1]);
      proxy.restore();
      await vi.waitFor(() => expect(seen).toEqual([1, 2, 3]), { timeout: 10_000 });
      await vi.waitFor(async () => expect(await pendingCount(stream)).toBe(0));
      expect(logger.info).toHaveBeenCalledWith(
        expect.objectContaining({ stream }),
        "stream group reader reconnected",
      );
      expect(logger.warn).toHaveBeenCalledTimes(1);
    } finally {
      await Promise.all(started.splice(0).map((reader) => reader.stop()));
      await proxy.close();
    }
  });

  it("recovers from failing commands after a back-off", async () => {
    const stream = freshStream();
    await redis.set(stream, "not a stream");
    const logger = quietLogger();
    const seen: number[] = [];
    start({ stream, logger, handle: async (entry) => void seen.push(Number(entry.fields.n)) });
    await vi.waitFor(() =>
      expect(logger.warn).toHaveBeenCalledWith(
        expect.objectContaining({ stream }),
        "stream group read failed",
      ),
    );
    expect(String(logger.warn.mock.calls[0]?.[0]?.err)).toMatch(/WRONGTYPE/);
    await redis.del(stream);
    await publish(stream, 1, 2);
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
  });

  it("stops promptly while Redis is unreachable", async () => {
    const stream = freshStream();
    const proxy = await proxyToRedis();
    try {
      const seen: number[] = [];
      const reader = start({
        redis: createRedis({ url: proxy.url, keyPrefix: isolated.keyPrefix }),
        stream,
        logger: quietLogger(),
        handle: async (entry) => void seen.push(Number(entry.fields.n)),
      });
      await publish(stream, 1, 1);
      await vi.waitFor(() => expect(seen).toEqual([1]));
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stopAt = Date.now();
      await reader.stop();
      expect(Date.now() - stopAt).toBeLessThan(500);
    } finally {
      await proxy.close();
    }
  });

  it("stops promptly while blocked and closes its connection", async () => {
    const stream = freshStream();
    const redisOfReader = connection();
    const reader = start({ redis: redisOfReader, stream, blockMs: 30_000, handle: async () => {} });
    await vi.waitFor(async () => expect(await redis.exists(stream)).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopAt = Date.now();
    await reader.stop();
    expect(Date.now() - stopAt).toBeLessThan(500);
    expect(redisOfReader.status).toBe("end");
    await reader.stop();
  });

  it("refuses a connection whose command timeout would cut XREADGROUP BLOCK", () => {
    const lazy = createRedis({ url: isolated.url, commandTimeoutMs: 1_000, lazyConnect: true });
    try {
      expect(() =>
        startGroupReader({
          redis: lazy,
          stream: "s",
          group: "g",
          consumer: "c",
          handle: async () => {},
          blockMs: 5_000,
        }),
      ).toThrow(/commandTimeout/);
      expect(() =>
        startGroupReader({
          redis: lazy,
          stream: "s",
          group: "g",
          consumer: " ",
          handle: async () => {},
          blockMs: 100,
        }),
      ).toThrow(/consumer/);
    } finally {
      lazy.disconnect();
    }
  });
});
