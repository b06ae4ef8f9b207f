import { describe, expect, it } from "vitest";
import {
  createGame,
  engineState,
  gmRuntime,
  intentsFor,
  lobbyGame,
  operationLog,
  type RuntimeRecord,
  readStream,
  startGame,
  waitForLobbyGame,
  waitForRuntime,
} from "./support/games.js";
import { expectStatus, requestJson } from "./support/http.js";
import { useStack } from "./support/use-stack.js";
import { waitFor } from "./support/wait.js";

// Admin operations through the real RTM stub and a real cron activation, over real processes:
// - RTM's refusals keep RTM's code, an outage stays 502, a stop of a container RTM no longer knows
//   succeeds (docs/decisions/101-gm-rtm-refusals.md);
// - the RTM stub reports container_exited after a stop and container_started after a patch, as
//   the real RTM's Docker events do, and GM handles both (a stopped runtime ignores the exit);
// - a `* * * * *` schedule fires by itself: nothing moves next_generation_at by SQL.
// The cron game is registered first and checked last, so its wait for the next minute overlaps
// the other tests instead of adding to them.

const stackOf = useStack({ label: "int_admin_rtm" });

const ANN = { user_id: "u-ann", race_name: "Aelinari" };
const BOB = { user_id: "u-bob", race_name: "Borgh" };
const CRON_GAME = "cron-1";
let cronRegisteredAt = 0;

const gm = (gameId: string) => `${stackOf().gm.url}/api/v1/internal/games/${gameId}`;

async function runningGame(gameId: string, turnSchedule?: string): Promise<RuntimeRecord> {
  const stack = stackOf();
  await createGame(stack, {
    gameId,
    members: [ANN, BOB],
    ...(turnSchedule === undefined ? {} : { turnSchedule }),
  });
  await startGame(stack, gameId);
  await waitForLobbyGame(stack, gameId, "running", (g) => g.status === "running");
  return waitForRuntime(stack, gameId, "running", (r) => r.status === "running");
}

async function armRtm(body: Record<string, unknown>): Promise<void> {
  await expectStatus(200, "POST", `${stackOf().rtm.url}/_stub/fail-next`, { body });
}

async function healthEventsOf(gameId: string): Promise<Record<string, string>[]> {
  const entries = await readStream(stackOf(), "runtime:health_events");
  return entries.map((entry) => entry.fields).filter((fields) => fields.game_id === gameId);
}

async function healthConsumed(eventType: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${stackOf().gm.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find(
      (row) =>
        row.startsWith("gamemaster_health_events_consumed_total{") &&
        row.includes(`event_type="${eventType}"`) &&
        row.includes(`outcome="${outcome}"`),
    );
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

describe("admin operations through the RTM stub", () => {
  it("registers an every-minute game (checked by the last test)", async () => {
    cronRegisteredAt = Date.now();
    const record = await runningGame(CRON_GAME, "* * * * *");
    expect(record.current_turn).toBe(0);
    expect(record.turn_schedule).toBe("* * * * *");
    // The first activation is the next whole minute, strictly after the registration.
    const next = Date.parse(record.next_generation_at ?? "");
    expect(next % 60_000).toBe(0);
    expect(next).toBeGreaterThan(cronRegisteredAt - 1_000);
    expect(next - cronRegisteredAt).toBeLessThanOrEqual(61_000);
  });

  it("stop: RTM reports container_exited afterwards and GM ignores it for the stopped runtime", async () => {
    const stack = stackOf();
    const game = "stop-exit-1";
    await runningGame(game);
    const ignoredBefore = await healthConsumed("container_exited", "ignored_terminal");

    const stopped = await requestJson<RuntimeRecord>("POST", `${gm(game)}/runtime/stop`, {
      body: { reason: "cancelled" },
    });
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body.status).toBe("stopped");

    // The stub's Docker-like event arrives after the call returned…
    await waitFor(
      async () =>
        (await healthEventsOf(game)).some((fields) => fields.event_type === "container_exited")
          ? true
          : undefined,
      { what: `${game} container_exited on runtime:health_events` },
    );
    // …and GM's consumer files it as an event for a terminal runtime: no transition, no error.
    await waitFor(
      async () =>
        (await healthConsumed("container_exited", "ignored_terminal")) > ignoredBefore
          ? true
          : undefined,
      { what: "GM to consume the exit of the stopped container" },
    );
    const record = await gmRuntime(stack, game);
    expect(record).toMatchObject({ status: "stopped", next_generation_at: null });
    const log = await operationLog(stack, game);
    expect(log.map((entry) => `${entry.op_kind}:${entry.outcome}`)).toEqual([
      "register_runtime:success",
      "stop:success",
    ]);
    const events = (await readStream(stack, "gm:lobby_events"))
      .map((entry) => entry.fields)
      .filter((fields) => fields.game_id === game);
    expect(events.at(-1)).toMatchObject({ runtime_status: "stopped" });
  });

  it("patch: RTM reports container_started afterwards and GM brings a lost runtime back", async () => {
    const stack = stackOf();
    const game = "patch-start-1";
    await runningGame(game);
    await expectStatus(201, "POST", `${stack.gm.url}/api/v1/internal/engine-versions`, {
      body: { version: "1.0.1", image_ref: "galaxy/game:1.0.1" },
    });
    // The container dies first: the runtime is engine_unreachable when the operator patches it.
    await expectStatus(200, "POST", `${stack.rtm.url}/_stub/health-events`, {
      body: { game_id: game, event_type: "container_exited", details: { exit_code: 137 } },
    });
    await waitForRuntime(stack, game, "unreachable", (r) => r.status === "engine_unreachable");

    const patched = await requestJson<RuntimeRecord>("POST", `${gm(game)}/runtime/patch`, {
      body: { version: "1.0.1" },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      current_engine_version: "1.0.1",
      current_image_ref: "galaxy/game:1.0.1",
    });
    const back = await waitForRuntime(
      stack,
      game,
      "running after container_started",
      (r) => r.status === "running" && r.engine_health === "healthy",
    );
    expect(back.current_engine_version).toBe("1.0.1");
    const started = (await healthEventsOf(game)).filter(
      (fields) => fields.event_type === "container_started",
    );
    expect(started.at(-1)?.details).toBe(JSON.stringify({ image_ref: "galaxy/game:1.0.1" }));
  });

  it("a stop of a container RTM no longer knows (404) still stops the runtime", async () => {
    const stack = stackOf();
    const game = "stop-unknown-1";
    await runningGame(game);
    await armRtm({
      operation: "stop",
      status: 404,
      error_code: "not_found",
      error_message: "no container for game stop-unknown-1",
    });
    const stopped = await requestJson<RuntimeRecord>("POST", `${gm(game)}/runtime/stop`, {
      body: { reason: "orphan_cleanup" },
    });
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    expect(stopped.body).toMatchObject({ status: "stopped", next_generation_at: null });
    expect((await operationLog(stack, game)).at(-1)).toMatchObject({
      op_kind: "stop",
      outcome: "success",
    });
  });

  it("RTM refusals keep RTM's code and message; nothing changes", async () => {
    const stack = stackOf();
    const game = "patch-refused-1";
    await runningGame(game);
    await requestJson("POST", `${stack.gm.url}/api/v1/internal/engine-versions`, {
      body: { version: "1.0.1", image_ref: "galaxy/game:1.0.1" },
    });

    await armRtm({
      operation: "patch",
      status: 409,
      error_code: "conflict",
      error_message: "container is being recreated",
    });
    const conflict = await requestJson("POST", `${gm(game)}/runtime/patch`, {
      body: { version: "1.0.1" },
    });
    expect(conflict).toMatchObject({
      status: 409,
      body: { error: { code: "conflict", message: "container is being recreated" } },
    });

    await armRtm({
      operation: "patch",
      status: 422,
      error_code: "image_ref_not_semver",
      error_message: "tag is not a semver",
    });
    const unknownCode = await requestJson<{ error: { code: string; message: string } }>(
      "POST",
      `${gm(game)}/runtime/patch`,
      { body: { version: "1.0.1" } },
    );
    expect(unknownCode.status).toBe(409);
    expect(unknownCode.body.error).toEqual({
      code: "conflict",
      message: "runtime manager refused patch: 422 image_ref_not_semver: tag is not a semver",
    });

    await armRtm({ operation: "stop", status: 409, error_code: "conflict", error_message: "busy" });
    const stopRefused = await requestJson("POST", `${gm(game)}/runtime/stop`, {
      body: { reason: "admin_request" },
    });
    expect(stopRefused).toMatchObject({
      status: 409,
      body: { error: { code: "conflict", message: "busy" } },
    });

    const record = await gmRuntime(stack, game);
    expect(record).toMatchObject({ status: "running", current_engine_version: "1.0.0" });
    expect(
      (await operationLog(stack, game)).slice(1).map((entry) => [entry.op_kind, entry.error_code]),
    ).toEqual([
      ["patch", "conflict"],
      ["patch", "conflict"],
      ["stop", "conflict"],
    ]);
  });

  it("a real RTM outage stays 502 runtime_manager_unavailable", async () => {
    const stack = stackOf();
    const game = "rtm-down-1";
    await runningGame(game);

    await armRtm({ operation: "stop", error_code: "internal_error" });
    const failed = await requestJson("POST", `${gm(game)}/runtime/stop`, {
      body: { reason: "admin_request" },
    });
    expect(failed).toMatchObject({
      status: 502,
      body: { error: { code: "runtime_manager_unavailable" } },
    });

    await stack.rtm.stop();
    try {
      const down = await requestJson<{ error: { code: string; message: string } }>(
        "POST",
        `${gm(game)}/runtime/stop`,
        { body: { reason: "admin_request" } },
      );
      expect(down.status).toBe(502);
      expect(down.body.error).toEqual({
        code: "runtime_manager_unavailable",
        message: "runtime manager stop failed: ECONNREFUSED",
      });
    } finally {
      await stack.rtm.start();
    }
    expect((await gmRuntime(stack, game))?.status).toBe("running");
  });
});

describe("a real cron activation", () => {
  it("* * * * * fires by itself: the turn, the snapshot and the intent", async () => {
    const stack = stackOf();
    // At most one minute after the registration, plus GM's tick and the engine's turn.
    const lobby = await waitFor(
      async () => {
        const game = await lobbyGame(stack, CRON_GAME);
        return game.current_turn >= 1 ? game : undefined;
      },
      { what: `${CRON_GAME} to play its first scheduled turn`, timeoutMs: 80_000, intervalMs: 500 },
    );
    expect(lobby.runtime_status).toBe("running");
    expect(lobby.player_turn_stats.map((stat) => stat.user_id).sort()).toEqual([
      ANN.user_id,
      BOB.user_id,
    ]);

    const record = await gmRuntime(stack, CRON_GAME);
    expect(record?.status).toBe("running");
    expect(record?.current_turn).toBeGreaterThanOrEqual(1);
    // The next activation is again a whole minute, after the turn that just ran.
    const next = Date.parse(record?.next_generation_at ?? "");
    expect(next % 60_000).toBe(0);
    expect(next).toBeGreaterThan(cronRegisteredAt);
    expect((await engineState(stack, CRON_GAME)).turn).toBe(record?.current_turn);

    const snapshots = (await readStream(stack, "gm:lobby_events"))
      .map((entry) => entry.fields)
      .filter((fields) => fields.game_id === CRON_GAME);
    expect(snapshots.map((fields) => fields.current_turn)).toContain("1");

    const turnReady = (await intentsFor(stack, CRON_GAME)).filter(
      (intent) => intent.notification_type === "game.turn.ready",
    );
    expect(turnReady[0]).toMatchObject({
      audience_kind: "user",
      payload: { game_id: CRON_GAME, turn_number: 1 },
    });

    const generations = (await operationLog(stack, CRON_GAME)).filter(
      (entry) => entry.op_kind === "turn_generation",
    );
    expect(generations[0]).toMatchObject({ op_source: "scheduler", outcome: "success" });
  }, 100_000);
});
