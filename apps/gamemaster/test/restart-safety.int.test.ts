import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { type RunningEngineStub, startEngineStub } from "@galaxy/engine-stub";
import { decode } from "@galaxy/notificationintent";
import { closeRedis, createRedis, fieldsToRecord } from "@galaxy/redisconn";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import type { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./support/turn-stack.js";

// Restart safety (docs/reference.md#turn-generation) with a real Game Master process: SIGKILL it in the
// middle of a slowed-down turn, start it again, and check that the game ends
// running with the engine's turn and that no tick produced a second turn.
//
// The process runs the sources through tsx (`node --import tsx
// --conditions=@galaxy/source src/main.ts`): no build step inside the test,
// so it cannot race a parallel `build` writing dist/, and it always runs the
// code under test. tsx is loaded as a hook of one node process rather than
// through the tsx CLI, which would put a wrapper process in between: SIGKILL
// must hit Game Master itself, not a wrapper that leaves it orphaned.

const appDir = fileURLToPath(new URL("..", import.meta.url));

let database: IsolatedDatabase;
let redisIsolation: IsolatedRedis;
let engine: RunningEngineStub;
let sql: pg.Pool;
let redis: Redis;
const children = new Set<ChildProcess>();

/**
 * An engine in front of the engine stub that can hold `/admin/turn`: the
 * held request reaches the stub only on release(), whether or not the GM
 * that sent it is still alive — an engine that keeps generating after its
 * caller died. Deterministic, where a timed slow-down races the restart.
 */
class GatedEngine {
  private held: (() => void)[] = [];
  private closed = true;
  turnsReceived = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<GatedEngine> {
    let gate: GatedEngine | undefined;
    const server = createServer((req, res) => {
      void gate?.handle(upstream, req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    gate = new GatedEngine(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return gate;
  }

  hold(): void {
    this.closed = true;
  }

  release(): void {
    this.closed = false;
    for (const open of this.held.splice(0)) open();
  }

  endpoint(gameId: string): string {
    return `${this.url}/games/${gameId}`;
  }

  private async handle(upstream: string, req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === "POST" && req.url?.endsWith("/api/v1/admin/turn") === true) {
      this.turnsReceived += 1;
      if (this.closed) {
        await new Promise<void>((resolve) => this.held.push(resolve));
      }
    }
    const body = Buffer.concat(chunks);
    const answer = await fetch(`${upstream}${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      ...(body.length > 0 ? { body } : {}),
    });
    const text = await answer.text();
    if (!res.destroyed) {
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "" });
      res.end(text);
    }
  }

  close(): Promise<void> {
    this.release();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

let gated: GatedEngine;

beforeAll(async () => {
  database = await createIsolatedDatabase("gm_restart");
  redisIsolation = await createIsolatedRedis("gm_restart");
  engine = await startEngineStub({ host: "127.0.0.1" });
  gated = await GatedEngine.start(engine.url);
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
  redis = createRedis({ url: redisIsolation.url, keyPrefix: redisIsolation.keyPrefix });
});

afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});

afterAll(async () => {
  await closeRedis(redis).catch(() => undefined);
  await sql?.end();
  await gated?.close();
  await engine?.close();
  await redisIsolation?.cleanup();
  await database?.drop();
});

interface GmProcess {
  child: ChildProcess;
  url: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

async function startGm(): Promise<GmProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@galaxy/source", "src/main.ts"],
    {
      cwd: appDir,
      env: {
        PATH: process.env.PATH ?? "",
        GAMEMASTER_HTTP_PORT: String(port),
        GAMEMASTER_POSTGRES_URL: database.url,
        GAMEMASTER_POSTGRES_MAX_CONNECTIONS: "4",
        GAMEMASTER_REDIS_URL: redisIsolation.url,
        GAMEMASTER_REDIS_KEY_PREFIX: redisIsolation.keyPrefix,
        GAMEMASTER_LOBBY_BASE_URL: "http://127.0.0.1:9",
        GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
        GAMEMASTER_ENGINE_TIMEOUT: "1s",
        // The grace during which an engine that has not advanced may still be generating.
        GAMEMASTER_ENGINE_TURN_TIMEOUT: "15s",
        GAMEMASTER_SCHEDULER_INTERVAL: "100ms",
        GAMEMASTER_RECOVERY_INTERVAL: "200ms",
        // The same GM started again (a container keeps its hostname): its
        // first recovery sweep takes back what its id held, without waiting
        // for the leases to expire.
        GAMEMASTER_INSTANCE_ID: "gm-restart-safety",
        GAMEMASTER_LOG_LEVEL: process.env.GM_TEST_LOG_LEVEL ?? "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.add(child);
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    "gamemaster ready",
    async () => {
      if (child.exitCode !== null) throw new Error(`gamemaster exited early:\n${output}`);
      try {
        return (await fetch(`${url}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    30_000,
  );
  return { child, url, exit, output: () => output };
}

async function record(gameId: string) {
  const result = await sql.query(
    "SELECT status, current_turn, next_generation_at FROM gamemaster.runtime_records WHERE game_id = $1",
    [gameId],
  );
  return result.rows[0] as {
    status: string;
    current_turn: number;
    next_generation_at: Date | null;
  };
}

async function engineTurnCalls(gameId: string): Promise<number> {
  const response = await fetch(`${engine.engineEndpoint(gameId)}/_stub/calls`);
  const body = (await response.json()) as { calls: { method: string; path: string }[] };
  return body.calls.filter((call) => call.method === "POST" && call.path.endsWith("/admin/turn"))
    .length;
}

async function engineTurn(gameId: string): Promise<number> {
  const response = await fetch(`${engine.engineEndpoint(gameId)}/api/v1/admin/status`);
  return ((await response.json()) as { turn: number }).turn;
}

async function turnReadyIntents(gameId: string): Promise<number[]> {
  const entries = await redis.xrange("notification:intents", "-", "+");
  return entries
    .map(([, fields]) => decode(fieldsToRecord(fields)))
    .filter(
      (intent) =>
        intent.notification_type === "game.turn.ready" && intent.payload.game_id === gameId,
    )
    .map((intent) =>
      intent.notification_type === "game.turn.ready" ? intent.payload.turn_number : -1,
    );
}

async function setUp(gm: GmProcess, gameId: string): Promise<void> {
  const version = await fetch(`${gm.url}/api/v1/internal/engine-versions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ version: "1.4.2", image_ref: "galaxy/game:1.4.2" }),
  });
  expect([201, 409]).toContain(version.status);
  const registered = await fetch(`${gm.url}/api/v1/internal/games/${gameId}/runtime`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      engine_endpoint: gated.endpoint(gameId),
      members: [
        { user_id: "u1", race_name: "Aelinari" },
        { user_id: "u2", race_name: "Borg" },
      ],
      target_engine_version: "1.4.2",
      turn_schedule: "0 * * * *",
    }),
  });
  expect(registered.status).toBe(201);
}

async function killMidTurn(gameId: string): Promise<void> {
  const gm = await startGm();
  await setUp(gm, gameId);
  gated.hold();
  await sql.query(
    "UPDATE gamemaster.runtime_records SET next_generation_at = now() - interval '1 second' WHERE game_id = $1",
    [gameId],
  );
  await waitFor(
    "the turn in flight",
    async () => (await record(gameId)).status === "generation_in_progress",
  );
  await waitFor("the engine working on it", () => gated.turnsReceived === 1);
  gm.child.kill("SIGKILL");
  expect((await gm.exit).signal).toBe("SIGKILL");
  expect((await record(gameId)).status).toBe("generation_in_progress");
}

describe("restart safety", () => {
  it("restarted while the engine still works on the turn: waits for it and records the engine's turn", async () => {
    gated.turnsReceived = 0;
    await killMidTurn("kill-early");
    // Restart while the engine still holds the turn: GM must wait rather than
    // make the game due again (which would produce a second turn).
    const gm = await startGm();
    await waitFor("GM waiting for the engine", () =>
      gm.output().includes("engine has not advanced yet; waiting for the interrupted turn"),
    );
    expect((await record("kill-early")).status).toBe("generation_in_progress");
    expect(await engineTurn("kill-early")).toBe(0);
    gated.release();

    const row = await waitFor(
      "the game running again",
      async () => {
        const r = await record("kill-early");
        return r.status === "running" ? r : undefined;
      },
      20_000,
    );
    expect(row.current_turn).toBe(1);
    expect(await engineTurn("kill-early")).toBe(1);
    expect(row.next_generation_at?.getTime()).toBeGreaterThan(Date.now());
    await waitFor(
      "the turn announced",
      async () => (await turnReadyIntents("kill-early")).length > 0,
    );

    // Several scheduler intervals later: still exactly one turn.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await engineTurnCalls("kill-early")).toBe(1);
    expect(await turnReadyIntents("kill-early")).toEqual([1]);
    expect(gm.output()).toContain("recovered games whose lease expired");

    gm.child.kill("SIGTERM");
    expect((await gm.exit).code).toBe(0);
  });

  it("restarted after the engine finished the turn: finishes the bookkeeping at once", async () => {
    gated.turnsReceived = 0;
    await killMidTurn("kill-late");
    gated.release();
    await waitFor("the engine's turn", async () => (await engineTurn("kill-late")) === 1);
    const gm = await startGm();
    // The first recovery sweep settles it (it runs right after the listener opens).
    const row = await waitFor("the game running again", async () => {
      const r = await record("kill-late");
      return r.status === "running" ? r : undefined;
    });
    expect(row.current_turn).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await engineTurnCalls("kill-late")).toBe(1);
    await waitFor(
      "the turn announced",
      async () => (await turnReadyIntents("kill-late")).length > 0,
    );
    expect(await turnReadyIntents("kill-late")).toEqual([1]);
    gm.child.kill("SIGTERM");
    expect((await gm.exit).code).toBe(0);
  });
});
