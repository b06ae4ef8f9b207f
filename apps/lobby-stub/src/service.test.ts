import { describe, expect, it } from "vitest";
import { createHarness } from "../test/harness.js";

const ENDPOINT = "http://engine-stub:8093/games/g1";

async function startedGame(
  members: [string, string][] = [
    ["u1", "Zorgons"],
    ["u2", "Humans"],
  ],
) {
  const harness = createHarness();
  await harness.gameWithMembers("g1", members);
  const started = await harness.request("POST", "/api/v1/games/g1/start");
  expect(started.status).toBe(202);
  return harness;
}

function success(gameId = "g1", endpoint = ENDPOINT): Record<string, string> {
  return {
    game_id: gameId,
    outcome: "success",
    engine_endpoint: endpoint,
    error_code: "",
    error_message: "",
    completed_at_ms: String(Date.now()),
  };
}

async function pausedGame() {
  const harness = await startedGame();
  harness.fakeGm.down = true;
  await harness.service.handleJobResult(success());
  harness.fakeGm.down = false;
  expect(harness.service.getGame("g1").status).toBe("paused");
  return harness;
}

describe("job results", () => {
  it("registers the runtime with lobby_internal and active members only, then runs", async () => {
    const harness = await startedGame([
      ["u1", "Zorgons"],
      ["u2", "Humans"],
      ["u3", "Elves"],
    ]);
    await harness.request("POST", "/api/v1/games/g1/members/u2/remove");
    await harness.request("POST", "/api/v1/games/g1/members/u3/block");
    expect(await harness.service.handleJobResult(success())).toBe("applied");
    const register = harness.fakeGm.callsOf("register", "g1");
    expect(register).toHaveLength(1);
    expect(register[0]).toMatchObject({
      method: "POST",
      path: "/api/v1/internal/games/g1/runtime",
      opSource: "lobby_internal",
      body: {
        engine_endpoint: ENDPOINT,
        members: [{ user_id: "u1", race_name: "Zorgons" }],
        target_engine_version: "1.2.3",
        turn_schedule: "0 * * * *",
      },
    });
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "running",
      engine_endpoint: ENDPOINT,
      runtime_status: "running",
      current_turn: 0,
      start_error: null,
    });
  });

  it("treats an RTM replay_no_op success like a success", async () => {
    const harness = await startedGame();
    await harness.service.handleJobResult({ ...success(), error_code: "replay_no_op" });
    expect(harness.service.getGame("g1").status).toBe("running");
  });

  it("moves to start_failed on a failure outcome without calling register-runtime", async () => {
    const harness = await startedGame();
    await harness.service.handleJobResult({
      game_id: "g1",
      outcome: "failure",
      engine_endpoint: "",
      error_code: "start_config_invalid",
      error_message: "bad image labels",
      completed_at_ms: "1",
    });
    expect(harness.fakeGm.callsOf("register")).toEqual([]);
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "start_failed",
      start_error: { code: "start_config_invalid", message: "bad image labels" },
    });
    // A failed start can be tried again.
    expect((await harness.request("POST", "/api/v1/games/g1/start")).status).toBe(202);
    expect(harness.service.getGame("g1")).toMatchObject({ status: "starting", start_error: null });
  });

  it("pauses the game when GM is unreachable at register time, keeping the endpoint", async () => {
    const harness = await startedGame();
    harness.fakeGm.down = true;
    await harness.service.handleJobResult(success());
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "paused",
      engine_endpoint: ENDPOINT,
      start_error: { code: "service_unavailable" },
    });
    expect(harness.telemetry.counter("games_paused")).toBe(1);
  });

  it("announces the pause with the lobby.runtime_paused_after_start admin intent", async () => {
    const harness = await startedGame();
    harness.fakeGm.down = true;
    await harness.service.handleJobResult(success());
    expect(harness.intents).toEqual([
      expect.objectContaining({
        notification_type: "lobby.runtime_paused_after_start",
        producer: "lobby",
        audience_kind: "admin",
        recipient_user_ids: [],
        payload: expect.objectContaining({
          game_id: "g1",
          image_ref: "galaxy/game:1.2.3",
          engine_endpoint: ENDPOINT,
          error_code: "service_unavailable",
        }),
      }),
    ]);
    // A resume whose re-register also fails keeps the game paused without a second alert.
    await harness.request("POST", "/api/v1/games/g1/resume");
    expect(harness.service.getGame("g1").status).toBe("paused");
    expect(harness.intents).toHaveLength(1);
  });

  it("keeps the pause when the alert cannot be published", async () => {
    const harness = await startedGame();
    harness.fakeGm.down = true;
    harness.publisher.intentsFailing = true;
    await harness.service.handleJobResult(success());
    expect(harness.service.getGame("g1").status).toBe("paused");
    expect(harness.telemetry.counter("pause_intent_failures")).toBe(1);
  });

  it("publishes no pause alert when GM refuses register-runtime (no paused game)", async () => {
    const harness = await startedGame();
    harness.fakeGm.behaviours.register = { status: 409, code: "conflict" };
    await harness.service.handleJobResult(success());
    expect(harness.service.getGame("g1").status).toBe("start_failed");
    expect(harness.intents).toEqual([]);
  });

  it("pauses the game when GM answers 503 service_unavailable", async () => {
    const harness = await startedGame();
    harness.fakeGm.behaviours.register = { status: 503, code: "service_unavailable" };
    await harness.service.handleJobResult(success());
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "paused",
      start_error: { code: "service_unavailable" },
    });
  });

  it("moves to start_failed with GM's code when GM refuses register-runtime", async () => {
    const harness = await startedGame();
    harness.fakeGm.behaviours.register = {
      status: 422,
      code: "engine_validation_error",
      message: "engine said no",
    };
    await harness.service.handleJobResult(success());
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "start_failed",
      start_error: { code: "engine_validation_error", message: "engine said no" },
    });
  });

  it("fails a success without engine_endpoint", async () => {
    const harness = await startedGame();
    await harness.service.handleJobResult({ ...success(), engine_endpoint: "" });
    expect(harness.fakeGm.callsOf("register")).toEqual([]);
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "start_failed",
      start_error: { code: "invalid_job_result" },
    });
  });

  it("skips malformed results, unknown games and games that are not starting", async () => {
    const harness = await startedGame();
    expect(await harness.service.handleJobResult({ game_id: "g1", outcome: "maybe" })).toBe(
      "malformed",
    );
    expect(await harness.service.handleJobResult({ outcome: "success" })).toBe("malformed");
    expect(await harness.service.handleJobResult(success("nope"))).toBe("skipped");
    await harness.service.handleJobResult(success());
    // A replayed result after the game runs changes nothing and calls nobody.
    expect(await harness.service.handleJobResult(success())).toBe("skipped");
    expect(harness.fakeGm.callsOf("register")).toHaveLength(1);
    expect(harness.telemetry.counter("job_results_skipped")).toBe(4);
  });
});

describe("resume", () => {
  it("goes back to running when GM already has a ready runtime", async () => {
    const harness = await pausedGame();
    harness.fakeGm.runtimes.set("g1", {
      game_id: "g1",
      status: "running",
      engine_endpoint: ENDPOINT,
      current_turn: 0,
      members: [],
    });
    const response = await harness.request("POST", "/api/v1/games/g1/resume");
    expect(response).toMatchObject({ status: 200, body: { status: "running" } });
    expect(harness.fakeGm.callsOf("liveness", "g1")).toMatchObject([
      { opSource: "lobby_internal" },
    ]);
    expect(harness.fakeGm.callsOf("register")).toHaveLength(1);
  });

  it.each(["generation_in_progress", "generation_failed", "engine_unreachable", "starting"])(
    "stays paused with 503 while GM's liveness says %s is not ready",
    async (status) => {
      const harness = await pausedGame();
      harness.fakeGm.runtimes.set("g1", {
        game_id: "g1",
        status,
        engine_endpoint: ENDPOINT,
        current_turn: 3,
        members: [],
      });
      const response = await harness.request("POST", "/api/v1/games/g1/resume");
      expect(response).toMatchObject({
        status: 503,
        body: { error: { code: "service_unavailable", message: expect.stringContaining(status) } },
      });
      expect(harness.service.getGame("g1").status).toBe("paused");
      // GM answered: the Lobby does not try to register the runtime a second time.
      expect(harness.fakeGm.callsOf("register")).toHaveLength(1);
      expect(harness.telemetry.counter("resume_failures")).toBe(1);

      // Once liveness says ready, the same resume succeeds.
      const runtime = harness.fakeGm.runtimes.get("g1");
      if (runtime) runtime.status = "running";
      expect(await harness.request("POST", "/api/v1/games/g1/resume")).toMatchObject({
        status: 200,
        body: { status: "running" },
      });
    },
  );

  it("re-registers with the saved endpoint when GM has no runtime", async () => {
    const harness = await pausedGame();
    const response = await harness.request("POST", "/api/v1/games/g1/resume");
    expect(response).toMatchObject({ status: 200, body: { status: "running", start_error: null } });
    const register = harness.fakeGm.callsOf("register", "g1");
    expect(register).toHaveLength(2);
    expect(register[1]).toMatchObject({
      opSource: "lobby_internal",
      body: { engine_endpoint: ENDPOINT },
    });
    expect(harness.telemetry.counter("resume_success")).toBe(1);
  });

  it("answers 503 and stays paused while GM is still unreachable", async () => {
    const harness = await pausedGame();
    harness.fakeGm.down = true;
    expect(await harness.request("POST", "/api/v1/games/g1/resume")).toMatchObject({
      status: 503,
      body: { error: { code: "service_unavailable" } },
    });
    expect(harness.service.getGame("g1").status).toBe("paused");
  });

  it("answers 503 and stays paused when the re-register fails on GM's side", async () => {
    const harness = await pausedGame();
    harness.fakeGm.behaviours.register = { status: 502, code: "engine_unreachable" };
    expect((await harness.request("POST", "/api/v1/games/g1/resume")).status).toBe(503);
    expect(harness.service.getGame("g1").status).toBe("paused");
  });

  it("moves to finished when GM reports the runtime finished", async () => {
    const harness = await pausedGame();
    harness.fakeGm.runtimes.set("g1", {
      game_id: "g1",
      status: "finished",
      engine_endpoint: ENDPOINT,
      current_turn: 9,
      members: [],
    });
    expect((await harness.request("POST", "/api/v1/games/g1/resume")).body).toMatchObject({
      status: "finished",
    });
  });

  it("refuses with conflict when the runtime was stopped on GM", async () => {
    const harness = await pausedGame();
    harness.fakeGm.runtimes.set("g1", {
      game_id: "g1",
      status: "stopped",
      engine_endpoint: ENDPOINT,
      current_turn: 1,
      members: [],
    });
    expect((await harness.request("POST", "/api/v1/games/g1/resume")).status).toBe(409);
    expect(harness.service.getGame("g1").status).toBe("paused");
  });
});

describe("invalidate hook", () => {
  it("calls GM after add, remove and block on a game with a runtime", async () => {
    const harness = await startedGame();
    await harness.service.handleJobResult(success());
    await harness.request("POST", "/api/v1/games/g1/members", {
      user_id: "u3",
      race_name: "Elves",
    });
    await harness.request("POST", "/api/v1/games/g1/members/u1/remove");
    await harness.request("POST", "/api/v1/games/g1/members/u2/block");
    const calls = harness.fakeGm.callsOf("invalidate", "g1");
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call).toMatchObject({
        method: "POST",
        path: "/api/v1/internal/games/g1/memberships/invalidate",
        opSource: "lobby_internal",
      });
    }
    expect(harness.telemetry.counter("invalidate_calls")).toBe(3);
    expect(harness.telemetry.counter("invalidate_failures")).toBe(0);
  });

  it("is fail-open: a failed call is counted and the roster change stands", async () => {
    const harness = await startedGame();
    await harness.service.handleJobResult(success());
    harness.fakeGm.down = true;
    const removed = await harness.request("POST", "/api/v1/games/g1/members/u1/remove");
    expect(removed.status).toBe(200);
    harness.fakeGm.down = false;
    harness.fakeGm.behaviours.invalidate = { status: 500, code: "internal_error" };
    const blocked = await harness.request("POST", "/api/v1/games/g1/members/u2/block");
    expect(blocked.status).toBe(200);
    expect(harness.service.memberships("g1").map((member) => member.status)).toEqual([
      "removed",
      "blocked",
    ]);
    expect(harness.telemetry.counter("invalidate_failures")).toBe(2);
    expect((await harness.request("GET", "/_stub/metrics")).body).toMatchObject({
      invalidate_calls: 2,
      invalidate_failures: 2,
    });
  });

  it("also fires for a starting or paused game", async () => {
    const harness = await startedGame();
    await harness.request("POST", "/api/v1/games/g1/members/u2/remove");
    expect(harness.fakeGm.callsOf("invalidate")).toHaveLength(1);
  });
});

describe("gm:lobby_events", () => {
  async function runningGame() {
    const harness = await startedGame();
    await harness.service.handleJobResult(success());
    return harness;
  }

  const stats = [
    { user_id: "u1", planets: 3, population: 120.5 },
    { user_id: "u2", planets: 2, population: 80 },
  ];

  it("applies a runtime_snapshot_update to the game's view", async () => {
    const harness = await runningGame();
    const outcome = harness.service.handleLobbyEvent({
      event_type: "runtime_snapshot_update",
      game_id: "g1",
      current_turn: "4",
      runtime_status: "running",
      engine_health_summary: "healthy",
      player_turn_stats: JSON.stringify(stats),
      occurred_at_ms: "1700000000000",
    });
    expect(outcome).toBe("applied");
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "running",
      current_turn: 4,
      runtime_status: "running",
      engine_health_summary: "healthy",
      player_turn_stats: stats,
    });
  });

  it("applies an event_id once: a second delivery of the entry is a duplicate", async () => {
    const harness = await runningGame();
    const entry = (turn: string, eventId: string) => ({
      event_type: "runtime_snapshot_update",
      event_id: eventId,
      game_id: "g1",
      current_turn: turn,
      runtime_status: "running",
      engine_health_summary: "healthy",
      player_turn_stats: JSON.stringify(stats),
      occurred_at_ms: "1700000000000",
    });
    expect(harness.service.handleLobbyEvent(entry("5", "ev-5"))).toBe("applied");
    expect(harness.service.handleLobbyEvent(entry("6", "ev-6"))).toBe("applied");
    // A replay of ev-5 must not move the view back to turn 5.
    expect(harness.service.handleLobbyEvent(entry("5", "ev-5"))).toBe("duplicate");
    expect(harness.service.getGame("g1")).toMatchObject({ current_turn: 6 });
    expect(harness.telemetry.counter("lobby_events_duplicate")).toBe(1);
  });

  it("keeps the platform status when the runtime becomes unreachable", async () => {
    const harness = await runningGame();
    harness.service.handleLobbyEvent({
      event_type: "runtime_snapshot_update",
      game_id: "g1",
      current_turn: "4",
      runtime_status: "engine_unreachable",
      engine_health_summary: "exited",
      player_turn_stats: "[]",
      occurred_at_ms: "1",
    });
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "running",
      runtime_status: "engine_unreachable",
      engine_health_summary: "exited",
    });
  });

  it("moves the game to finished on game_finished", async () => {
    const harness = await runningGame();
    const outcome = harness.service.handleLobbyEvent({
      event_type: "game_finished",
      game_id: "g1",
      final_turn_number: "12",
      runtime_status: "finished",
      player_turn_stats: JSON.stringify(stats),
      finished_at_ms: "1700000000000",
    });
    expect(outcome).toBe("applied");
    expect(harness.service.getGame("g1")).toMatchObject({
      status: "finished",
      current_turn: 12,
      runtime_status: "finished",
      player_turn_stats: stats,
      finished_at: new Date(1_700_000_000_000).toISOString(),
    });
    // Later snapshots of a finished game are stale and ignored.
    expect(
      harness.service.handleLobbyEvent({
        event_type: "runtime_snapshot_update",
        game_id: "g1",
        current_turn: "13",
        runtime_status: "running",
        engine_health_summary: "",
        player_turn_stats: "[]",
        occurred_at_ms: "1",
      }),
    ).toBe("skipped");
    expect(harness.service.getGame("g1").current_turn).toBe(12);
  });

  it.each([
    ["unknown event type", { event_type: "bogus", game_id: "g1" }],
    ["no event type", { game_id: "g1" }],
    [
      "non-numeric turn",
      {
        event_type: "runtime_snapshot_update",
        game_id: "g1",
        current_turn: "four",
        runtime_status: "running",
        engine_health_summary: "",
        player_turn_stats: "[]",
      },
    ],
    [
      "stats not JSON",
      {
        event_type: "runtime_snapshot_update",
        game_id: "g1",
        current_turn: "4",
        runtime_status: "running",
        engine_health_summary: "",
        player_turn_stats: "{oops",
      },
    ],
    [
      "stats of the wrong shape",
      {
        event_type: "game_finished",
        game_id: "g1",
        final_turn_number: "4",
        runtime_status: "finished",
        player_turn_stats: '[{"user_id":"u1"}]',
      },
    ],
  ])("skips a malformed entry (%s)", async (_label, fields) => {
    const harness = await runningGame();
    expect(harness.service.handleLobbyEvent(fields)).toBe("malformed");
    expect(harness.service.getGame("g1")).toMatchObject({ status: "running", current_turn: 0 });
    expect(harness.telemetry.counter("lobby_events_malformed")).toBe(1);
  });

  it("skips events of unknown games", async () => {
    const harness = await runningGame();
    expect(
      harness.service.handleLobbyEvent({
        event_type: "game_finished",
        game_id: "other",
        final_turn_number: "1",
        runtime_status: "finished",
        player_turn_stats: "[]",
      }),
    ).toBe("skipped");
    expect(harness.telemetry.counter("lobby_events_skipped")).toBe(1);
  });
});
