import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  assertPostgresReachable,
  assertRedisReachable,
  redisServerUrl,
  removeStaleContainers,
  vitestGlobalSetup as setup,
  startRedisContainer,
  stopTestServers,
  TESTKIT_CONTAINER_LABEL,
} from "@galaxy/testkit";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type Docker, requireDocker } from "./support/docker.js";

// The testkit's Docker branch against a real engine: the global setup starts one PostgreSQL and
// one Redis from the local images (scripts/ensure-docker.sh) with testcontainers and hands them
// to the workers; its teardown removes them; containers of a dead run are swept. In CI
// (GALAXY_TEST_DOCKER=1) every suite of the run already uses such a pair; this file checks the
// mechanism itself. Needs a Docker engine: without one it fails.

let docker: Docker;

async function testkitContainers(): Promise<string[]> {
  const out = await docker.run([
    "ps",
    "--all",
    "--quiet",
    "--no-trunc",
    "--filter",
    `label=${TESTKIT_CONTAINER_LABEL}`,
  ]);
  return out === "" ? [] : out.split("\n");
}

beforeAll(async () => {
  docker = await requireDocker();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("testkit global setup with a Docker engine", () => {
  it("starts one PostgreSQL and one Redis container, hands their URLs on, and removes them", async () => {
    vi.stubEnv("GALAXY_TEST_POSTGRES_URL", "");
    vi.stubEnv("GALAXY_TEST_REDIS_URL", "");
    vi.stubEnv("GALAXY_TEST_DOCKER", "1");
    vi.stubEnv("DOCKER_HOST", docker.host);
    const before = await testkitContainers();
    const teardown = await setup();
    expect(teardown).toBeTypeOf("function");
    const postgresUrl = process.env.GALAXY_TEST_POSTGRES_URL ?? "";
    const redisUrl = process.env.GALAXY_TEST_REDIS_URL ?? "";
    try {
      expect(process.env.GALAXY_TEST_SERVERS).toBe("testcontainers");
      expect(postgresUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+\/0$/);
      await assertPostgresReachable(postgresUrl);
      await assertRedisReachable(redisUrl);
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      const version = await client.query<{ v: string }>("select version() as v");
      await client.end();
      expect(version.rows[0]?.v).toMatch(/^PostgreSQL 15\.\d+ \(Debian/);
      const ours = (await testkitContainers()).filter((id) => !before.includes(id));
      expect(ours).toHaveLength(2);
      const modes = await Promise.all(
        ours.map((id) => docker.run(["inspect", "--format", "{{.HostConfig.NetworkMode}}", id])),
      );
      expect(modes).toEqual(["host", "host"]);
    } finally {
      await teardown?.();
    }
    const after = await testkitContainers();
    expect(after.filter((id) => !before.includes(id))).toEqual([]);
    await expect(assertRedisReachable(redisUrl, 500)).rejects.toThrow(/not reachable/);
  });

  it("a script using the testkit without the global setup removes its containers with stopTestServers", async () => {
    vi.stubEnv("GALAXY_TEST_REDIS_URL", "");
    vi.stubEnv("GALAXY_TEST_DOCKER", "1");
    vi.stubEnv("DOCKER_HOST", docker.host);
    const before = await testkitContainers();
    const url = await redisServerUrl();
    expect((await testkitContainers()).filter((id) => !before.includes(id))).toHaveLength(1);
    await stopTestServers();
    expect((await testkitContainers()).filter((id) => !before.includes(id))).toEqual([]);
    await expect(assertRedisReachable(url, 500)).rejects.toThrow(/not reachable/);
  });

  it("sweeps the containers of a run that died before its teardown, and only those", async () => {
    // A child process starts a Redis container and is killed: its owner label names a dead pid.
    const child = spawn(
      process.execPath,
      [
        "--conditions=@galaxy/source",
        "--import",
        "tsx",
        "-e",
        `import("@galaxy/testkit").then(async (t) => { const c = await t.startRedisContainer(${JSON.stringify(docker.host)}); console.log(c.id); setInterval(() => {}, 1000); });`,
      ],
      {
        cwd: fileURLToPath(new URL(".", import.meta.url)),
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, DOCKER_HOST: docker.host },
      },
    );
    const orphan = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
      child.on("exit", (code) => reject(new Error(`child exited ${code} before starting Redis`)));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const mine = await startRedisContainer(docker.host);
    try {
      expect(await testkitContainers()).toEqual(expect.arrayContaining([orphan, mine.id]));
      expect(await removeStaleContainers(docker.host)).toBeGreaterThanOrEqual(1);
      const left = await testkitContainers();
      expect(left).not.toContain(orphan);
      expect(left).toContain(mine.id);
    } finally {
      await mine.stop();
    }
  }, 60_000);
});
