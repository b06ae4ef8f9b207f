import { describe, expect, it, vi } from "vitest";
import { createHarness } from "../test/harness.js";
import { MAX_BODY_BYTES, MAX_LOOKUP_BODY_BYTES, MAX_LOOKUP_GAME_IDS } from "./app.js";
import type { Game } from "./state.js";

const newGame = {
  game_id: "g1",
  name: "First game",
  target_engine_version: "1.2.3",
  turn_schedule: "0 * * * *",
};

describe("games REST", () => {
  it("creates, gets and lists games", async () => {
    const { request } = createHarness();
    const created = await request("POST", "/api/v1/games", newGame);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...newGame,
      status: "enrolling",
      members: [],
      min_players: 1,
      image_ref: null,
      engine_endpoint: null,
      current_turn: 0,
      runtime_status: null,
      player_turn_stats: [],
      start_error: null,
    });
    expect((await request("GET", "/api/v1/games/g1")).body).toEqual(created.body);
    const list = await request("GET", "/api/v1/games");
    expect(list.status).toBe(200);
    expect((list.body as { games: Game[] }).games.map((game) => game.game_id)).toEqual(["g1"]);
    const filtered = await request("GET", "/api/v1/games?status=running");
    expect((filtered.body as { games: Game[] }).games).toEqual([]);
  });

  it("generates a game id when none is given", async () => {
    const { request } = createHarness();
    const { game_id: _omit, ...withoutId } = newGame;
    const created = await request("POST", "/api/v1/games", withoutId);
    expect(created.status).toBe(201);
    expect((created.body as Game).game_id).toMatch(/^game-[0-9a-f-]{36}$/);
  });

  it("rejects a duplicate game id with conflict", async () => {
    const { request } = createHarness();
    await request("POST", "/api/v1/games", newGame);
    const again = await request("POST", "/api/v1/games", newGame);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "conflict" } });
  });

  it("rejects unknown fields, missing fields and malformed JSON with invalid_request", async () => {
    const { request } = createHarness();
    const unknown = await request("POST", "/api/v1/games", { ...newGame, actor: "x" });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: { code: "invalid_request", message: expect.stringContaining('unknown field "actor"') },
    });
    const missing = await request("POST", "/api/v1/games", { name: "x" });
    expect(missing.status).toBe(400);
    expect((missing.body as { error: { message: string } }).error.message).toContain(
      "target_engine_version",
    );
    const malformed = await request("POST", "/api/v1/games", "{not json");
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: "invalid_request" } });
    const badId = await request("POST", "/api/v1/games", { ...newGame, game_id: "../etc" });
    expect(badId.status).toBe(400);
  });

  it.each([
    ["an out-of-range hour", "0 25 * * *", "hour"],
    ["six fields (seconds)", "0 0 0 * * *", "expected exactly 5 fields"],
    ["a descriptor", "@hourly", "@"],
    ["a non-UTC time zone", "TZ=Europe/Berlin 0 * * * *", "UTC"],
  ])(
    "refuses a game whose turn schedule has %s with the cron parser's reason, creating nothing",
    async (_name, schedule, reason) => {
      const { request, service } = createHarness();
      const response = await request("POST", "/api/v1/games", {
        ...newGame,
        game_id: "bad-cron",
        turn_schedule: schedule,
      });
      expect(response.status).toBe(400);
      const message = (response.body as { error: { code: string; message: string } }).error;
      expect(message.code).toBe("invalid_request");
      expect(message.message).toContain("turn_schedule");
      expect(message.message).toContain(reason);
      expect(service.listGames()).toEqual([]);
    },
  );

  it("accepts every schedule Game Master accepts (robfig grammar)", async () => {
    const { request } = createHarness();
    for (const [index, schedule] of [
      "* * * * *",
      "*/15 9-17 * * MON-FRI",
      "0 0 1,15 * ?",
      "TZ=UTC 5 4 * * *",
    ].entries()) {
      const response = await request("POST", "/api/v1/games", {
        ...newGame,
        game_id: `cron-${index}`,
        turn_schedule: schedule,
      });
      expect(response.status, schedule).toBe(201);
    }
  });

  it("refuses names GM could not store, deep and oversized bodies, and keeps nothing", async () => {
    const { request } = createHarness();
    const nulName = await request("POST", "/api/v1/games", { ...newGame, name: "a\u0000b" });
    expect(nulName).toMatchObject({
      status: 400,
      body: {
        error: {
          code: "invalid_request",
          message: "invalid request: name: must not contain NUL characters",
        },
      },
    });
    const surrogate = await request(
      "POST",
      "/api/v1/games",
      '{"name":"\\udfff\\ud800","target_engine_version":"1.2.3","turn_schedule":"0 * * * *"}',
    );
    expect((surrogate.body as { error: { message: string } }).error.message).toBe(
      "invalid request: name: must not contain unpaired UTF-16 surrogates",
    );
    const deep = await request("POST", "/api/v1/games", `${"[".repeat(5_000)}${"]".repeat(5_000)}`);
    expect(deep).toMatchObject({
      status: 400,
      body: { error: { message: "invalid request: body nested deeper than 8 levels" } },
    });
    const huge = await request("POST", "/api/v1/games", { ...newGame, name: "x".repeat(70_000) });
    expect(huge).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(((await request("GET", "/api/v1/games")).body as { games: Game[] }).games).toEqual([]);

    await request("POST", "/api/v1/games", newGame);
    const member = await request("POST", "/api/v1/games/g1/members", {
      user_id: "u1",
      race_name: "Zorg\u0000",
    });
    expect(member).toMatchObject({
      status: 400,
      body: {
        error: {
          code: "invalid_request",
          message: "invalid request: race_name: must not contain NUL characters",
        },
      },
    });
    expect(((await request("GET", "/api/v1/games/g1")).body as Game).members).toEqual([]);
  });

  it("answers not_found for an unknown game and an unknown route", async () => {
    const { request } = createHarness();
    expect(await request("GET", "/api/v1/games/nope")).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });
    expect(await request("GET", "/nope")).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });
  });

  it("answers /healthz", async () => {
    const { request } = createHarness();
    expect(await request("GET", "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
  });
});

describe("members REST", () => {
  it("adds members, which makes the game ready_to_start", async () => {
    const { request } = createHarness();
    await request("POST", "/api/v1/games", newGame);
    const added = await request("POST", "/api/v1/games/g1/members", {
      user_id: "u1",
      race_name: "Zorgons",
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      status: "ready_to_start",
      members: [{ user_id: "u1", race_name: "Zorgons", status: "active" }],
    });
  });

  it("refuses a second membership of a user and a taken race name", async () => {
    const { gameWithMembers, request } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    const sameUser = await request("POST", "/api/v1/games/g1/members", {
      user_id: "u1",
      race_name: "Other",
    });
    expect(sameUser).toMatchObject({ status: 409, body: { error: { code: "conflict" } } });
    const sameRace = await request("POST", "/api/v1/games/g1/members", {
      user_id: "u2",
      race_name: "Zorgons",
    });
    expect(sameRace).toMatchObject({ status: 409, body: { error: { code: "conflict" } } });
  });

  it("validates the member body strictly", async () => {
    const { gameWithMembers, request } = createHarness();
    await gameWithMembers("g1", []);
    const response = await request("POST", "/api/v1/games/g1/members", {
      user_id: "u1",
      race_name: "Zorgons",
      status: "blocked",
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: "invalid_request" } });
  });

  it("removes and blocks members", async () => {
    const { gameWithMembers, request } = createHarness();
    await gameWithMembers("g1", [
      ["u1", "Zorgons"],
      ["u2", "Humans"],
    ]);
    expect((await request("POST", "/api/v1/games/g1/members/u1/remove")).status).toBe(200);
    const blocked = await request("POST", "/api/v1/games/g1/members/u2/block", {});
    expect(blocked.status).toBe(200);
    expect((blocked.body as Game).members.map((member) => member.status)).toEqual([
      "removed",
      "blocked",
    ]);
    expect((await request("POST", "/api/v1/games/g1/members/u1/remove")).status).toBe(409);
    expect((await request("POST", "/api/v1/games/g1/members/zz/block")).status).toBe(404);
    expect((await request("POST", "/api/v1/games/g1/members/u1/block", { x: 1 })).status).toBe(400);
  });

  it("serves the memberships endpoint GM reads", async () => {
    const { gameWithMembers, request } = createHarness();
    await gameWithMembers("g1", [
      ["u1", "Zorgons"],
      ["u2", "Humans"],
      ["u3", "Elves"],
    ]);
    await request("POST", "/api/v1/games/g1/members/u2/remove");
    await request("POST", "/api/v1/games/g1/members/u3/block");
    const response = await request("GET", "/api/v1/internal/games/g1/memberships");
    expect(response).toEqual({
      status: 200,
      body: {
        memberships: [
          { user_id: "u1", race_name: "Zorgons", status: "active" },
          { user_id: "u2", race_name: "Humans", status: "removed" },
          { user_id: "u3", race_name: "Elves", status: "blocked" },
        ],
      },
    });
    expect(await request("GET", "/api/v1/internal/games/nope/memberships")).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });
  });

  it("does not call the invalidate hook before the game has a runtime", async () => {
    const { gameWithMembers, request, fakeGm, telemetry } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    await request("POST", "/api/v1/games/g1/members/u1/remove");
    expect(fakeGm.callsOf("invalidate")).toEqual([]);
    expect(telemetry.counter("invalidate_calls")).toBe(0);
  });
});

describe("batch memberships lookup", () => {
  const LOOKUP = "/api/v1/internal/memberships/lookup";

  async function threeGames() {
    const harness = createHarness();
    await harness.gameWithMembers("g1", [
      ["u1", "Zorgons"],
      ["u2", "Humans"],
      ["u3", "Elves"],
    ]);
    await harness.gameWithMembers("g2", [["u4", "Borg"]]);
    await harness.gameWithMembers("g3", []);
    await harness.request("POST", "/api/v1/games/g1/members/u2/remove");
    await harness.request("POST", "/api/v1/games/g1/members/u3/block");
    return harness;
  }

  function byGame(body: unknown) {
    const games = (body as { games: { game_id: string; memberships: unknown[] }[] }).games;
    return new Map(games.map((game) => [game.game_id, game.memberships]));
  }

  it("answers every known game once, with the per-game roster, and leaves unknown games out", async () => {
    const { request } = await threeGames();
    const response = await request("POST", LOOKUP, {
      game_ids: ["g1", "nope", "g2", "g1", "g3", "g2"],
    });
    expect(response.status).toBe(200);
    const games = (response.body as { games: { game_id: string }[] }).games;
    expect(games.map((game) => game.game_id).sort()).toEqual(["g1", "g2", "g3"]);
    const rosters = byGame(response.body);
    expect(rosters.get("g1")).toEqual([
      { user_id: "u1", race_name: "Zorgons", status: "active" },
      { user_id: "u2", race_name: "Humans", status: "removed" },
      { user_id: "u3", race_name: "Elves", status: "blocked" },
    ]);
    expect(rosters.get("g2")).toEqual([{ user_id: "u4", race_name: "Borg", status: "active" }]);
    expect(rosters.get("g3")).toEqual([]);
    for (const gameId of ["g1", "g2", "g3"]) {
      const single = await request("GET", `/api/v1/internal/games/${gameId}/memberships`);
      expect(single.body, gameId).toEqual({ memberships: rosters.get(gameId) });
    }
  });

  it("answers an empty list when no requested game is known", async () => {
    const { request } = await threeGames();
    expect(await request("POST", LOOKUP, { game_ids: ["nope", "gone"] })).toEqual({
      status: 200,
      body: { games: [] },
    });
  });

  it("counts a batch lookup apart from per-game reads", async () => {
    const { request, telemetry } = await threeGames();
    await request("POST", LOOKUP, { game_ids: ["g1", "g2", "g1", "nope"] });
    expect(telemetry.counter("memberships_lookups")).toBe(1);
    expect(telemetry.counter("memberships_lookup_games")).toBe(3);
    expect(telemetry.counter("memberships_reads")).toBe(0);
    await request("GET", "/api/v1/internal/games/g1/memberships");
    await request("GET", "/api/v1/internal/games/nope/memberships");
    expect((await request("GET", "/_stub/metrics")).body).toMatchObject({
      memberships_reads: 2,
      memberships_lookups: 1,
      memberships_lookup_games: 3,
    });
    // Lookups are reads: the GM call log (outgoing calls only) gains nothing from them.
    expect((await request("GET", "/_stub/calls?game_id=g1")).body).toEqual({ calls: [] });
  });

  it("takes the largest batch GM may send, even past the default body limit", async () => {
    const { request, gameWithMembers } = createHarness();
    await gameWithMembers("g7", [["u1", "Zorgons"]]);
    // GM's game ids run to 128 characters; 999 of them plus one the stub knows.
    const gameIds = Array.from(
      { length: MAX_LOOKUP_GAME_IDS - 1 },
      (_, index) => `g${String(index).padStart(127, "0")}`,
    );
    gameIds.splice(500, 0, "g7");
    expect(JSON.stringify({ game_ids: gameIds }).length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(await request("POST", LOOKUP, { game_ids: gameIds })).toEqual({
      status: 200,
      body: {
        games: [
          {
            game_id: "g7",
            memberships: [{ user_id: "u1", race_name: "Zorgons", status: "active" }],
          },
        ],
      },
    });
  });

  it.each([
    ["a body that is not JSON", "{not json", "body is not valid JSON"],
    ["no body", undefined, "game_ids: required"],
    ["no game_ids", {}, "game_ids: required"],
    ["an empty game_ids", { game_ids: [] }, "game_ids: must hold at least 1 game id"],
    [
      "too many game_ids",
      { game_ids: Array.from({ length: MAX_LOOKUP_GAME_IDS + 1 }, () => "g1") },
      "game_ids: must hold at most 1000 game ids",
    ],
    ["a game_ids that is not an array", { game_ids: "g1" }, "game_ids:"],
    ["a non-string id", { game_ids: ["g1", 7] }, "game_ids.1:"],
    ["an empty id", { game_ids: ["g1", ""] }, "game_ids.1: must not be empty"],
    ["an id with a NUL", { game_ids: ["g\u0000"] }, "game_ids.0: must not contain NUL"],
    ["an unknown field", { game_ids: ["g1"], limit: 5 }, 'unknown field "limit"'],
    [
      "a body past the lookup limit",
      { game_ids: ["g1", "x".repeat(MAX_LOOKUP_BODY_BYTES)] },
      `request body too large (limit ${MAX_LOOKUP_BODY_BYTES} bytes)`,
    ],
  ])("refuses %s with invalid_request and changes nothing", async (_name, body, message) => {
    const { request, telemetry, state } = await threeGames();
    const before = state.listGames();
    const response = await request("POST", LOOKUP, body);
    expect(response.status).toBe(400);
    const error = (response.body as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain(message);
    expect(state.listGames()).toEqual(before);
    expect(telemetry.counter("memberships_lookups")).toBe(0);
    expect(telemetry.counter("memberships_lookup_games")).toBe(0);
  });

  it("fails like the per-game read when the roster store fails", async () => {
    const { request, state } = await threeGames();
    vi.spyOn(state, "memberships").mockImplementation(() => {
      throw new Error("storage went away");
    });
    const single = await request("GET", "/api/v1/internal/games/g1/memberships");
    const batch = await request("POST", LOOKUP, { game_ids: ["g1", "g2"] });
    expect(single).toMatchObject({ status: 500, body: { error: { code: "internal_error" } } });
    expect(batch).toEqual(single);
  });
});

describe("start REST", () => {
  it("resolves the image ref, publishes a start job and answers 202 starting", async () => {
    const { gameWithMembers, request, jobs, fakeGm } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    const before = Date.now();
    const response = await request("POST", "/api/v1/games/g1/start");
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: "starting", image_ref: "galaxy/game:1.2.3" });
    expect(fakeGm.callsOf("resolve")).toMatchObject([
      { path: "/api/v1/internal/engine-versions/1.2.3/image-ref", opSource: "lobby_internal" },
    ]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ game_id: "g1", image_ref: "galaxy/game:1.2.3" });
    expect(Number(jobs[0]?.requested_at_ms)).toBeGreaterThanOrEqual(before);
  });

  it("answers 422 engine_version_not_found when GM does not know the version", async () => {
    const { gameWithMembers, request, jobs, fakeGm } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    fakeGm.versions.clear();
    const response = await request("POST", "/api/v1/games/g1/start");
    expect(response).toMatchObject({
      status: 422,
      body: { error: { code: "engine_version_not_found" } },
    });
    expect(jobs).toEqual([]);
    expect((await request("GET", "/api/v1/games/g1")).body).toMatchObject({
      status: "ready_to_start",
    });
  });

  it("answers 503 service_unavailable and stays ready_to_start when GM is unreachable", async () => {
    const { gameWithMembers, request, jobs, fakeGm, telemetry } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    fakeGm.down = true;
    const response = await request("POST", "/api/v1/games/g1/start");
    expect(response).toMatchObject({
      status: 503,
      body: { error: { code: "service_unavailable" } },
    });
    expect(jobs).toEqual([]);
    expect((await request("GET", "/api/v1/games/g1")).body).toMatchObject({
      status: "ready_to_start",
      image_ref: null,
    });
    expect(telemetry.counter("start_resolve_failures")).toBe(1);
  });

  it("answers 503 when GM fails with a 5xx while resolving", async () => {
    const { gameWithMembers, request, fakeGm } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    fakeGm.behaviours.resolve = { status: 500, code: "internal_error" };
    expect((await request("POST", "/api/v1/games/g1/start")).status).toBe(503);
  });

  it("rolls the start back when the start job cannot be published", async () => {
    const { gameWithMembers, request, publisher } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    publisher.failing = true;
    expect((await request("POST", "/api/v1/games/g1/start")).status).toBe(503);
    expect((await request("GET", "/api/v1/games/g1")).body).toMatchObject({
      status: "ready_to_start",
    });
  });

  it("refuses to start a game that is still enrolling or already starting", async () => {
    const { gameWithMembers, request } = createHarness();
    await gameWithMembers("g1", []);
    expect(await request("POST", "/api/v1/games/g1/start")).toMatchObject({
      status: 409,
      body: { error: { code: "conflict" } },
    });
    await request("POST", "/api/v1/games/g1/members", { user_id: "u1", race_name: "Zorgons" });
    expect((await request("POST", "/api/v1/games/g1/start")).status).toBe(202);
    expect((await request("POST", "/api/v1/games/g1/start")).status).toBe(409);
    expect((await request("POST", "/api/v1/games/nope/start")).status).toBe(404);
  });

  it("refuses to resume a game that is not paused", async () => {
    const { gameWithMembers, request } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    expect(await request("POST", "/api/v1/games/g1/resume")).toMatchObject({
      status: 409,
      body: { error: { code: "conflict" } },
    });
  });
});

describe("test controls", () => {
  it("exposes counters and recorded GM calls", async () => {
    const { gameWithMembers, request } = createHarness();
    await gameWithMembers("g1", [["u1", "Zorgons"]]);
    await request("POST", "/api/v1/games/g1/start");
    const metrics = await request("GET", "/_stub/metrics");
    expect(metrics.body).toMatchObject({
      games_created: 1,
      start_requests: 1,
      start_jobs_published: 1,
      invalidate_failures: 0,
    });
    const calls = await request("GET", "/_stub/calls?game_id=g1");
    expect(calls.body).toEqual({ calls: [] });
    const all = await request("GET", "/_stub/calls");
    expect((all.body as { calls: { operation: string }[] }).calls).toMatchObject([
      { operation: "internalResolveEngineVersionImageRef", outcome: "ok", status: 200 },
    ]);
    expect((await request("POST", "/_stub/reset-telemetry")).status).toBe(204);
    expect((await request("GET", "/_stub/metrics")).body).toMatchObject({ games_created: 0 });
  });
});
