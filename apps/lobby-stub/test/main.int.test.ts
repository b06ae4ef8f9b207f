import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createIsolatedRedis, freePort, type IsolatedRedis } from "@galaxy/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./wait-for.js";

const appDir = fileURLToPath(new URL("..", import.meta.url));

function launch(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    ["--conditions=@galaxy/source", "--import", "tsx", "src/main.ts"],
    { cwd: appDir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exit };
}

describe("main process", () => {
  let isolated: IsolatedRedis;

  beforeAll(async () => {
    isolated = await createIsolatedRedis("lobby-stub-main");
  });

  afterAll(async () => {
    await isolated?.cleanup();
  });

  it("serves /healthz, logs JSON and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const proc = launch({
      LOBBY_STUB_HTTP_PORT: String(port),
      LOBBY_STUB_GM_BASE_URL: `http://127.0.0.1:${await freePort()}`,
      LOBBY_STUB_REDIS_URL: isolated.url,
      LOBBY_STUB_REDIS_KEY_PREFIX: isolated.keyPrefix,
      LOG_LEVEL: "info",
    });
    try {
      const health = await waitFor(
        async () => {
          try {
            const response = await fetch(`http://127.0.0.1:${port}/healthz`);
            return response.ok ? ((await response.json()) as unknown) : undefined;
          } catch {
            return undefined;
          }
        },
        { timeoutMs: 20_000, what: "the process to listen" },
      );
      expect(health).toEqual({ status: "ok" });
      proc.child.kill("SIGTERM");
      expect(await proc.exit).toBe(0);
      const lines = proc
        .output()
        .split("\n")
        .filter((line) => line.trim() !== "");
      const records = lines.map((line) => JSON.parse(line) as { msg?: string });
      expect(records.map((record) => record.msg)).toEqual(
        expect.arrayContaining(["lobby stub listening", "shutting down", "lobby stub closed"]),
      );
    } finally {
      if (proc.child.exitCode === null) proc.child.kill("SIGKILL");
    }
  });

  it("exits non-zero listing every bad variable", async () => {
    const proc = launch({ LOBBY_STUB_HTTP_PORT: "eighty", LOBBY_STUB_GM_TIMEOUT: "later" });
    expect(await proc.exit).toBe(2);
    expect(proc.output()).toContain("LOBBY_STUB_HTTP_PORT");
    expect(proc.output()).toContain("LOBBY_STUB_GM_TIMEOUT");
  });
});
