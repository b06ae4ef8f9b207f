import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeRedis, createRedis } from "@galaxy/redisconn";
import { postgresServerUrl, redisServerUrl } from "@galaxy/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus, requestJson } from "./support/http.js";
import { ManagedProcess } from "./support/process.js";
import { assertBuilt, freePorts } from "./support/stack.js";
import { waitFor } from "./support/wait.js";

// The local stack (`bash scripts/stack.sh` minus set-up and build): the runner brings up the
// four services and the demo game, one turn plays round-trip with the cheat sheet's calls, and
// Ctrl-C (SIGINT) stops everything with exit 0. Own ports, database and key prefix, so it never
// meets a stack a developer is running.

const INTEGRATION_DIR = fileURLToPath(new URL(".", import.meta.url));
const suffix = randomBytes(6).toString("hex");
const DATABASE = `t_stack_${suffix}`;
const PREFIX = `test:stack:${suffix}:`;

let runner: ManagedProcess | undefined;
let logDir: string;
let serverUrl: string;
const ports = { gm: 0, engine: 0, rtm: 0, lobby: 0 };

beforeAll(async () => {
  assertBuilt(["engine-stub", "rtm-stub", "gamemaster", "lobby-stub"]);
  serverUrl = await postgresServerUrl();
  const redisUrl = await redisServerUrl();
  logDir = await mkdtemp(join(tmpdir(), "galaxy-stack-logs-"));
  [ports.gm = 0, ports.engine = 0, ports.rtm = 0, ports.lobby = 0] = await freePorts(4);
  runner = ManagedProcess.start({
    name: "stack runner",
    args: ["--conditions=@galaxy/source", "--import", "tsx", "stack/run.ts"],
    cwd: INTEGRATION_DIR,
    env: {
      STACK_GM_PORT: String(ports.gm),
      STACK_ENGINE_PORT: String(ports.engine),
      STACK_RTM_PORT: String(ports.rtm),
      STACK_LOBBY_PORT: String(ports.lobby),
      STACK_POSTGRES_URL: serverUrl,
      STACK_DATABASE: DATABASE,
      STACK_REDIS_URL: redisUrl,
      STACK_REDIS_KEY_PREFIX: PREFIX,
      STACK_LOG_DIR: logDir,
    },
  });
  const started = runner;
  await waitFor(
    () => {
      if (!started.running) throw new Error(`runner exited:\n${started.tail(40)}`);
      return started.logs().includes("Ctrl-C stops everything") ? true : undefined;
    },
    { what: "the stack's cheat sheet", timeoutMs: 90_000, intervalMs: 250 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- runner output ---\n${started.tail(60)}`);
  });
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin
    .query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`)
    .finally(() => admin.end());
  const redis = createRedis({ url: await redisServerUrl() });
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.unlink(...keys);
  await closeRedis(redis);
  if (logDir !== undefined) await rm(logDir, { recursive: true, force: true });
});

describe("local stack (scripts/stack.sh)", () => {
  it("prints every URL and brings the demo game up", () => {
    const output = runner?.logs() ?? "";
    for (const port of Object.values(ports)) {
      expect(output).toContain(`http://127.0.0.1:${port}`);
    }
    expect(output).toContain('demo game "demo" is running');
  });

  it("prints the console URL, and the console shows the demo game", async () => {
    const consoleUrl = `http://127.0.0.1:${ports.gm}/console`;
    expect(runner?.logs() ?? "").toContain(`Console       ${consoleUrl}`);
    const runtimes = await fetch(`${consoleUrl}/runtimes`);
    expect(runtimes.status).toBe(200);
    expect(await runtimes.text()).toContain('<tr data-game-id="demo">');
    const game = await (await fetch(`${consoleUrl}/games/demo`)).text();
    expect(game).toContain("Aelinari");
    expect(game).toContain("Borgh");
  });

  it("plays one turn round-trip with the cheat sheet's calls", async () => {
    const gm = `http://127.0.0.1:${ports.gm}/api/v1/internal/games/demo`;
    const lobby = `http://127.0.0.1:${ports.lobby}/api/v1/games/demo`;
    const alice = { "x-user-id": "alice" };
    const command = await requestJson("POST", `${gm}/commands`, {
      body: { commands: [{ type: "build", planet: 1 }] },
      headers: alice,
    });
    expect(command.body).toEqual({ actor: "Aelinari", accepted: 1, turn: 0 });
    const forced = await expectStatus<{ current_turn: number }>(
      200,
      "POST",
      `${gm}/runtime/force-next-turn`,
    );
    expect(forced.current_turn).toBe(1);
    await waitFor(
      async () => {
        const view = await expectStatus<{ current_turn: number }>(200, "GET", lobby);
        return view.current_turn === 1 ? view : undefined;
      },
      { what: "the lobby view at turn 1" },
    );
    const report = await expectStatus(200, "GET", `${gm}/reports/1`, { headers: alice });
    expect(report).toMatchObject({ player: "Aelinari", turn: 1 });
  });

  it("stops every service on Ctrl-C and exits 0", async () => {
    const started = runner;
    if (started === undefined) throw new Error("runner not started");
    process.kill(started.pid ?? 0, "SIGINT");
    const exit = await Promise.race([
      started.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 30_000)),
    ]);
    expect(exit, started.tail(20)).toEqual({ code: 0, signal: null });
    for (const port of Object.values(ports)) {
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => "answered",
        () => "closed",
      );
      expect(answer, `port ${port}`).toBe("closed");
    }
  });
});
