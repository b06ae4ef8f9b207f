import { connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { freePort } from "./ports.js";
import {
  assertPostgresReachable,
  assertRedisReachable,
  postgresServerUrl,
  redisServerUrl,
} from "./servers.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("postgresServerUrl", () => {
  it("answers a reachable server", async () => {
    const url = await postgresServerUrl();
    expect(url).toMatch(/^postgres(ql)?:\/\//);
    await expect(assertPostgresReachable(url)).resolves.toBeUndefined();
  });

  it("uses GALAXY_TEST_POSTGRES_URL and fails with a clear message when it does not answer", async () => {
    const port = await freePort();
    vi.stubEnv("GALAXY_TEST_POSTGRES_URL", `postgres://postgres:pw@127.0.0.1:${port}/postgres`);
    const failure = postgresServerUrl();
    await expect(failure).rejects.toThrow(
      `PostgreSQL for tests is not reachable at postgres://postgres:***@127.0.0.1:${port}/postgres: `,
    );
    await expect(failure).rejects.toThrow(
      /ECONNREFUSED.*Start it or set GALAXY_TEST_POSTGRES_URL$/,
    );
  });

  it("does not remember a failure: a server that comes up later is found", async () => {
    const real = new URL(await postgresServerUrl());
    const port = await freePort();
    const url = `postgres://${real.username}@127.0.0.1:${port}${real.pathname}`;
    vi.stubEnv("GALAXY_TEST_POSTGRES_URL", url);
    await expect(postgresServerUrl()).rejects.toThrow(/not reachable/);

    // Now "start" the server: a TCP proxy on that port to the real one.
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const upstream = connect(Number(real.port || 5432), real.hostname);
      sockets.push(client, upstream);
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(port, "127.0.0.1", resolve));
    try {
      await expect(postgresServerUrl()).resolves.toBe(url);
    } finally {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe("redisServerUrl", () => {
  it("answers a reachable server", async () => {
    const url = await redisServerUrl();
    expect(url).toMatch(/^rediss?:\/\//);
    await expect(assertRedisReachable(url)).resolves.toBeUndefined();
  });

  it("uses GALAXY_TEST_REDIS_URL and fails with a clear message when it does not answer", async () => {
    const port = await freePort();
    vi.stubEnv("GALAXY_TEST_REDIS_URL", `redis://127.0.0.1:${port}/0`);
    await expect(redisServerUrl()).rejects.toThrow(
      new RegExp(
        `^Redis for tests is not reachable at redis://127\\.0\\.0\\.1:${port}/0: .+\\. Start it or set GALAXY_TEST_REDIS_URL$`,
      ),
    );
  });

  it("fails within the timeout when a server accepts but never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, "127.0.0.1", resolve));
    try {
      const started = Date.now();
      await expect(assertRedisReachable(`redis://127.0.0.1:${port}/0`, 300)).rejects.toThrow(
        /^Redis for tests is not reachable/,
      );
      await expect(
        assertPostgresReachable(`postgres://x@127.0.0.1:${port}/x`, 300),
      ).rejects.toThrow(/^PostgreSQL for tests is not reachable/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
      for (const socket of sockets) {
        socket.destroy();
      }
    }
  });
});
