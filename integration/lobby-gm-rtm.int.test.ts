import { describe, expect, it } from "vitest";
import {
  createGame,
  engineCalls,
  gmRuntime,
  intentsFor,
  type LobbyGame,
  lobbyGame,
  lobbyGmCalls,
  makeTurnDue,
  operationLog,
  playerHeaders,
  startGame,
  waitForLobbyGame,
  waitForRuntime,
} from "./support/games.js";
import { expectStatus, requestJson } from "./support/http.js";
import { useStack } from "./support/use-stack.js";
import { waitFor } from "./support/wait.js";

// Lobby ↔ GM ↔ RTM (plan stage 23): the whole running-game pipeline through real processes,
// then the two start failures the Lobby must survive. The GM-down case restarts GM and RTM, so
// it runs last.

const stackOf = useStack({ label: "int_lobby_gm_rtm" });

const ANN = { user_id: "u-ann", race_name: "Aelinari" };
const BOB = { user_id: "u-bob", race_name: "Borgh" };

interface RtmCall {
  kind: "rest" | "start_job";
  game_id: string;
  image_ref?: string;
  outcome: string;
  error_code?: string | null;
}

async function rtmCalls(gameId: string): Promise<RtmCall[]> {
  const body = await expectStatus<{ calls: RtmCall[] }>(
    200,
    "GET",
    `${stackOf().rtm.url}/_stub/calls`,
  );
  return body.calls.filter((call) => call.game_id === gameId);
}

describe("Lobby ↔ GM ↔ RTM", () => {
  it("plays a game from enrollment to finish", async () => {
    const stack = stackOf();
    const game = "full-1";
    // Enrollment: the game is ready once it has a member.
    const created = await expectStatus<LobbyGame>(201, "POST", `${stack.lobby.url}/api/v1/games`, {
      body: {
        game_id: game,
        name: "Full game",
        target_engine_version: "1.0.0",
        turn_schedule: "0 0 1 1 *",
      },
    });
    expect(created.status).toBe("enrolling");
    for (const member of [ANN, BOB]) {
      await expectStatus(201, "POST", `${stack.lobby.url}/api/v1/games/${game}/members`, {
        body: member,
      });
    }
    expect((await lobbyGame(stack, game)).status).toBe("ready_to_start");
    await expectStatus(200, "POST", `${stack.engine.url}/games/${game}/_stub/finish-at?turn=2`);

    // Start: image ref from GM → start job → RTM "container" → job result → register-runtime.
    await startGame(stack, game);
    await waitForLobbyGame(stack, game, "running", (g) => g.status === "running");
    expect(await rtmCalls(game)).toEqual([
      expect.objectContaining({
        kind: "start_job",
        image_ref: "galaxy/game:1.0.0",
        outcome: "success",
      }),
    ]);
    const record = await waitForRuntime(stack, game, "running", (r) => r.status === "running");
    expect(record.engine_endpoint).toBe(`${stack.engine.url}/games/${game}`);
    const mappings = await stack.sql.query<{ user_id: string; race_name: string }>(
      "SELECT user_id, race_name FROM gamemaster.player_mappings WHERE game_id = $1 ORDER BY user_id",
      [game],
    );
    expect(mappings.rows).toEqual([ANN, BOB]);

    // First player actions: GM derives the actor from its mapping, never from the caller.
    const gmGame = `${stack.gm.url}/api/v1/internal/games/${game}`;
    const command = await requestJson("POST", `${gmGame}/commands`, {
      body: { commands: [{ type: "build", planet: 1 }] },
      headers: playerHeaders(ANN.user_id),
    });
    expect(command.status, JSON.stringify(command.body)).toBe(200);
    expect(command.body).toEqual({ actor: ANN.race_name, accepted: 1, turn: 0 });
    const order = await requestJson("PUT", `${gmGame}/orders`, {
      body: { orders: [{ type: "move", fleet: 7 }] },
      headers: playerHeaders(BOB.user_id),
    });
    expect(order.status, JSON.stringify(order.body)).toBe(200);
    expect(order.body).toEqual({ actor: BOB.race_name, accepted: 1, turn: 0 });

    // First scheduled turn, then the player's report of it, verbatim from the engine.
    await makeTurnDue(stack, game);
    await waitForLobbyGame(stack, game, "turn 1", (g) => g.current_turn === 1);
    const report = await requestJson("GET", `${gmGame}/reports/1`, {
      headers: playerHeaders(ANN.user_id),
    });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    const engineReport = await expectStatus(
      200,
      "GET",
      `${stack.engine.url}/games/${game}/api/v1/report?player=${ANN.race_name}&turn=1`,
    );
    expect(report.body).toEqual(engineReport);

    // The engine finishes at turn 2: game_finished ends the game in the lobby.
    await makeTurnDue(stack, game);
    const finished = await waitForLobbyGame(
      stack,
      game,
      "finished",
      (g) => g.status === "finished",
    );
    expect(finished.current_turn).toBe(2);
    expect((await gmRuntime(stack, game))?.status).toBe("finished");

    const engineOps = (await engineCalls(stack, game)).map((c) => `${c.method} ${c.path}`);
    expect(engineOps.filter((op) => op === "POST /api/v1/admin/turn")).toHaveLength(2);
    expect(engineOps).toEqual(
      expect.arrayContaining([
        "POST /api/v1/admin/init",
        "POST /api/v1/command",
        "PUT /api/v1/order",
      ]),
    );

    const intents = await intentsFor(stack, game);
    expect(intents.map((i) => i.notification_type)).toEqual(["game.turn.ready", "game.finished"]);
    const [turnReady, gameFinished] = intents;
    expect(turnReady).toMatchObject({
      audience_kind: "user",
      payload: { game_id: game, turn_number: 1 },
    });
    expect([...(turnReady?.recipient_user_ids ?? [])].sort()).toEqual([ANN.user_id, BOB.user_id]);
    expect(gameFinished).toMatchObject({ payload: { game_id: game, final_turn_number: 2 } });

    const log = await operationLog(stack, game);
    expect(log[0]).toMatchObject({
      op_kind: "register_runtime",
      op_source: "lobby_internal",
      outcome: "success",
    });
    expect(
      log.filter((entry) => entry.op_kind === "turn_generation" && entry.outcome === "success"),
    ).toHaveLength(2);
  });

  it("RTM reports start_config_invalid: the lobby marks the start failed and never calls register-runtime", async () => {
    const stack = stackOf();
    const game = "cfg-bad-1";
    await createGame(stack, { gameId: game, members: [ANN, BOB] });
    await expectStatus(200, "POST", `${stack.rtm.url}/_stub/fail-next`, {
      body: {
        operation: "start",
        error_code: "start_config_invalid",
        error_message: "engine options refused",
      },
    });

    await startGame(stack, game);
    const failed = await waitForLobbyGame(
      stack,
      game,
      "start_failed",
      (g) => g.status === "start_failed",
    );
    expect(failed.start_error).toMatchObject({ code: "start_config_invalid" });
    expect(failed.runtime_status).toBeNull();

    expect(await rtmCalls(game)).toEqual([
      expect.objectContaining({
        kind: "start_job",
        outcome: "failure",
        error_code: "start_config_invalid",
      }),
    ]);
    // RTM alerts the operators, as the real Runtime Manager does on a failed start.
    await waitFor(async () => ((await intentsFor(stack, game)).length > 0 ? true : undefined), {
      what: `${game} start-failure intent`,
    });
    expect(await intentsFor(stack, game)).toEqual([
      expect.objectContaining({
        notification_type: "runtime.start_config_invalid",
        producer: "rtmanager",
        audience_kind: "admin",
        payload: expect.objectContaining({
          game_id: game,
          image_ref: "galaxy/game:1.0.0",
          error_code: "start_config_invalid",
          error_message: "engine options refused",
        }),
      }),
    ]);
    const operations = (await lobbyGmCalls(stack, game)).map((c) => c.operation);
    expect(operations).not.toContain("internalRegisterRuntime");
    expect(await gmRuntime(stack, game)).toBeNull();
    const engineGames = await expectStatus<{ games: string[] }>(
      200,
      "GET",
      `${stack.engine.url}/_stub/games`,
    );
    expect(engineGames.games).not.toContain(game);
  });

  it("GM down when the container started: the game pauses, and resumes to running once GM is back", async () => {
    const stack = stackOf();
    const game = "gm-down-1";
    await createGame(stack, { gameId: game, members: [ANN, BOB] });

    // Hold the start job until GM is gone: RTM is down while the lobby publishes it.
    await stack.rtm.stop();
    await startGame(stack, game);
    expect((await stack.gm.stop())?.code).toBe(0);
    await stack.rtm.start();

    const paused = await waitForLobbyGame(stack, game, "paused", (g) => g.status === "paused");
    expect(paused.engine_endpoint).toBe(`${stack.engine.url}/games/${game}`);
    const registerAttempts = (await lobbyGmCalls(stack, game)).filter(
      (c) => c.operation === "internalRegisterRuntime",
    );
    expect(registerAttempts.map((c) => c.outcome)).toEqual(["unreachable"]);
    // The lobby tells the operators a started container runs untracked.
    await waitFor(async () => ((await intentsFor(stack, game)).length > 0 ? true : undefined), {
      what: `${game} pause intent`,
    });
    expect(await intentsFor(stack, game)).toEqual([
      expect.objectContaining({
        notification_type: "lobby.runtime_paused_after_start",
        producer: "lobby",
        audience_kind: "admin",
        payload: expect.objectContaining({
          game_id: game,
          image_ref: "galaxy/game:1.0.0",
          engine_endpoint: `${stack.engine.url}/games/${game}`,
          error_code: "service_unavailable",
        }),
      }),
    ]);

    // GM returns; the lobby's resume asks for liveness, then registers the runtime again.
    await stack.gm.start();
    expect(await gmRuntime(stack, game)).toBeNull();
    const resumed = await expectStatus<LobbyGame>(
      200,
      "POST",
      `${stack.lobby.url}/api/v1/games/${game}/resume`,
    );
    expect(resumed.status).toBe("running");
    const record = await waitForRuntime(stack, game, "running", (r) => r.status === "running");
    expect(record.current_turn).toBe(0);
    const calls = (await lobbyGmCalls(stack, game)).map((c) => `${c.operation}:${c.outcome}`);
    expect(calls.slice(-2)).toEqual(["internalGameLiveness:error", "internalRegisterRuntime:ok"]);

    // The snapshot of the late registration still reaches the lobby view.
    await waitForLobbyGame(
      stack,
      game,
      "GM's snapshot",
      (g) => g.runtime_status === "running" && g.player_turn_stats.length === 2,
    );
    // Nothing was lost in the outage: the runtime plays turns like any other.
    await makeTurnDue(stack, game);
    await waitFor(
      async () => ((await lobbyGame(stack, game)).current_turn === 1 ? true : undefined),
      { what: `${game} turn 1 after resume` },
    );
  });
});
