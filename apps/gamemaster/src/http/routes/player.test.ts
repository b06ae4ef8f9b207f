import { GalaxyError } from "@galaxy/errors";
import { beforeEach, describe, expect, it } from "vitest";
import { createTestApp, jsonRequest } from "../../../test/support/app-harness.js";
import { lobbyDown } from "../../../test/support/fakes.js";
import type { RuntimeStatus } from "../../domain/runtime-status.js";

const GAME = "/api/v1/internal/games";
const at = new Date("2026-01-01T10:00:00.000Z");

let t: ReturnType<typeof createTestApp>;
let now: number;

function seedRuntime(gameId: string, status: RuntimeStatus, members: [string, string][]) {
  t.runtimes.records.set(gameId, {
    gameId,
    status,
    engineEndpoint: `http://engine:8080/games/${gameId}`,
    currentImageRef: "galaxy/game:1.4.2",
    currentEngineVersion: "1.4.2",
    turnSchedule: "0 * * * *",
    currentTurn: 3,
    nextGenerationAt: null,
    skipNextTick: false,
    engineHealth: "",
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    stoppedAt: null,
    finishedAt: null,
    lastPlayerStats: [],
    lastHealthEventId: "",
  });
  for (const [userId, raceName] of members) {
    t.runtimes.mappings.push({
      gameId,
      userId,
      raceName,
      enginePlayerUuid: `uuid-${raceName}`,
      createdAt: at,
    });
  }
}

function commands(gameId: string, body: unknown, userId: string | null = "u1") {
  return t.app.request(
    `${GAME}/${gameId}/commands`,
    jsonRequest("POST", body, userId === null ? {} : { "x-user-id": userId }),
  );
}

function orders(gameId: string, body: unknown, userId: string | null = "u1") {
  return t.app.request(
    `${GAME}/${gameId}/orders`,
    jsonRequest("PUT", body, userId === null ? {} : { "x-user-id": userId }),
  );
}

function report(gameId: string, turn: string, userId: string | null = "u1") {
  return t.app.request(`${GAME}/${gameId}/reports/${turn}`, {
    headers: userId === null ? {} : { "x-user-id": userId },
  });
}

async function errorOf(response: Response): Promise<[number, string, string]> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return [response.status, body.error.code, body.error.message];
}

beforeEach(() => {
  now = 0;
  t = createTestApp({ membershipCache: { ttlMs: 30_000, maxGames: 100, now: () => now } });
  seedRuntime("g1", "running", [
    ["u1", "Aelinari"],
    ["u2", "Borg"],
    ["u3", "Cylon"],
    ["u4", "Dalek"],
  ]);
  t.lobby.setRoster("g1", [
    ["u1", "Aelinari", "active"],
    ["u2", "Borg", "removed"],
    ["u3", "Cylon", "blocked"],
    ["u5", "Ewok", "active"], // active in Lobby, but joined after the start: no race in GM
  ]);
  seedRuntime("g2", "running", [["u9", "Zorg"]]);
  t.lobby.setRoster("g2", [["u9", "Zorg", "active"]]);
});

describe("hot path: happy paths", () => {
  it("executes commands as the caller's mapped race and relays the engine's body verbatim", async () => {
    t.engine.reply = {
      status: 200,
      contentType: "application/json",
      body: '{"actor":"Aelinari",  "accepted":2}',
    };
    const response = await commands("g1", { commands: [{ type: "build" }, { type: "scan" }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.text()).toBe('{"actor":"Aelinari",  "accepted":2}');
    expect(t.engine.hotCalls).toEqual([
      {
        operation: "command",
        endpoint: "http://engine:8080/games/g1",
        actor: "Aelinari",
        payload: [{ type: "build" }, { type: "scan" }],
      },
    ]);
  });

  it("puts orders as the caller's race (an empty list is allowed: it clears the turn's orders)", async () => {
    const response = await orders("g1", { orders: [{ type: "move_fleet", fleet: 3, to: 42 }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect((await orders("g1", { orders: [] })).status).toBe(200);
    expect(t.engine.hotCalls.map((call) => [call.operation, call.actor, call.payload])).toEqual([
      ["order", "Aelinari", [{ type: "move_fleet", fleet: 3, to: 42 }]],
      ["order", "Aelinari", []],
    ]);
  });

  it("reads the caller's report of a turn", async () => {
    t.engine.reply = { status: 200, contentType: "application/json", body: '{"turn":2}' };
    const response = await report("g1", "2");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"turn":2}');
    expect(t.engine.hotCalls).toEqual([
      {
        operation: "report",
        endpoint: "http://engine:8080/games/g1",
        actor: "Aelinari",
        payload: 2,
      },
    ]);
    expect((await report("g1", "0")).status).toBe(200);
  });
});

describe("hot path: runtime state", () => {
  it("answers runtime_not_found for a game without a runtime, without asking Lobby", async () => {
    expect(await errorOf(await commands("nope", { commands: [{}] }))).toEqual([
      404,
      "runtime_not_found",
      'runtime for game "nope" not found',
    ]);
    expect(t.lobby.calls).toEqual([]);
    expect(t.engine.hotCalls).toEqual([]);
  });

  it.each([
    "generation_in_progress",
    "generation_failed",
    "starting",
    "stopped",
    "engine_unreachable",
    "finished",
  ] as const)(
    "answers runtime_not_running while the runtime is %s (turn cutoff)",
    async (status) => {
      seedRuntime("g3", status, [["u1", "Aelinari"]]);
      t.lobby.setRoster("g3", [["u1", "Aelinari", "active"]]);
      for (const response of [
        await commands("g3", { commands: [{}] }),
        await orders("g3", { orders: [] }),
        await report("g3", "1"),
      ]) {
        expect(await errorOf(response)).toEqual([
          409,
          "runtime_not_running",
          `runtime for game "g3" is ${status}, not running`,
        ]);
      }
      expect(t.engine.hotCalls).toEqual([]);
      expect(t.lobby.calls).toEqual([]);
    },
  );
});

describe("hot path: who may act", () => {
  it.each([
    ["removed", "u2", 'user "u2" is not an active member of game "g1" (removed)'],
    ["blocked", "u3", 'user "u3" is not an active member of game "g1" (blocked)'],
    ["not a member", "stranger", 'user "stranger" is not a member of game "g1"'],
    ["a user of another game", "u9", 'user "u9" is not a member of game "g1"'],
    ["active in Lobby but without a race in GM", "u5", 'user "u5" has no race in game "g1"'],
  ])(
    "refuses a user who is %s with forbidden and never calls the engine",
    async (_name, user, message) => {
      for (const response of [
        await commands("g1", { commands: [{}] }, user),
        await orders("g1", { orders: [] }, user),
        await report("g1", "1", user),
      ]) {
        expect(await errorOf(response)).toEqual([403, "forbidden", message]);
      }
      expect(t.engine.hotCalls).toEqual([]);
    },
  );

  it("refuses a mapped user whom Lobby no longer lists (e.g. u4) with forbidden", async () => {
    expect((await commands("g1", { commands: [{}] }, "u4")).status).toBe(403);
    expect(t.engine.hotCalls).toEqual([]);
  });

  it.each([
    ["actor", { actor: "Borg", commands: [{}] }, 'unknown field "actor"'],
    ["race_name", { race_name: "Borg", commands: [{}] }, 'unknown field "race_name"'],
    ["user_id", { user_id: "u2", commands: [{}] }, 'unknown field "user_id"'],
  ])("rejects a body that names an %s with invalid_request", async (_field, body, fragment) => {
    const [status, code, message] = await errorOf(await commands("g1", body));
    expect([status, code]).toEqual([400, "invalid_request"]);
    expect(message).toContain(fragment);
    expect(t.engine.hotCalls).toEqual([]);
  });

  it("rejects an actor on an orders body too", async () => {
    expect((await orders("g1", { orders: [], actor: "Borg" })).status).toBe(400);
    expect(t.engine.hotCalls).toEqual([]);
  });

  it("never lets an actor inside an opaque command item change who acts", async () => {
    const response = await commands("g1", { commands: [{ type: "build", actor: "Borg" }] });
    expect(response.status).toBe(200);
    expect(t.engine.hotCalls).toEqual([
      expect.objectContaining({ actor: "Aelinari", payload: [{ type: "build", actor: "Borg" }] }),
    ]);
  });

  it("answers invalid_request when X-User-Id is missing or blank, before any lookup", async () => {
    for (const response of [
      await commands("g1", { commands: [{}] }, null),
      await orders("g1", { orders: [] }, null),
      await report("g1", "1", null),
      await commands("g1", { commands: [{}] }, "   "),
    ]) {
      const [status, code, message] = await errorOf(response);
      expect([status, code]).toEqual([400, "invalid_request"]);
      expect(message).toContain("x-user-id");
    }
    expect(t.playerAccess.calls).toBe(0);
    expect(t.lobby.calls).toEqual([]);
  });
});

describe("hot path: request validation", () => {
  it.each([
    ["empty commands", { commands: [] }, "commands: must not be empty"],
    ["missing commands", {}, "commands"],
    ["a command that is not an object", { commands: ["build"] }, "commands.0"],
    ["too many commands", { commands: Array.from({ length: 1001 }, () => ({})) }, "at most 1000"],
  ])("rejects %s", async (_name, body, fragment) => {
    const [status, code, message] = await errorOf(await commands("g1", body));
    expect([status, code]).toEqual([400, "invalid_request"]);
    expect(message).toContain(fragment);
  });

  it.each(["-1", "1.5", "abc", "01", "99999999999"])("rejects report turn %j", async (turn) => {
    const [status, code] = await errorOf(await report("g1", turn));
    expect([status, code]).toEqual([400, "invalid_request"]);
  });

  it("rejects a malformed game id", async () => {
    expect((await commands("bad%20id", { commands: [{}] })).status).toBe(400);
  });

  it("rejects malformed JSON", async () => {
    expect((await commands("g1", "{not json")).status).toBe(400);
  });
});

describe("hot path: membership cache", () => {
  it("asks Lobby once, then answers from the cache", async () => {
    await commands("g1", { commands: [{}] });
    await orders("g1", { orders: [] });
    await report("g1", "1");
    await commands("g1", { commands: [{}] }, "u2");
    expect(t.lobby.calls).toEqual(["g1"]);
    expect(t.engine.hotCalls).toHaveLength(3);
  });

  it("reloads the roster after the TTL", async () => {
    await commands("g1", { commands: [{}] });
    t.lobby.setRoster("g1", [["u1", "Aelinari", "blocked"]]);
    now += 29_999;
    expect((await commands("g1", { commands: [{}] })).status).toBe(200);
    now += 1;
    expect((await commands("g1", { commands: [{}] })).status).toBe(403);
    expect(t.lobby.calls).toEqual(["g1", "g1"]);
  });

  it("answers service_unavailable when Lobby is down on a miss, and never calls the engine", async () => {
    t.lobby.failure = lobbyDown();
    expect(await errorOf(await commands("g1", { commands: [{}] }))).toEqual([
      503,
      "service_unavailable",
      "cannot verify membership: Game Lobby is unavailable",
    ]);
    expect(t.engine.hotCalls).toEqual([]);
    t.lobby.failure = undefined;
    expect((await commands("g1", { commands: [{}] })).status).toBe(200);
  });
});

describe("internalInvalidateMemberships", () => {
  it("answers 204 and makes the next request reload the roster", async () => {
    expect((await commands("g1", { commands: [{}] })).status).toBe(200);
    t.lobby.setRoster("g1", [["u1", "Aelinari", "removed"]]);
    const response = await t.app.request(`${GAME}/g1/memberships/invalidate`, {
      method: "POST",
      headers: { "x-op-source": "lobby_internal" },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect((await commands("g1", { commands: [{}] })).status).toBe(403);
    expect(t.lobby.calls).toEqual(["g1", "g1"]);
  });

  it("is idempotent and fine for a game it does not know", async () => {
    for (let index = 0; index < 2; index += 1) {
      const response = await t.app.request(`${GAME}/unknown-game/memberships/invalidate`, {
        method: "POST",
      });
      expect(response.status).toBe(204);
    }
  });

  it("ignores a body (Lobby may send {})", async () => {
    const response = await t.app.request(
      `${GAME}/g1/memberships/invalidate`,
      jsonRequest("POST", {}),
    );
    expect(response.status).toBe(204);
  });

  it("rejects a malformed game id", async () => {
    const response = await t.app.request(`${GAME}/bad%20id/memberships/invalidate`, {
      method: "POST",
    });
    expect(response.status).toBe(400);
  });
});

describe("hot path: engine failures", () => {
  it.each([
    [
      "a 4xx",
      new GalaxyError("engine_validation_error", "unknown command type"),
      [422, "engine_validation_error", "unknown command type"],
    ],
    [
      "a 5xx",
      new GalaxyError("engine_unreachable", "engine command answered 500"),
      [502, "engine_unreachable", "engine command answered 500"],
    ],
    [
      "a timeout",
      new GalaxyError("engine_unreachable", "engine command timed out after 1000ms"),
      [502, "engine_unreachable", "engine command timed out after 1000ms"],
    ],
  ])("maps %s of the engine", async (_name, error, expected) => {
    t.engine.reply = error;
    expect(await errorOf(await commands("g1", { commands: [{}] }))).toEqual(expected);
    expect(await errorOf(await orders("g1", { orders: [] }))).toEqual(expected);
    expect(await errorOf(await report("g1", "1"))).toEqual(expected);
  });
});
