import { describe, expect, it } from "vitest";
import { createEngineStubApp, type EngineStubOptions } from "./app.js";
import { enginePlayerUuid, playerStatsAt } from "./determinism.js";
import type { RecordedCall, StateResponse } from "./game-store.js";

type App = ReturnType<typeof createEngineStubApp>;

function send(app: App, method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  return Promise.resolve(app.request(path, init));
}

async function json<T>(response: Response | Promise<Response>): Promise<T> {
  return (await response).json() as Promise<T>;
}

const races = [{ race_name: "Aelinari" }, { race_name: "Borgh" }];

async function initGame(app: App, gameId = "g1", roster = races): Promise<StateResponse> {
  const response = await send(app, "POST", `/games/${gameId}/api/v1/admin/init`, { races: roster });
  expect(response.status).toBe(200);
  return response.json() as Promise<StateResponse>;
}

function appWith(options: EngineStubOptions = {}): App {
  return createEngineStubApp(options);
}

async function expectError(response: Promise<Response>, status: number, code: string) {
  const res = await response;
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

describe("engine stub: process", () => {
  it("answers /healthz", async () => {
    const res = await send(appWith(), "GET", "/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("answers an unknown route with the not_found envelope", async () => {
    await expectError(send(appWith(), "GET", "/nope"), 404, "not_found");
  });
});

describe("engine stub: admin init and status", () => {
  it("creates a game at turn 0 with deterministic player uuids", async () => {
    const app = appWith();
    const state = await initGame(app);
    expect(state.turn).toBe(0);
    expect(state.finished).toBe(false);
    expect(state.players.map((p) => p.race_name)).toEqual(["Aelinari", "Borgh"]);
    for (const player of state.players) {
      expect(player.engine_player_uuid).toBe(enginePlayerUuid("g1", player.race_name));
      expect(player.engine_player_uuid).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(player).toMatchObject(playerStatsAt("g1", player.race_name, 0));
    }
    const other = await initGame(appWith(), "g2");
    expect(other.players[0]?.engine_player_uuid).not.toBe(state.players[0]?.engine_player_uuid);
  });

  it("is deterministic across processes and re-init resets the game", async () => {
    const a = appWith();
    const b = appWith();
    await initGame(a);
    await initGame(b);
    await send(a, "POST", "/games/g1/api/v1/admin/turn");
    await send(b, "POST", "/games/g1/api/v1/admin/turn");
    const sa = await json<StateResponse>(send(a, "GET", "/games/g1/api/v1/admin/status"));
    const sb = await json<StateResponse>(send(b, "GET", "/games/g1/api/v1/admin/status"));
    expect(sa).toEqual(sb);
    expect(sa.turn).toBe(1);
    const reset = await initGame(a);
    expect(reset.turn).toBe(0);
  });

  it("returns the status of an initialised game", async () => {
    const app = appWith();
    const created = await initGame(app);
    const status = await json<StateResponse>(send(app, "GET", "/games/g1/api/v1/admin/status"));
    expect(status).toEqual(created);
  });

  it("answers 404 for an unknown game on every engine path", async () => {
    const app = appWith();
    await expectError(send(app, "GET", "/games/nope/api/v1/admin/status"), 404, "not_found");
    await expectError(send(app, "POST", "/games/nope/api/v1/admin/turn"), 404, "not_found");
    await expectError(
      send(app, "POST", "/games/nope/api/v1/command", { actor: "A", cmd: [] }),
      404,
      "not_found",
    );
    await expectError(
      send(app, "GET", "/games/nope/api/v1/report?player=A&turn=0"),
      404,
      "not_found",
    );
  });

  it("rejects invalid init bodies with invalid_request", async () => {
    const app = appWith();
    const path = "/games/g1/api/v1/admin/init";
    await expectError(send(app, "POST", path, "{"), 400, "invalid_request");
    await expectError(send(app, "POST", path, { races: [] }), 400, "invalid_request");
    const unknown = await expectError(
      send(app, "POST", path, { races, actor: "x" }),
      400,
      "invalid_request",
    );
    expect(unknown).toContain("actor");
    const missing = await expectError(
      send(app, "POST", path, { races: [{}] }),
      400,
      "invalid_request",
    );
    expect(missing).toContain("races.0.race_name");
    const dup = await expectError(
      send(app, "POST", path, { races: [{ race_name: "A" }, { race_name: "A" }] }),
      400,
      "invalid_request",
    );
    expect(dup).toContain("duplicate");
  });
});

describe("engine stub: turns", () => {
  it("advances one turn with seeded, non-decreasing growth", async () => {
    const app = appWith();
    const initial = await initGame(app);
    let previous = initial;
    for (let turn = 1; turn <= 5; turn += 1) {
      const next = await json<StateResponse>(send(app, "POST", "/games/g1/api/v1/admin/turn"));
      expect(next.turn).toBe(turn);
      expect(next.finished).toBe(false);
      next.players.forEach((player, index) => {
        const before = previous.players[index];
        expect(player.engine_player_uuid).toBe(before?.engine_player_uuid);
        expect(player.planets).toBeGreaterThanOrEqual(before?.planets ?? 0);
        expect(player.population).toBeGreaterThan(before?.population ?? 0);
        expect(player).toMatchObject(playerStatsAt("g1", player.race_name, turn));
      });
      previous = next;
    }
  });

  it("finishes at the configured process-wide turn", async () => {
    const app = appWith({ finishAtTurn: 2 });
    await initGame(app);
    const first = await json<StateResponse>(send(app, "POST", "/games/g1/api/v1/admin/turn"));
    expect(first.finished).toBe(false);
    const second = await json<StateResponse>(send(app, "POST", "/games/g1/api/v1/admin/turn"));
    expect(second).toMatchObject({ turn: 2, finished: true });
    await expectError(send(app, "POST", "/games/g1/api/v1/admin/turn"), 409, "conflict");
  });

  it("never finishes by default", async () => {
    const app = appWith();
    await initGame(app);
    for (let i = 0; i < 20; i += 1) await send(app, "POST", "/games/g1/api/v1/admin/turn");
    const status = await json<StateResponse>(send(app, "GET", "/games/g1/api/v1/admin/status"));
    expect(status).toMatchObject({ turn: 20, finished: false });
  });
});

describe("engine stub: banish", () => {
  it("banishes a race with 204 and zeroes its stats from then on", async () => {
    const app = appWith();
    await initGame(app);
    await send(app, "POST", "/games/g1/api/v1/admin/turn");
    const res = await send(app, "POST", "/games/g1/api/v1/admin/race/banish", {
      race_name: "Borgh",
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const status = await json<StateResponse>(send(app, "GET", "/games/g1/api/v1/admin/status"));
    expect(status.players.find((p) => p.race_name === "Borgh")).toMatchObject({
      planets: 0,
      population: 0,
    });
    const again = await send(app, "POST", "/games/g1/api/v1/admin/race/banish", {
      race_name: "Borgh",
    });
    expect(again.status).toBe(204);
    await expectError(
      send(app, "POST", "/games/g1/api/v1/command", { actor: "Borgh", cmd: [1] }),
      400,
      "invalid_request",
    );
    const past = await json<{ planets: number; banished: boolean }>(
      send(app, "GET", "/games/g1/api/v1/report?player=Borgh&turn=0"),
    );
    expect(past.banished).toBe(false);
    expect(past.planets).toBeGreaterThan(0);
  });

  it("answers 404 for an unknown race and 400 for a bad body", async () => {
    const app = appWith();
    await initGame(app);
    const message = await expectError(
      send(app, "POST", "/games/g1/api/v1/admin/race/banish", { race_name: "Nobody" }),
      404,
      "not_found",
    );
    expect(message).toContain("Nobody");
    await expectError(
      send(app, "POST", "/games/g1/api/v1/admin/race/banish", { race: "Borgh" }),
      400,
      "invalid_request",
    );
  });
});

describe("engine stub: player endpoints", () => {
  it("accepts commands and echoes actor, count and turn", async () => {
    const app = appWith();
    await initGame(app);
    const res = await send(app, "POST", "/games/g1/api/v1/command", {
      actor: "Aelinari",
      cmd: [{ op: "build" }, { op: "move" }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ actor: "Aelinari", accepted: 2, turn: 0 });
  });

  it("accepts orders with PUT", async () => {
    const app = appWith();
    await initGame(app);
    await send(app, "POST", "/games/g1/api/v1/admin/turn");
    const res = await send(app, "PUT", "/games/g1/api/v1/order", {
      actor: "Borgh",
      orders: [{ fleet: 1 }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ actor: "Borgh", accepted: 1, turn: 1 });
  });

  it("rejects bad command and order bodies and unknown actors", async () => {
    const app = appWith();
    await initGame(app);
    await expectError(
      send(app, "POST", "/games/g1/api/v1/command", { actor: "Aelinari" }),
      400,
      "invalid_request",
    );
    await expectError(
      send(app, "POST", "/games/g1/api/v1/command", { actor: "Aelinari", cmd: [], x: 1 }),
      400,
      "invalid_request",
    );
    await expectError(
      send(app, "PUT", "/games/g1/api/v1/order", { actor: "Ghost", orders: [] }),
      400,
      "invalid_request",
    );
    await expectError(send(app, "PUT", "/games/g1/api/v1/order", "nope"), 400, "invalid_request");
  });

  it("serves a deterministic report for a past or current turn", async () => {
    const app = appWith();
    await initGame(app);
    await send(app, "POST", "/games/g1/api/v1/admin/turn");
    await send(app, "POST", "/games/g1/api/v1/admin/turn");
    const report = await json<Record<string, unknown>>(
      send(app, "GET", "/games/g1/api/v1/report?player=Aelinari&turn=1"),
    );
    expect(report).toMatchObject({
      player: "Aelinari",
      turn: 1,
      current_turn: 2,
      engine_player_uuid: enginePlayerUuid("g1", "Aelinari"),
      ...playerStatsAt("g1", "Aelinari", 1),
    });
    const again = await json<Record<string, unknown>>(
      send(app, "GET", "/games/g1/api/v1/report?player=Aelinari&turn=1"),
    );
    expect(again).toEqual(report);
  });

  it("rejects a report for an unknown player, a future turn or a bad turn", async () => {
    const app = appWith();
    await initGame(app);
    await expectError(
      send(app, "GET", "/games/g1/api/v1/report?player=Ghost&turn=0"),
      400,
      "invalid_request",
    );
    const future = await expectError(
      send(app, "GET", "/games/g1/api/v1/report?player=Aelinari&turn=1"),
      400,
      "invalid_request",
    );
    expect(future).toContain("not been generated");
    await expectError(
      send(app, "GET", "/games/g1/api/v1/report?player=Aelinari&turn=x"),
      400,
      "invalid_request",
    );
    await expectError(
      send(app, "GET", "/games/g1/api/v1/report?player=Aelinari"),
      400,
      "invalid_request",
    );
    await expectError(send(app, "GET", "/games/g1/api/v1/report?turn=0"), 400, "invalid_request");
  });
});

describe("engine stub: test controls", () => {
  it("fail-next-turn makes exactly the next turn answer 500 without advancing", async () => {
    const app = appWith();
    await initGame(app);
    expect((await send(app, "POST", "/games/g1/_stub/fail-next-turn")).status).toBe(200);
    await expectError(send(app, "POST", "/games/g1/api/v1/admin/turn"), 500, "internal_error");
    const status = await json<StateResponse>(send(app, "GET", "/games/g1/api/v1/admin/status"));
    expect(status.turn).toBe(0);
    const next = await send(app, "POST", "/games/g1/api/v1/admin/turn");
    expect(next.status).toBe(200);
  });

  it("fail-next-turn accepts another status", async () => {
    const app = appWith();
    await initGame(app);
    await send(app, "POST", "/games/g1/_stub/fail-next-turn?status=503");
    await expectError(send(app, "POST", "/games/g1/api/v1/admin/turn"), 503, "service_unavailable");
    await expectError(
      send(app, "POST", "/games/g1/_stub/fail-next-turn?status=200"),
      400,
      "invalid_request",
    );
  });

  it("slow-next-turn delays only the next turn and still advances it", async () => {
    const app = appWith();
    await initGame(app);
    await send(app, "POST", "/games/g1/_stub/slow-next-turn?ms=300");
    const started = Date.now();
    const slow = await json<StateResponse>(send(app, "POST", "/games/g1/api/v1/admin/turn"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(slow.turn).toBe(1);
    const fastStart = Date.now();
    await send(app, "POST", "/games/g1/api/v1/admin/turn");
    expect(Date.now() - fastStart).toBeLessThan(250);
    await expectError(send(app, "POST", "/games/g1/_stub/slow-next-turn"), 400, "invalid_request");
  });

  it("finish-at overrides the process default per game, even before init", async () => {
    const app = appWith({ finishAtTurn: 100 });
    await send(app, "POST", "/games/g1/_stub/finish-at?turn=1");
    await initGame(app);
    await initGame(app, "g2");
    const g1 = await json<StateResponse>(send(app, "POST", "/games/g1/api/v1/admin/turn"));
    const g2 = await json<StateResponse>(send(app, "POST", "/games/g2/api/v1/admin/turn"));
    expect(g1.finished).toBe(true);
    expect(g2.finished).toBe(false);
    await send(app, "POST", "/games/g2/_stub/finish-at?turn=0");
    await send(app, "POST", "/games/g2/_stub/finish-at?turn=1");
    const g2b = await json<StateResponse>(send(app, "POST", "/games/g2/api/v1/admin/turn"));
    expect(g2b).toMatchObject({ turn: 2, finished: true });
    await expectError(
      send(app, "POST", "/games/g1/_stub/finish-at?turn=-1"),
      400,
      "invalid_request",
    );
  });

  it("records every engine call with method, path, body, actor and time", async () => {
    const app = appWith();
    await initGame(app);
    await send(app, "POST", "/games/g1/api/v1/command", { actor: "Aelinari", cmd: ["x"] });
    await send(app, "PUT", "/games/g1/api/v1/order", { actor: "Borgh", orders: [] });
    await send(app, "GET", "/games/g1/api/v1/report?player=Borgh&turn=0");
    await send(app, "POST", "/games/g1/api/v1/admin/turn");
    const { game_id, calls } = await json<{ game_id: string; calls: RecordedCall[] }>(
      send(app, "GET", "/games/g1/_stub/calls"),
    );
    expect(game_id).toBe("g1");
    expect(calls.map((call) => `${call.method} ${call.path} ${call.actor}`)).toEqual([
      "POST /api/v1/admin/init null",
      "POST /api/v1/command Aelinari",
      "PUT /api/v1/order Borgh",
      "GET /api/v1/report Borgh",
      "POST /api/v1/admin/turn null",
    ]);
    expect(calls[1]?.body).toEqual({ actor: "Aelinari", cmd: ["x"] });
    expect(calls[3]?.query).toEqual({ player: "Borgh", turn: "0" });
    expect(Number.isNaN(Date.parse(calls[0]?.at ?? ""))).toBe(false);

    expect((await send(app, "DELETE", "/games/g1/_stub/calls")).status).toBe(204);
    const cleared = await json<{ calls: RecordedCall[] }>(
      send(app, "GET", "/games/g1/_stub/calls"),
    );
    expect(cleared.calls).toEqual([]);
    const unknown = await json<{ calls: RecordedCall[] }>(
      send(app, "GET", "/games/none/_stub/calls"),
    );
    expect(unknown.calls).toEqual([]);
  });

  it("keeps the call log bounded", async () => {
    const app = appWith({ callsLimit: 3 });
    await initGame(app);
    for (let i = 0; i < 5; i += 1) {
      await send(app, "POST", "/games/g1/api/v1/command", { actor: "Aelinari", cmd: [i] });
    }
    const { calls } = await json<{ calls: RecordedCall[] }>(
      send(app, "GET", "/games/g1/_stub/calls"),
    );
    expect(calls.map((call) => call.body)).toEqual([
      { actor: "Aelinari", cmd: [2] },
      { actor: "Aelinari", cmd: [3] },
      { actor: "Aelinari", cmd: [4] },
    ]);
  });

  it("fail-next-call fails a chosen hot-path operation with a chosen status, times N", async () => {
    const app = appWith();
    await initGame(app);
    await send(
      app,
      "POST",
      "/games/g1/_stub/fail-next-call?op=command&status=422&times=2&message=bad%20cmd",
    );
    const cmd = { actor: "Aelinari", cmd: [] };
    const message = await expectError(
      send(app, "POST", "/games/g1/api/v1/command", cmd),
      422,
      "invalid_request",
    );
    expect(message).toBe("bad cmd");
    await expectError(send(app, "POST", "/games/g1/api/v1/command", cmd), 422, "invalid_request");
    expect((await send(app, "POST", "/games/g1/api/v1/command", cmd)).status).toBe(200);

    await send(app, "POST", "/games/g1/_stub/fail-next-call?op=report");
    await expectError(
      send(app, "GET", "/games/g1/api/v1/report?player=Aelinari&turn=0"),
      500,
      "internal_error",
    );
    await expectError(
      send(app, "POST", "/games/g1/_stub/fail-next-call?op=explode"),
      400,
      "invalid_request",
    );
  });

  it("fail-next-call kind=garbage answers 200 with a non-JSON body", async () => {
    const app = appWith();
    await send(app, "POST", "/games/g1/_stub/fail-next-call?op=init&kind=garbage");
    const res = await send(app, "POST", "/games/g1/api/v1/admin/init", { races });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
    expect((await initGame(app)).turn).toBe(0);
  });

  it("slow-next-call delays a chosen operation", async () => {
    const app = appWith();
    await initGame(app);
    await send(app, "POST", "/games/g1/_stub/slow-next-call?op=status&ms=120");
    const started = Date.now();
    await send(app, "GET", "/games/g1/api/v1/admin/status");
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it("init-roster-override makes the next init answer a different roster", async () => {
    const app = appWith();
    const res = await send(app, "POST", "/games/g1/_stub/init-roster-override", {
      race_names: ["Aelinari", "Intruder"],
    });
    expect(res.status).toBe(200);
    const tampered = await initGame(app);
    expect(tampered.players.map((p) => p.race_name)).toEqual(["Aelinari", "Intruder"]);
    const honest = await initGame(app);
    expect(honest.players.map((p) => p.race_name)).toEqual(["Aelinari", "Borgh"]);
    await expectError(
      send(app, "POST", "/games/g1/_stub/init-roster-override", { races: [] }),
      400,
      "invalid_request",
    );
  });

  it("DELETE /games/{id}/_stub forgets the game", async () => {
    const app = appWith();
    await initGame(app);
    expect((await send(app, "DELETE", "/games/g1/_stub")).status).toBe(204);
    await expectError(send(app, "GET", "/games/g1/api/v1/admin/status"), 404, "not_found");
  });

  it("lists known games", async () => {
    const app = appWith();
    await initGame(app, "a");
    await initGame(app, "b");
    expect(await json(send(app, "GET", "/_stub/games"))).toEqual({ games: ["a", "b"] });
  });

  it("keeps controls armed before init and refuses engine calls until init", async () => {
    const app = appWith();
    await send(app, "POST", "/games/g1/_stub/fail-next-turn");
    await expectError(send(app, "GET", "/games/g1/api/v1/admin/status"), 404, "not_found");
    await initGame(app);
    await expectError(send(app, "POST", "/games/g1/api/v1/admin/turn"), 500, "internal_error");
  });
});
