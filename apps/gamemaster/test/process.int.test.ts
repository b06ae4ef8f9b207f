import { type ChildProcess, spawn } from "node:child_process";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Runs src/main.ts as a real process (tsx, sources) to check the composition
// root: config errors, migration failure, readiness and SIGTERM.

const appDir = fileURLToPath(new URL("..", import.meta.url));

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
  // tsx as a loader of one node process, not the tsx CLI: the CLI is a wrapper that relays a
  // signal only if the child acknowledges it within 30 ms, and SIGKILLs it otherwise — a busy
  // start-up on a loaded machine would then exit 143 instead of running GM's own handler.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@galaxy/source", "src/main.ts"],
    {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
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
      // The first run is named, the second takes the default name (hostname:pid).
      const named: Record<string, string> =
        start === 0 ? { GAMEMASTER_INSTANCE_ID: "gm-proc-a" } : {};
      const child = run({ ...baseEnv(port), ...named });
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
        .map((line) => JSON.parse(line) as { msg: string; service: string; instance_id: string });
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining([
          "migrations applied",
          "gamemaster listening",
          "gamemaster stopped",
        ]),
      );
      expect(lines.every((line) => line.service === "gamemaster")).toBe(true);
      // baseEnv's 10 s budget is below the default 60 s turn timeout.
      expect(lines.map((line) => line.msg)).toContain(
        "shutdown timeout is not above the turn timeout",
      );
      const ids = [...new Set(lines.map((line) => line.instance_id))];
      expect(ids).toHaveLength(1);
      expect(ids[0]).toBe(start === 0 ? "gm-proc-a" : `${hostname()}:${child.child.pid}`);
    }
  });

  it("exits 0 at once on SIGTERM while start-up waits for another replica's migration lock", async () => {
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      // The lock runMigrations takes (@galaxy/postgres): another replica is migrating.
      await holder.query("SELECT pg_advisory_lock(hashtext('galaxy:migrations:gamemaster'))");
      const port = await freePort();
      const child = run(baseEnv(port));
      const deadline = Date.now() + 20_000;
      while (!child.stdout().includes('"applying migrations"')) {
        if (Date.now() > deadline || child.child.exitCode !== null) {
          throw new Error(`no "applying migrations" line:\n${child.stdout()}${child.stderr()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sent = Date.now();
      child.child.kill("SIGTERM");
      const { code } = await child.exit;
      expect(code).toBe(0);
      expect(Date.now() - sent).toBeLessThan(5_000);
      expect(child.stdout()).toContain('"start-up abandoned on signal"');
      expect(child.stdout()).toContain('"phase":"migrating"');
      expect(child.stdout()).not.toContain('"migrations applied"');
    } finally {
      await holder.end();
    }
  }, 30_000);

  it("exits 0 on SIGTERM during the rest of the start-up, closing what it opened", async () => {
    const port = await freePort();
    const child = run(baseEnv(port));
    const deadline = Date.now() + 20_000;
    while (!child.stdout().includes('"migrations applied"')) {
      if (Date.now() > deadline || child.child.exitCode !== null) {
        throw new Error(`no "migrations applied" line:\n${child.stdout()}${child.stderr()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.child.kill("SIGTERM");
    const { code } = await child.exit;
    expect(code).toBe(0);
    const out = child.stdout();
    // Either the start-up saw the abort at its next step, or it had just finished and stopped.
    expect(
      out.includes('"start-up abandoned on signal"') || out.includes('"gamemaster stopped"'),
    ).toBe(true);
  });
});
