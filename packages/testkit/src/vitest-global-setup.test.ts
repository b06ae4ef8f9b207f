import { afterEach, describe, expect, it, vi } from "vitest";
import { freePort } from "./ports.js";
import { setup } from "./vitest-global-setup.js";

// The branches that need no Docker engine; the one that starts containers runs in
// integration/testcontainers.int.test.ts against a real engine.

afterEach(() => {
  vi.unstubAllEnvs();
});

async function deadDockerHost(): Promise<string> {
  return `tcp://127.0.0.1:${await freePort()}`;
}

describe("testkit global setup", () => {
  it("leaves servers the environment names alone, even when Docker is required", async () => {
    vi.stubEnv("GALAXY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:1/postgres");
    vi.stubEnv("GALAXY_TEST_REDIS_URL", "redis://127.0.0.1:1/0");
    vi.stubEnv("GALAXY_TEST_DOCKER", "1");
    vi.stubEnv("DOCKER_HOST", await deadDockerHost());
    expect(await setup()).toBeUndefined();
    expect(process.env.GALAXY_TEST_POSTGRES_URL).toBe("postgres://postgres@127.0.0.1:1/postgres");
  });

  it("without an engine hands the workers nothing (they use the local servers)", async () => {
    vi.stubEnv("GALAXY_TEST_POSTGRES_URL", "");
    vi.stubEnv("GALAXY_TEST_REDIS_URL", "");
    vi.stubEnv("GALAXY_TEST_DOCKER", "");
    vi.stubEnv("DOCKER_HOST", await deadDockerHost());
    expect(await setup()).toBeUndefined();
    expect(process.env.GALAXY_TEST_POSTGRES_URL).toBe("");
    expect(process.env.GALAXY_TEST_REDIS_URL).toBe("");
  });

  it("without an engine fails when GALAXY_TEST_DOCKER=1, saying how to get one", async () => {
    const host = await deadDockerHost();
    vi.stubEnv("GALAXY_TEST_POSTGRES_URL", "");
    vi.stubEnv("GALAXY_TEST_REDIS_URL", "redis://127.0.0.1:1/0");
    vi.stubEnv("GALAXY_TEST_DOCKER", "1");
    vi.stubEnv("DOCKER_HOST", host);
    await expect(setup()).rejects.toThrow(
      `GALAXY_TEST_DOCKER=1 asks for testcontainers, but no Docker engine answers on DOCKER_HOST=${host}. Run \`bash scripts/ensure-docker.sh\``,
    );
  });
});
