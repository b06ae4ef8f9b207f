import { beforeAll, describe, expect, it } from "vitest";
import {
  createGame,
  operationLog,
  playerHeaders,
  readStream,
  startGame,
  waitForLobbyGame,
  waitForRuntime,
} from "./support/games.js";
import { gmClient } from "./support/gm.js";
import { expectStatus, requestJson } from "./support/http.js";
import { useStack } from "./support/use-stack.js";

// Health (docs/reference.md#streams runtime:health_events): RTM publishes container events, GM turns them into a
// runtime status and an engine-health summary, and the lobby view follows through GM's snapshots.

const stackOf = useStack({ label: "int_health" });

const GAME = "health-1";
const ANN = { user_id: "u-ann", race_name: "Aelinari" };
const BOB = { user_id: "u-bob", race_name: "Borgh" };

async function healthEvent(gameId: string, eventType: string, details?: object): Promise<void> {
  await expectStatus(200, "POST", `${stackOf().rtm.url}/_stub/health-events`, {
    body: { game_id: gameId, event_type: eventType, ...(details === undefined ? {} : { details }) },
  });
}

async function command(userId: string) {
  return requestJson<{ error?: { code: string } }>(
    "POST",
    `${stackOf().gm.url}/api/v1/internal/games/${GAME}/commands`,
    { body: { commands: [{ type: "scan" }] }, headers: playerHeaders(userId) },
  );
}

beforeAll(async () => {
  const stack = stackOf();
  await createGame(stack, { gameId: GAME, members: [ANN, BOB] });
  await startGame(stack, GAME);
  await waitForLobbyGame(stack, GAME, "running", (g) => g.status === "running");
  // RTM announced container_started with the job result: GM ends up "healthy" (the event may
  // come before the registration and be skipped as unknown; then the next one sets it).
  await healthEvent(GAME, "container_started");
  await waitForRuntime(stack, GAME, "healthy", (r) => r.engine_health === "healthy");
});

describe("health events RTM → GM → lobby", () => {
  it("container_exited: GM marks the runtime engine_unreachable and the lobby view shows it", async () => {
    const stack = stackOf();
    await healthEvent(GAME, "container_exited", { exit_code: 137 });

    const record = await waitForRuntime(
      stack,
      GAME,
      "engine_unreachable",
      (r) => r.status === "engine_unreachable",
    );
    expect(record.engine_health).toBe("exited");
    const game = await waitForLobbyGame(
      stack,
      GAME,
      "engine_unreachable",
      (g) => g.runtime_status === "engine_unreachable",
    );
    expect(game.engine_health_summary).toBe("exited");
    // The Lobby's own status is not GM's runtime status: only game_finished changes it.
    expect(game.status).toBe("running");

    const refused = await command(ANN.user_id);
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe("runtime_not_running");
    const liveness = await gmClient(stack.gm.url).liveness(GAME);
    expect(liveness).toEqual({ ready: false, status: "engine_unreachable" });
  });

  it("container_started: back to running and healthy in GM and in the lobby view", async () => {
    const stack = stackOf();
    await healthEvent(GAME, "container_started");

    const record = await waitForRuntime(stack, GAME, "running", (r) => r.status === "running");
    expect(record.engine_health).toBe("healthy");
    const game = await waitForLobbyGame(
      stack,
      GAME,
      "running and healthy",
      (g) => g.runtime_status === "running" && g.engine_health_summary === "healthy",
    );
    expect(game.current_turn).toBe(0);
    const allowed = await command(ANN.user_id);
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);

    const transitions = (await operationLog(stack, GAME)).filter(
      (entry) => entry.op_kind === "health_transition",
    );
    expect(transitions.length).toBeGreaterThanOrEqual(2);
    for (const entry of transitions) {
      expect(entry).toMatchObject({ op_source: "health_events", outcome: "success" });
    }
  });

  it("probe_failed changes only the summary; the runtime keeps running", async () => {
    const stack = stackOf();
    await healthEvent(GAME, "probe_failed");
    const game = await waitForLobbyGame(
      stack,
      GAME,
      "probe_failed summary",
      (g) => g.engine_health_summary === "probe_failed",
    );
    expect(game.runtime_status).toBe("running");
    const record = await waitForRuntime(
      stack,
      GAME,
      "probe_failed",
      (r) => r.engine_health === "probe_failed",
    );
    expect(record.status).toBe("running");

    await healthEvent(GAME, "probe_recovered");
    await waitForLobbyGame(
      stack,
      GAME,
      "healthy again",
      (g) => g.engine_health_summary === "healthy",
    );
  });

  it("a repeated summary publishes no snapshot", async () => {
    const stack = stackOf();
    const snapshots = async () =>
      (await readStream(stack, "gm:lobby_events")).filter((e) => e.fields.game_id === GAME).length;
    const before = await snapshots();
    await healthEvent(GAME, "probe_recovered");
    // A marker on another summary: once the lobby shows it, every snapshot GM published for the
    // events before it is on the stream (GM consumes in order), so the count is final.
    await healthEvent(GAME, "inspect_unhealthy");
    await waitForLobbyGame(
      stack,
      GAME,
      "inspect_unhealthy",
      (g) => g.engine_health_summary === "inspect_unhealthy",
    );
    expect(await snapshots()).toBe(before + 1);
  });

  it("a malformed entry or an unknown game never blocks the stream", async () => {
    const stack = stackOf();
    // Straight onto the stream (under the stack's key prefix): no game_id, no event_type.
    await stack.redis.xadd("runtime:health_events", "*", "garbage", "1");
    await healthEvent("no-such-game", "container_exited");
    await healthEvent(GAME, "container_oom");

    const record = await waitForRuntime(
      stack,
      GAME,
      "engine_unreachable after oom",
      (r) => r.status === "engine_unreachable",
    );
    expect(record.engine_health).toBe("oom");
    await waitForLobbyGame(
      stack,
      GAME,
      "oom in the lobby",
      (g) => g.engine_health_summary === "oom",
    );
  });
});
