import { type RunningEngineStub, startEngineStub } from "@galaxy/engine-stub";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RuntimeStatus } from "../src/domain/runtime-status.js";
import { type FakeLobbyServer, startFakeLobby } from "./support/fake-lobby.js";
import { startTestGameMaster, type TestGameMaster } from "./support/gamemaster.js";

// The player hot path through real sockets: GM on PostgreSQL and Redis, the
// engine stub, and a fake Lobby the tests control (call log, failures, delay).

let t: TestGameMaster;
let engine: RunningEngineStub;
let lobby: FakeLobbyServer;

const GAME = "/api/v1/internal/games";

interface EngineCall {
  method: string;
  path: string;
  actor: string | null;
  body: unknown;
}

async function engineCalls(gameId: string): Promise<EngineCall[]> {
  const response = await fetch(`${engine.url}/games/${gameId}/_stub/calls`);
  return ((await response.json()) as { calls: EngineCall[] }).calls.filter(
    (call) => !call.path.includes("/admin/"),
  );
}

async function clearEngineCalls(gameId: string): Promise<void> {
  await fetch(`${engine.url}/games/${gameId}/_stub/calls`, { method: "DELETE" });
}

async function stub(gameId: string, control: string): Promise<void> {
  const response = await fetch(`${engine.url}/games/${gameId}/_stub/${control}`, {
    method: "POST",
  });
  expect(response.ok).toBe(true);
}

function asUser(userId: string) {
  return { "x-user-id": userId, "x-op-source": "gateway" };
}

function commands(gameId: string, userId: string, body: unknown = { commands: [{ op: "build" }] }) {
  return t.call("POST", `${GAME}/${gameId}/commands`, body, asUser(userId));
}

function invalidate(gameId: string) {
  return t.call("POST", `${GAME}/${gameId}/memberships/invalidate`, undefined, {
    "x-op-source": "lobby_internal",
  });
}

async function register(gameId: string, members: { user_id: string; race_name: string }[]) {
  const response = await t.call(
    "POST",
    `${GAME}/${gameId}/runtime`,
    {
      engine_endpoint: engine.engineEndpoint(gameId),
      members,
      target_engine_version: "1.4.2",
      turn_schedule: "0 */6 * * *",
    },
    { "x-op-source": "lobby_internal" },
  );
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  engine = await startEngineStub({ host: "127.0.0.1" });
  lobby = await startFakeLobby();
  t = await startTestGameMaster({
    label: "gm_hotpath",
    env: {
      GAMEMASTER_LOBBY_BASE_URL: lobby.url,
      GAMEMASTER_LOBBY_TIMEOUT: "2s",
      GAMEMASTER_ENGINE_TIMEOUT: "2s",
      GAMEMASTER_MEMBERSHIP_CACHE_TTL: "1m",
      GAMEMASTER_RUNTIME_CACHE_TTL: "1s",
      GAMEMASTER_MAX_BODY_BYTES: "4096",
    },
    start: { workers: false },
  });
  expect(
    (
      await t.call("POST", "/api/v1/internal/engine-versions", {
        version: "1.4.2",
        image_ref: "galaxy/game:1.4.2",
      })
    ).status,
  ).toBe(201);
  await register("hp-1", [
    { user_id: "u1", race_name: "Aelinari" },
    { user_id: "u2", race_name: "Borg" },
    { user_id: "u3", race_name: "Cylon" },
  ]);
  await register("hp-2", [{ user_id: "u9", race_name: "Zorg" }]);
  lobby.setRoster("hp-1", [
    ["u1", "Aelinari", "active"],
    ["u2", "Borg", "removed"],
    ["u3", "Cylon", "blocked"],
  ]);
  lobby.setRoster("hp-2", [["u9", "Zorg", "active"]]);
});

afterAll(async () => {
  await t?.close();
  await lobby?.close();
  await engine?.close();
});

beforeEach(async () => {
  lobby.failStatus = undefined;
  lobby.delayMs = 0;
  await clearEngineCalls("hp-1");
});

describe("player hot path through GM, the engine stub and a Lobby", () => {
  it("executes commands as the caller's race and returns the engine's body", async () => {
    const response = await commands("hp-1", "u1", { commands: [{ op: "build" }, { op: "scan" }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.body).toEqual({ actor: "Aelinari", accepted: 2, turn: 0 });
    expect(await engineCalls("hp-1")).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/api/v1/command",
        actor: "Aelinari",
        body: { actor: "Aelinari", cmd: [{ op: "build" }, { op: "scan" }] },
      }),
    ]);
  });

  it("puts orders and reads a report as the caller's race", async () => {
    const orders = await t.call(
      "PUT",
      `${GAME}/hp-1/orders`,
      { orders: [{ op: "move", fleet: 1 }] },
      asUser("u1"),
    );
    expect(orders.status).toBe(200);
    expect(orders.body).toEqual({ actor: "Aelinari", accepted: 1, turn: 0 });
    const report = await t.call("GET", `${GAME}/hp-1/reports/0`, undefined, asUser("u1"));
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ player: "Aelinari", turn: 0 });
    expect((await engineCalls("hp-1")).map((call) => [call.method, call.actor])).toEqual([
      ["PUT", "Aelinari"],
      ["GET", "Aelinari"],
    ]);
  });

  it("never reaches the engine as another race", async () => {
    const named = await commands("hp-1", "u1", { actor: "Borg", commands: [{ op: "build" }] });
    expect(named.status).toBe(400);
    expect(await engineCalls("hp-1")).toEqual([]);
    const nested = await commands("hp-1", "u1", { commands: [{ op: "build", actor: "Borg" }] });
    expect(nested.status).toBe(200);
    expect((await engineCalls("hp-1")).map((call) => call.actor)).toEqual(["Aelinari"]);
  });

  it.each([
    ["removed", "u2"],
    ["blocked", "u3"],
    ["not a member", "stranger"],
    ["a member of another game", "u9"],
  ])("refuses a user who is %s with 403 forbidden", async (_name, userId) => {
    const response = await commands("hp-1", userId);
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: { code: "forbidden" } });
    expect(await engineCalls("hp-1")).toEqual([]);
  });

  it("answers 400 without X-User-Id, 404 for a game without runtime", async () => {
    const missing = await t.call("POST", `${GAME}/hp-1/commands`, { commands: [{}] });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: "invalid_request" } });
    const unknown = await commands("no-such-game", "u1");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "runtime_not_found" } });
  });

  async function setStatus(from: RuntimeStatus, to: RuntimeStatus): Promise<void> {
    const changed = await t.gm.adapters.runtimeRecords.compareAndSet({
      gameId: "hp-1",
      expected: { status: from },
      to,
      now: new Date(),
    });
    expect(changed).not.toBeNull();
  }

  it("answers 409 runtime_not_running from the moment the turn cutoff CAS returns, then accepts again", async () => {
    expect((await commands("hp-1", "u1")).status).toBe(200); // the runtime view is cached now
    await clearEngineCalls("hp-1");
    await setStatus("running", "generation_in_progress"); // what turn generation does first
    try {
      const response = await commands("hp-1", "u1");
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ error: { code: "runtime_not_running" } });
      expect(await engineCalls("hp-1")).toEqual([]);
    } finally {
      await setStatus("generation_in_progress", "running");
    }
    expect((await commands("hp-1", "u1")).status).toBe(200);
  });

  it("sees a status changed behind GM's back (manual SQL) within GAMEMASTER_RUNTIME_CACHE_TTL", async () => {
    expect((await commands("hp-1", "u1")).status).toBe(200);
    await t.sql.query(
      "UPDATE gamemaster.runtime_records SET status = 'stopped' WHERE game_id = 'hp-1'",
    );
    try {
      const deadline = Date.now() + 3_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await commands("hp-1", "u1")).status;
      }
      expect(status).toBe(409);
    } finally {
      await t.sql.query(
        "UPDATE gamemaster.runtime_records SET status = 'running' WHERE game_id = 'hp-1'",
      );
      // GM did not make that write, so it cannot know: wait out the TTL once more.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
    }
    expect((await commands("hp-1", "u1")).status).toBe(200);
  });
});

describe("hot-path requests read straight from the socket", () => {
  const url = (path: string) => `${t.gm.url}${GAME}/hp-1/${path}`;

  it("echoes X-Request-Id on a relayed answer", async () => {
    const response = await fetch(url("commands"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "u1", "x-request-id": "req-42" },
      body: JSON.stringify({ commands: [{ op: "x" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("req-42");
    await response.text();
  });

  it.each([
    ["no content type", {}, '{"commands":[{}]}', "content-type must be application/json"],
    ["a text body", { "content-type": "text/plain" }, '{"commands":[{}]}', "content-type"],
    ["malformed JSON", { "content-type": "application/json" }, '{"commands":', "malformed JSON"],
    [
      "an unknown field",
      { "content-type": "application/json" },
      '{"commands":[{}],"actor":"Borg"}',
      'unknown field "actor"',
    ],
  ])("answers 400 invalid_request for %s", async (_name, headers, body, fragment) => {
    const response = await fetch(url("commands"), {
      method: "POST",
      headers: { "x-user-id": "u1", ...headers },
      body,
    });
    expect(response.status).toBe(400);
    const envelope = (await response.json()) as { error: { code: string; message: string } };
    expect(envelope.error.code).toBe("invalid_request");
    expect(envelope.error.message).toContain(fragment);
    expect(await engineCalls("hp-1")).toEqual([]);
  });

  it("refuses a body over GAMEMASTER_MAX_BODY_BYTES, declared or streamed, and drains it (keep-alive stays usable)", async () => {
    const big = JSON.stringify({ commands: [{ pad: "x".repeat(5_000) }] });
    const declared = await fetch(url("commands"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "u1" },
      body: big,
    });
    expect(declared.status).toBe(400);
    expect(declared.headers.get("connection")).toBe("keep-alive");
    expect(((await declared.json()) as { error: { message: string } }).error.message).toBe(
      "request body too large (limit 4096 bytes)",
    );
    const bytes = new TextEncoder().encode(big);
    const streamed = await fetch(url("orders"), {
      method: "PUT",
      headers: { "content-type": "application/json", "x-user-id": "u1" },
      body: new ReadableStream({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 1_000) {
            controller.enqueue(bytes.slice(offset, offset + 1_000));
          }
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(400);
    await streamed.text();
    expect(await engineCalls("hp-1")).toEqual([]);
  });

  it("accepts a body streamed in chunks under the limit", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ orders: [{ a: "y".repeat(2_000) }] }));
    const response = await fetch(url("orders"), {
      method: "PUT",
      headers: { "content-type": "application/json", "x-user-id": "u1" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.slice(0, 700));
          controller.enqueue(bytes.slice(700));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ actor: "Aelinari", accepted: 1, turn: 0 });
  });
});

describe("membership cache against a real Lobby endpoint", () => {
  it("answers from the cache after one Lobby call, and reloads after invalidate", async () => {
    expect((await invalidate("hp-1")).status).toBe(204);
    const before = lobby.calls.length;
    for (let index = 0; index < 5; index += 1) {
      expect((await commands("hp-1", "u1")).status).toBe(200);
    }
    expect(lobby.calls.length - before).toBe(1);

    lobby.setRoster("hp-1", [
      ["u1", "Aelinari", "blocked"],
      ["u2", "Borg", "removed"],
      ["u3", "Cylon", "blocked"],
    ]);
    expect((await commands("hp-1", "u1")).status).toBe(200); // still cached
    expect((await invalidate("hp-1")).status).toBe(204);
    expect((await commands("hp-1", "u1")).status).toBe(403);
    expect(lobby.calls.length - before).toBe(2);
    lobby.setRoster("hp-1", [
      ["u1", "Aelinari", "active"],
      ["u2", "Borg", "removed"],
      ["u3", "Cylon", "blocked"],
    ]);
    await invalidate("hp-1");
  });

  it("shares one Lobby call among 100 concurrent misses", async () => {
    await invalidate("hp-1");
    lobby.delayMs = 150;
    const before = lobby.calls.length;
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => commands("hp-1", "u1", { commands: [{ op: "x" }] })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
    expect(lobby.calls.length - before).toBe(1);
  });

  it.each([
    ["answers 5xx", () => (lobby.failStatus = 500)],
    ["does not answer in time", () => (lobby.delayMs = 4_000)],
  ])("answers 503 and calls no engine when Lobby %s on a miss", async (_name, breakLobby) => {
    await invalidate("hp-1");
    breakLobby();
    const response = await commands("hp-1", "u1");
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      error: {
        code: "service_unavailable",
        message: "cannot verify membership: Game Lobby is unavailable",
      },
    });
    expect(await engineCalls("hp-1")).toEqual([]);
    lobby.failStatus = undefined;
    lobby.delayMs = 0;
    expect((await commands("hp-1", "u1")).status).toBe(200);
  });

  it("counts hits, misses and Lobby calls in /metrics", async () => {
    const metrics = String((await t.call("GET", "/metrics")).body);
    const value = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, "m").exec(metrics)?.[1] ?? "NaN");
    expect(value("gamemaster_membership_cache_hits_total")).toBeGreaterThan(0);
    expect(value("gamemaster_membership_cache_misses_total")).toBeGreaterThan(0);
    expect(metrics).toMatch(/gamemaster_lobby_call_duration_seconds_count\{outcome="ok"\} \d+/);
    expect(metrics).toMatch(
      /gamemaster_lobby_call_duration_seconds_count\{outcome="unavailable"\} \d+/,
    );
    expect(metrics).toMatch(/gamemaster_engine_call_duration_seconds_count\{[^}]*command[^}]*\}/);
  });
});

describe("engine failures on the hot path", () => {
  it("maps an engine 4xx to 422 engine_validation_error with the engine's message", async () => {
    await stub("hp-1", "fail-next-call?op=command&status=400&message=unknown%20command");
    const response = await commands("hp-1", "u1");
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      error: { code: "engine_validation_error", message: "unknown command" },
    });
  });

  it("maps an engine 5xx to 502 engine_unreachable", async () => {
    await stub("hp-1", "fail-next-call?op=order&status=503");
    const response = await t.call("PUT", `${GAME}/hp-1/orders`, { orders: [] }, asUser("u1"));
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ error: { code: "engine_unreachable" } });
  });

  it("maps an engine timeout to 502 engine_unreachable within the engine timeout", async () => {
    await stub("hp-1", "slow-next-call?op=report&ms=4000");
    const started = Date.now();
    const response = await t.call("GET", `${GAME}/hp-1/reports/0`, undefined, asUser("u1"));
    expect(response.status).toBe(502);
    expect(response.body).toEqual({
      error: { code: "engine_unreachable", message: "engine report timed out after 2000ms" },
    });
    expect(Date.now() - started).toBeLessThan(3_900);
  });

  it("maps a 2xx that is not JSON to 502 engine_protocol_violation", async () => {
    await stub("hp-1", "fail-next-call?op=command&kind=garbage");
    const response = await commands("hp-1", "u1");
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ error: { code: "engine_protocol_violation" } });
  });

  it("maps a report of a turn not generated yet to the engine's 4xx", async () => {
    const response = await t.call("GET", `${GAME}/hp-1/reports/7`, undefined, asUser("u1"));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: { code: "engine_validation_error" } });
  });
});

describe("Lobby down entirely", () => {
  it("answers 503 when Lobby refuses connections on a miss, and still serves cached games", async () => {
    expect((await commands("hp-2", "u9")).status).toBe(200); // hp-2 cached
    await invalidate("hp-1");
    await lobby.close();
    const response = await commands("hp-1", "u1");
    expect(response.status).toBe(503);
    expect(await engineCalls("hp-1")).toEqual([]);
    expect((await commands("hp-2", "u9")).status).toBe(200);
  });
});
