import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeRedis, createRedis } from "./client.js";
import { type StreamReader, type StreamReaderOptions, startStreamReader } from "./reader.js";
import { createStreamOffsetStore, type StreamEntry, xaddFlat } from "./streams.js";

let isolated: IsolatedRedis;
let redis: Redis;
const started: Array<{ reader: StreamReader; connection: Redis }> = [];
let streamCounter = 0;

beforeAll(async () => {
  isolated = await createIsolatedRedis("redisconn-reader");
  redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map(({ reader }) => reader.stop()));
});

afterAll(async () => {
  await closeRedis(redis);
  await isolated.cleanup();
});

function freshStream(): string {
  streamCounter += 1;
  return `events-${streamCounter}`;
}

function quietLogger() {
  return { warn: vi.fn(), error: vi.fn() };
}

function start(
  options: Omit<StreamReaderOptions, "redis" | "offsets"> & Partial<StreamReaderOptions>,
): { reader: StreamReader; connection: Redis } {
  const connection =
    options.redis ?? createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
  const reader = startStreamReader({
    offsets: createStreamOffsetStore(redis),
    blockMs: 200,
    retryDelayMs: 20,
    ...options,
    redis: connection,
  });
  const handle = { reader, connection };
  started.push(handle);
  return handle;
}

async function publish(stream: string, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = from; n <= to; n++) {
    ids.push(await xaddFlat(redis, stream, { n: String(n) }));
  }
  return ids;
}

function numbers(entries: StreamEntry[]): number[] {
  return entries.map((entry) => Number(entry.fields.n));
}

describe("startStreamReader", () => {
  it("delivers existing and new entries in order and saves the offset after each", async () => {
    const stream = freshStream();
    const ids = await publish(stream, 1, 3);
    const seen: StreamEntry[] = [];
    const offsets = createStreamOffsetStore(redis);
    const savedWhileHandling: Array<string | null> = [];
    start({
      stream,
      label: "in-order",
      offsets,
      count: 2,
      async handle(entry) {
        savedWhileHandling.push(await offsets.load("in-order"));
        seen.push(entry);
      },
    });
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    ids.push(...(await publish(stream, 4, 6)));
    await vi.waitFor(() => expect(seen).toHaveLength(6));
    expect(numbers(seen)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.map((entry) => entry.id)).toEqual(ids);
    expect(savedWhileHandling).toEqual([null, ...ids.slice(0, 5)]);
    await vi.waitFor(async () => expect(await offsets.load("in-order")).toBe(ids[5]));
  });

  it("stops promptly while blocked in XREAD and closes its connection", async () => {
    const stream = freshStream();
    const { reader, connection } = start({
      stream,
      label: "prompt-stop",
      blockMs: 30_000,
      handle: async () => {},
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopAt = Date.now();
    await reader.stop();
    expect(Date.now() - stopAt).toBeLessThan(500);
    expect(connection.status).toBe("end");
    await reader.done;
    await reader.stop();
  });

  it("resumes from the saved offset after a restart, losing nothing and re-delivering nothing", async () => {
    const stream = freshStream();
    await publish(stream, 1, 10);
    const firstRun: number[] = [];
    const first = start({
      stream,
      label: "restart",
      count: 3,
      async handle(entry) {
        firstRun.push(Number(entry.fields.n));
        if (firstRun.length === 4) {
          // Stop from inside the handler: this entry is finished and saved, the rest is not read.
          void first.reader.stop();
        }
      },
    });
    await first.reader.done;
    expect(firstRun).toEqual([1, 2, 3, 4]);

    // Entries published while no reader runs are not lost either.
    await publish(stream, 11, 12);
    const secondRun: number[] = [];
    start({
      stream,
      label: "restart",
      async handle(entry) {
        secondRun.push(Number(entry.fields.n));
      },
    });
    await vi.waitFor(() => expect(secondRun).toHaveLength(8));
    await publish(stream, 13, 13);
    await vi.waitFor(() => expect(secondRun).toHaveLength(9));
    expect(secondRun).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it("keeps an offset per label", async () => {
    const stream = freshStream();
    await publish(stream, 1, 3);
    const a: number[] = [];
    const b: number[] = [];
    start({
      stream,
      label: "label-a",
      handle: async (entry) => void a.push(Number(entry.fields.n)),
    });
    start({
      stream,
      label: "label-b",
      handle: async (entry) => void b.push(Number(entry.fields.n)),
    });
    await vi.waitFor(() => {
      expect(a).toEqual([1, 2, 3]);
      expect(b).toEqual([1, 2, 3]);
    });
  });

  it("retries an entry whose handler throws, without skipping it or saving past it", async () => {
    const stream = freshStream();
    const ids = await publish(stream, 1, 3);
    const attempts: number[] = [];
    const delivered: number[] = [];
    const offsets = createStreamOffsetStore(redis);
    let failuresLeft = 2;
    const logger = quietLogger();
    start({
      stream,
      label: "retry",
      offsets,
      logger,
      async handle(entry) {
        const n = Number(entry.fields.n);
        attempts.push(n);
        if (n === 2 && failuresLeft > 0) {
          failuresLeft -= 1;
          expect(await offsets.load("retry")).toBe(ids[0]);
          throw new Error("downstream unavailable");
        }
        delivered.push(n);
      },
    });
    await vi.waitFor(() => expect(delivered).toEqual([1, 2, 3]));
    expect(attempts).toEqual([1, 2, 2, 2, 3]);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error.mock.calls[0]?.[0]).toMatchObject({
      stream,
      label: "retry",
      entry_id: ids[1],
    });
  });

  it("stops while an entry keeps failing and delivers it again after a restart", async () => {
    const stream = freshStream();
    const ids = await publish(stream, 1, 2);
    const offsets = createStreamOffsetStore(redis);
    const attempts: number[] = [];
    const first = start({
      stream,
      label: "stuck",
      offsets,
      logger: quietLogger(),
      async handle(entry) {
        attempts.push(Number(entry.fields.n));
        if (entry.fields.n === "2") {
          throw new Error("always failing");
        }
      },
    });
    await vi.waitFor(() => expect(attempts.filter((n) => n === 2).length).toBeGreaterThan(2));
    await first.reader.stop();
    expect(await offsets.load("stuck")).toBe(ids[0]);

    const later: number[] = [];
    start({
      stream,
      label: "stuck",
      offsets,
      handle: async (e) => void later.push(Number(e.fields.n)),
    });
    await vi.waitFor(() => expect(later).toEqual([2]));
  });

  it("with startId $ delivers only entries added after the start, and none of them is missed", async () => {
    const stream = freshStream();
    await publish(stream, 1, 2);
    const seen: number[] = [];
    start({
      stream,
      label: "from-now",
      startId: "$",
      blockMs: 50,
      handle: async (entry) => void seen.push(Number(entry.fields.n)),
    });
    // Let the reader pin "$" and go through several empty reads before publishing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await publish(stream, 3, 5);
    await vi.waitFor(() => expect(seen).toEqual([3, 4, 5]));
  });

  it("recovers from read errors after a back-off", async () => {
    const stream = freshStream();
    await redis.set(stream, "not a stream");
    const logger = quietLogger();
    const seen: number[] = [];
    start({
      stream,
      label: "wrongtype",
      logger,
      handle: async (entry) => void seen.push(Number(entry.fields.n)),
    });
    await vi.waitFor(() => expect(logger.warn).toHaveBeenCalled());
    expect(String(logger.warn.mock.calls[0]?.[0]?.err)).toMatch(/WRONGTYPE/);
    await redis.del(stream);
    await publish(stream, 1, 2);
    await vi.waitFor(() => expect(seen).toEqual([1, 2]));
  });

  it("survives its connection being killed by the server", async () => {
    const stream = freshStream();
    const seen: number[] = [];
    const name = `reader-killed-${Date.now()}`;
    start({
      redis: createRedis({
        url: isolated.url,
        keyPrefix: isolated.keyPrefix,
        connectionName: name,
      }),
      stream,
      label: "killed",
      blockMs: 5_000,
      logger: quietLogger(),
      handle: async (entry) => void seen.push(Number(entry.fields.n)),
    });
    await publish(stream, 1, 1);
    await vi.waitFor(() => expect(seen).toEqual([1]));
    // Found through CLIENT LIST: the reader's own connection is busy in XREAD BLOCK.
    const clients = String(await redis.client("LIST")).split("\n");
    const id = clients.find((line) => line.includes(` name=${name} `))?.match(/^id=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await redis.client("KILL", "ID", String(id));
    await publish(stream, 2, 3);
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3]), { timeout: 10_000 });
  });

  it("refuses a connection whose command timeout would cut XREAD BLOCK", () => {
    const connection = createRedis({
      url: isolated.url,
      commandTimeoutMs: 1_000,
      lazyConnect: true,
    });
    try {
      expect(() =>
        startStreamReader({
          redis: connection,
          stream: "s",
          label: "l",
          offsets: createStreamOffsetStore(redis),
          handle: async () => {},
          blockMs: 5_000,
        }),
      ).toThrow(/commandTimeout/);
    } finally {
      connection.disconnect();
    }
  });
});
