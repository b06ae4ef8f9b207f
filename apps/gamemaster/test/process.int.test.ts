import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs src/main.ts as a real process (tsx, sources) to check the composition
// root: config errors, migration failure, readiness and SIGTERM.

const appDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

let database: IsolatedDatabase;
let redis: IsolatedRedis;

beforeAll(async () => {
  database = await createIsolatedDatabase("gm_process");
  redis = await createIsolatedRedis("gm_process");
});

afterAll(async () => {
  await redis?.cleanup();
  await database?.drop();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(tsx, ["--conditions=@galaxy/source", "src/main.ts"], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk) => {
    out += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    err += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

function baseEnv(port: number): Record<string, string> {
  return {
    GAMEMASTER_HTTP_PORT: String(port),
    GAMEMASTER_POSTGRES_URL: database.url,
    GAMEMASTER_REDIS_URL: redis.url,
    GAMEMASTER_REDIS_KEY_PREFIX: redis.keyPrefix,
    GAMEMASTER_LOBBY_BASE_URL: "http://127.0.0.1:9",
    GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
    GAMEMASTER_SHUTDOWN_TIMEOUT: "10s",
  };
}

async function waitReady(port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("gamemaster did not become ready");
}

describe("gamemaster process", () => {
  it("exits non-zero listing every bad variable", async () => {
    const child = run({ GAMEMASTER_HTTP_PORT: "x", GAMEMASTER_ENGINE_TIMEOUT: "soon" });
    const { code } = await child.exit;
    expect(code).toBe(2);
    for (const name of [
      "GAMEMASTER_HTTP_PORT",
      "GAMEMASTER_ENGINE_TIMEOUT",
      "GAMEMASTER_POSTGRES_URL",
      "GAMEMASTER_REDIS_URL",
      "GAMEMASTER_LOBBY_BASE_URL",
      "GAMEMASTER_RTM_BASE_URL",
    ]) {
      expect(child.stderr()).toContain(name);
    }
  });

  it("exits non-zero when migrations cannot be applied", async () => {
    const port = await freePort();
    const url = new URL(database.url);
    url.pathname = "/database_that_does_not_exist";
    const child = run({ ...baseEnv(port), GAMEMASTER_POSTGRES_URL: url.toString() });
    const { code } = await child.exit;
    expect(code).toBe(1);
    expect(child.stdout()).toContain("gamemaster failed to start");
  });

  it("migrates, serves, and stops cleanly on SIGTERM; a second start is a no-op migration", async () => {
    for (let start = 0; start < 2; start += 1) {
      const port = await freePort();
      const child = run(baseEnv(port));
      await waitReady(port);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ status: "ok" });
      child.child.kill("SIGTERM");
      const { code } = await child.exit;
      expect(code).toBe(0);
      const lines = child
        .stdout()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg: string; service: string });
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining([
          "migrations applied",
          "gamemaster listening",
          "gamemaster stopped",
        ]),
      );
      expect(lines.every((line) => line.service === "gamemaster")).toBe(true);
    }
  });
});
