import { describe, expect, it } from "vitest";
import {
  createGame,
  engineCalls,
  engineState,
  type LobbyGame,
  lobbyGmCalls,
  makeTurnDue,
  playerHeaders,
  readStream,
  startGame,
  waitForLobbyGame,
  waitForRuntime,
} from "./support/games.js";
import { expectStatus, requestJson } from "./support/http.js";
import type { Stack } from "./support/stack.js";
import { useStack } from "./support/use-stack.js";

// Lobby ↔ GM (plan stage 22): real lobby stub and GM processes; the RTM stub only answers the
// start job and the engine stub plays the engine. Tests run in order and share one game.

const stackOf = useStack({ label: "int_lobby_gm" });

const GAME = "lgm-1";
const ANN = { user_id: "u-ann", race_name: "Aelinari" };
const BOB = { user_id: "u-bob", race_name: "Borgh" };

/** Lobby stats expected from the engine's players, projected through the roster. */
async function expectedStats(stack: Stack, game: LobbyGame) {
  const state = await engineState(stack, GAME);
  return game.members.map((member) => {
    const player = state.players.find((p) => p.race_name === member.race_name);
    return {
      user_id: member.user_id,
      planets: player?.planets,
      population: player?.population,
    };
  });
}

/** The stand-in Lobby's roster reads so far: batch lookups and per-game reads. */
async function lobbyMetrics(stack: Stack): Promise<{ lookups: number; reads: number }> {
  const metrics = await expectStatus<Record<string, number | undefined>>(
    200,
    "GET",
    `${stack.lobby.url}/_stub/metrics`,
  );
  const { memberships_lookups: lookups, memberships_reads: reads } = metrics;
  if (lookups === undefined || reads === undefined) {
    throw new Error(
      `the lobby stub's metrics lack the roster counters: ${JSON.stringify(metrics)}`,
    );
  }
  return { lookups, reads };
}

function byUser<T extends { user_id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.user_id.localeCompare(b.user_id));
}

describe("Lobby ↔ GM", () => {
  it("starts a game: image ref from GM, start job, register-runtime, snapshot in the lobby view", async () => {
    const stack = stackOf();
    await createGame(stack, { gameId: GAME, members: [ANN, BOB] });

    const starting = await startGame(stack, GAME);
    expect(starting.status).toBe("starting");
    expect(starting.image_ref).toBe("galaxy/game:1.0.0");

    const running = await waitForLobbyGame(
      stack,
      GAME,
      "running with GM's first snapshot",
      (game) =>
        game.status === "running" &&
        game.runtime_status === "running" &&
        game.player_turn_stats.length === 2,
    );
    expect(running.current_turn).toBe(0);
    expect(running.engine_endpoint).toBe(`${stack.engine.url}/games/${GAME}`);
    expect(byUser(running.player_turn_stats)).toEqual(byUser(await expectedStats(stack, running)));

    const record = await waitForRuntime(stack, GAME, "running", (r) => r.status === "running");
    expect(record).toMatchObject({
      current_turn: 0,
      current_image_ref: "galaxy/game:1.0.0",
      current_engine_version: "1.0.0",
      engine_endpoint: `${stack.engine.url}/games/${GAME}`,
    });
    expect(record.next_generation_at).not.toBeNull();

    const init = (await engineCalls(stack, GAME)).filter((c) => c.path === "/api/v1/admin/init");
    expect(init).toHaveLength(1);
    expect(init[0]?.body).toEqual({
      races: [{ race_name: ANN.race_name }, { race_name: BOB.race_name }],
    });

    const calls = await lobbyGmCalls(stack, GAME);
    expect(calls.map((c) => [c.operation, c.outcome])).toEqual(
      expect.arrayContaining([["internalRegisterRuntime", "ok"]]),
    );
    const snapshots = (await readStream(stack, "gm:lobby_events")).filter(
      (e) => e.fields.game_id === GAME && e.fields.event_type === "runtime_snapshot_update",
    );
    expect(snapshots[0]?.fields).toMatchObject({ current_turn: "0", runtime_status: "running" });
    const metrics = await expectStatus<Record<string, number>>(
      200,
      "GET",
      `${stack.lobby.url}/_stub/metrics`,
    );
    expect(metrics.lobby_events_applied).toBeGreaterThanOrEqual(1);
  });

  it("one scheduled turn reaches the lobby's turn and player stats", async () => {
    const stack = stackOf();
    // A cold roster, as for a burst after the cache's TTL: the turn's intent
    // then reads it with the batch lookup, not the per-game roster.
    await expectStatus(
      204,
      "POST",
      `${stack.gm.url}/api/v1/internal/games/${GAME}/memberships/invalidate`,
    );
    const before = await lobbyMetrics(stack);
    await makeTurnDue(stack, GAME);

    const game = await waitForLobbyGame(stack, GAME, "turn 1", (g) => g.current_turn === 1);
    expect(game.status).toBe("running");
    expect(game.runtime_status).toBe("running");
    expect(byUser(game.player_turn_stats)).toEqual(byUser(await expectedStats(stack, game)));

    const record = await waitForRuntime(stack, GAME, "turn 1", (r) => r.current_turn === 1);
    expect(record.status).toBe("running");
    // The next turn is back on the cron (1 January), not due again.
    expect(Date.parse(record.next_generation_at ?? "")).toBeGreaterThan(Date.now() + 60_000);
    const turns = (await engineCalls(stack, GAME)).filter((c) => c.path === "/api/v1/admin/turn");
    expect(turns).toHaveLength(1);
    expect((await engineState(stack, GAME)).turn).toBe(1);

    const intents = (await readStream(stack, "notification:intents")).filter(
      (e) =>
        e.fields.notification_type === "game.turn.ready" && e.fields.payload_json?.includes(GAME),
    );
    expect(intents).toHaveLength(1);
    expect(JSON.parse(intents[0]?.fields.recipient_user_ids ?? "[]")).toEqual([
      ANN.user_id,
      BOB.user_id,
    ]);
    const after = await lobbyMetrics(stack);
    expect(after.lookups - before.lookups).toBe(1);
    expect(after.reads - before.reads).toBe(0);
  });

  it("removing a member calls the invalidate hook: that user's next command is forbidden", async () => {
    const stack = stackOf();
    const commandsUrl = `${stack.gm.url}/api/v1/internal/games/${GAME}/commands`;
    const command = { commands: [{ op: "scan" }] };

    // Bob's first command fills GM's membership cache (TTL 10 min in this stack).
    const allowed = await requestJson("POST", commandsUrl, {
      body: command,
      headers: playerHeaders(BOB.user_id),
    });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    expect(allowed.body).toMatchObject({ actor: BOB.race_name });

    const removed = await expectStatus<LobbyGame>(
      200,
      "POST",
      `${stack.lobby.url}/api/v1/games/${GAME}/members/${BOB.user_id}/remove`,
    );
    expect(removed.members.find((m) => m.user_id === BOB.user_id)?.status).toBe("removed");
    const invalidations = (await lobbyGmCalls(stack, GAME)).filter(
      (c) => c.operation === "internalInvalidateMemberships",
    );
    expect(invalidations.at(-1)?.outcome).toBe("ok");

    const refused = await requestJson<{ error: { code: string } }>("POST", commandsUrl, {
      body: command,
      headers: playerHeaders(BOB.user_id),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");

    const stillAllowed = await requestJson("POST", commandsUrl, {
      body: command,
      headers: playerHeaders(ANN.user_id),
    });
    expect(stillAllowed.status, JSON.stringify(stillAllowed.body)).toBe(200);
    const actors = (await engineCalls(stack, GAME))
      .filter((c) => c.path === "/api/v1/command")
      .map((c) => c.actor);
    // GM derived each actor from its own mapping; the refused call never reached the engine.
    expect(actors).toEqual([BOB.race_name, ANN.race_name]);
  });

  it("the engine finishing a turn ends the game in the lobby (game_finished)", async () => {
    const stack = stackOf();
    await expectStatus(200, "POST", `${stack.engine.url}/games/${GAME}/_stub/finish-at?turn=2`);
    await makeTurnDue(stack, GAME);

    const game = await waitForLobbyGame(stack, GAME, "finished", (g) => g.status === "finished");
    expect(game.current_turn).toBe(2);
    expect(game.finished_at).not.toBeNull();
    expect(game.runtime_status).toBe("finished");

    const record = await waitForRuntime(stack, GAME, "finished", (r) => r.status === "finished");
    expect(record.current_turn).toBe(2);
    expect(record.finished_at).not.toBeNull();
    expect(record.next_generation_at).toBeNull();

    const finished = (await readStream(stack, "gm:lobby_events")).filter(
      (e) => e.fields.game_id === GAME && e.fields.event_type === "game_finished",
    );
    expect(finished).toHaveLength(1);
    expect(finished[0]?.fields).toMatchObject({
      final_turn_number: "2",
      runtime_status: "finished",
    });
  });

  it("user text no store can hold is refused at the lobby; astral names travel end to end", async () => {
    const stack = stackOf();
    const nul = await requestJson<{ error: { code: string; message: string } }>(
      "POST",
      `${stack.lobby.url}/api/v1/games`,
      {
        body: {
          game_id: "lgm-text",
          name: "Nova\u0000",
          target_engine_version: "1.0.0",
          turn_schedule: "0 0 1 1 *",
        },
      },
    );
    expect(nul.status).toBe(400);
    expect(nul.body.error).toEqual({
      code: "invalid_request",
      message: "invalid request: name: must not contain NUL characters",
    });

    const ZOE = { user_id: "u-zoe", race_name: "Zørg 🚀" };
    await createGame(stack, { gameId: "lgm-text", members: [ZOE] });
    const lone = await requestJson<{ error: { code: string; message: string } }>(
      "POST",
      `${stack.lobby.url}/api/v1/games/lgm-text/members`,
      { body: { user_id: "u-lone", race_name: "a\udfff" } },
    );
    expect(lone.status).toBe(400);
    expect(lone.body.error.message).toBe(
      "invalid request: race_name: must not contain unpaired UTF-16 surrogates",
    );

    await startGame(stack, "lgm-text");
    await waitForRuntime(stack, "lgm-text", "running", (r) => r.status === "running");
    const init = (await engineCalls(stack, "lgm-text")).filter(
      (c) => c.path === "/api/v1/admin/init",
    );
    expect(init[0]?.body).toEqual({ races: [{ race_name: ZOE.race_name }] });
  });

  it("every service exits 0 on SIGTERM", async () => {
    const exits = await stackOf().stopAll();
    expect(exits).toEqual({
      "lobby-stub": { code: 0, signal: null },
      gamemaster: { code: 0, signal: null },
      "rtm-stub": { code: 0, signal: null },
      "engine-stub": { code: 0, signal: null },
    });
  });
});
