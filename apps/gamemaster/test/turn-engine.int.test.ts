import { xaddFlat } from "@galaxy/redisconn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TurnStack, waitFor } from "./support/turn-stack.js";

// Turn generation, the scheduler and the admin operations against real
// PostgreSQL, Redis, the engine stub and the RTM stub. Games become due by
// moving next_generation_at into the past, never by waiting for the clock.

let s: TurnStack;

beforeAll(async () => {
  s = await TurnStack.create("gm_turns");
  await s.startGm();
  for (const version of ["1.4.2", "1.4.3", "1.5.0", "2.0.0"]) {
    await s.addEngineVersion(version);
  }
});

afterAll(async () => {
  await s?.close();
});

const GAME = (gameId: string) => `/api/v1/internal/games/${gameId}`;

describe("the scheduler", () => {
  it("generates a turn for a due game: current_turn advances, snapshot and game.turn.ready are published", async () => {
    await s.register("due-1", { schedule: "0 */6 * * *" });
    await s.makeDue("due-1");

    await waitFor("the turn announced", async () => (await s.intents("due-1")).length > 0);
    const row = await s.record("due-1");
    expect(row).toMatchObject({ current_turn: 1, status: "running" });
    expect(row.skip_next_tick).toBe(false);
    expect(row.next_generation_at?.getTime()).toBeGreaterThan(Date.now());
    expect((row.next_generation_at?.getTime() ?? 0) % (6 * 3_600_000)).toBe(0);
    expect(await s.engineState("due-1")).toMatchObject({ turn: 1, finished: false });

    const events = await s.lobbyEvents("due-1");
    expect(events.map((event) => [event.event_type, event.current_turn])).toEqual([
      ["runtime_snapshot_update", "0"],
      ["runtime_snapshot_update", "1"],
    ]);
    const stats = JSON.parse(events[1]?.player_turn_stats ?? "[]") as { user_id: string }[];
    expect(stats.map((entry) => entry.user_id)).toEqual(["due-1-u1", "due-1-u2"]);

    const intents = await s.intents("due-1");
    expect(intents).toEqual([
      expect.objectContaining({
        notification_type: "game.turn.ready",
        producer: "gamemaster",
        audience_kind: "user",
        // Lobby is not reachable in this stack: every mapped player (decision 050).
        recipient_user_ids: ["due-1-u1", "due-1-u2"],
        idempotency_key: "game.turn.ready:due-1:1",
        payload: { game_id: "due-1", turn_number: 1 },
      }),
    ]);
    expect(await s.operations("due-1")).toEqual([
      expect.objectContaining({ op_kind: "register_runtime", outcome: "success" }),
      expect.objectContaining({
        op_kind: "turn_generation",
        op_source: "scheduler",
        outcome: "success",
      }),
    ]);
  });

  it("force then skip: a forced turn at t, no turn at T1, a turn at T2", async () => {
    await s.register("skip-1", { schedule: "0 * * * *" });
    const before = await s.record("skip-1");
    const t1 = before.next_generation_at;

    const forced = await s.call("POST", `${GAME("skip-1")}/runtime/force-next-turn`);
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({
      status: "running",
      current_turn: 1,
      skip_next_tick: true,
      next_generation_at: t1?.toISOString(),
    });

    // T1 arrives: the tick is consumed without a turn.
    await s.makeDue("skip-1");
    const afterT1 = await waitFor("the skipped tick", async () => {
      const r = await s.record("skip-1");
      return r.skip_next_tick ? undefined : r;
    });
    expect(afterT1.current_turn).toBe(1);
    expect(afterT1.next_generation_at?.getTime()).toBeGreaterThan(Date.now());
    expect(await s.turnCalls("skip-1")).toBe(1);

    // T2 arrives: a regular turn.
    await s.makeDue("skip-1");
    await waitFor("turn 2", async () => (await s.record("skip-1")).current_turn === 2);
    // Events follow the database write: wait for the second announcement.
    await waitFor("turn 2 announced", async () => (await s.intents("skip-1")).length === 2);
    expect(await s.turnCalls("skip-1")).toBe(2);
    expect((await s.operations("skip-1")).map((op) => [op.op_kind, op.op_source])).toEqual([
      ["register_runtime", "admin_rest"],
      ["force_next_turn", "admin_rest"],
      ["turn_generation", "scheduler"],
    ]);
    expect(
      (await s.intents("skip-1")).map((intent) =>
        intent.notification_type === "game.turn.ready" ? intent.payload.turn_number : -1,
      ),
    ).toEqual([1, 2]);
  });

  it("detects the final turn: finished, game_finished with player stats, game.finished", async () => {
    await s.register("fin-1");
    await s.engineControl("fin-1", "finish-at?turn=1");
    await s.makeDue("fin-1");

    const row = await waitFor("finished", async () => {
      const r = await s.record("fin-1");
      return r.status === "finished" ? r : undefined;
    });
    expect(row).toMatchObject({ current_turn: 1, next_generation_at: null });
    expect(row.finished_at).not.toBeNull();

    const finished = await waitFor("game_finished", async () => {
      const events = (await s.lobbyEvents("fin-1")).filter(
        (event) => event.event_type === "game_finished",
      );
      return events.length > 0 ? events : undefined;
    });
    await waitFor("game.finished", async () => (await s.intents("fin-1")).length > 0);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({
      final_turn_number: "1",
      runtime_status: "finished",
      finished_at_ms: String(row.finished_at?.getTime()),
    });
    expect(
      (JSON.parse(finished[0]?.player_turn_stats ?? "[]") as { user_id: string }[]).map(
        (entry) => entry.user_id,
      ),
    ).toEqual(["fin-1-u1", "fin-1-u2"]);
    expect((await s.intents("fin-1")).map((intent) => intent.notification_type)).toEqual([
      "game.finished",
    ]);
    // A finished game is never picked up again.
    await s.makeDue("fin-1");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await s.turnCalls("fin-1")).toBe(1);
  });

  it("records a failed generation (generation_failed + admin intent); force-next-turn recovers", async () => {
    await s.register("fail-1");
    await s.engineControl("fail-1", "fail-next-turn?status=500");
    await s.makeDue("fail-1");

    await waitFor("the admin intent", async () => (await s.intents("fail-1")).length > 0);
    expect((await s.record("fail-1")).status).toBe("generation_failed");
    const failedEvents = await s.lobbyEvents("fail-1");
    expect(failedEvents.at(-1)).toMatchObject({
      event_type: "runtime_snapshot_update",
      runtime_status: "generation_failed",
      current_turn: "0",
    });
    // The register snapshot's stats are repeated rather than wiped.
    expect(JSON.parse(failedEvents.at(-1)?.player_turn_stats ?? "[]")).toHaveLength(2);
    const [alert] = await s.intents("fail-1");
    expect(alert).toMatchObject({
      notification_type: "game.generation_failed",
      audience_kind: "admin",
      recipient_user_ids: [],
      payload: { game_id: "fail-1", turn_number: 1, error_code: "engine_unreachable" },
    });

    // A failed game is not picked up by the scheduler.
    await s.makeDue("fail-1");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await s.turnCalls("fail-1")).toBe(1);

    const forced = await s.call("POST", `${GAME("fail-1")}/runtime/force-next-turn`, undefined, {
      "x-op-source": "admin_rest",
      "x-source-ref": "operator-7",
    });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ status: "running", current_turn: 1, skip_next_tick: true });
    expect((await s.operations("fail-1")).slice(-2)).toEqual([
      expect.objectContaining({
        op_kind: "turn_generation",
        outcome: "failure",
        error_code: "engine_unreachable",
      }),
      expect.objectContaining({
        op_kind: "force_next_turn",
        source_ref: "operator-7",
        outcome: "success",
      }),
    ]);
  });

  it("a forced turn the engine refuses answers the engine's error and leaves generation_failed", async () => {
    await s.register("forcefail-1");
    await s.engineControl("forcefail-1", "fail-next-turn?status=422&message=not%20now");
    const forced = await s.call("POST", `${GAME("forcefail-1")}/runtime/force-next-turn`);
    expect(forced.status).toBe(422);
    expect(forced.body).toEqual({ error: { code: "engine_validation_error", message: "not now" } });
    expect((await s.record("forcefail-1")).status).toBe("generation_failed");
  });
});

describe("admin stop", () => {
  it("a container_exited during an in-flight turn keeps the turn the engine answered; the runtime then is engine_unreachable", async () => {
    await s.register("exit-mid");
    await s.engineControl("exit-mid", "slow-next-turn?ms=1200");
    await s.makeDue("exit-mid");
    await waitFor(
      "turn in flight at the engine",
      async () => (await s.turnCalls("exit-mid")) === 1,
    );
    await xaddFlat(s.redis, s.config.streams.healthEvents, {
      game_id: "exit-mid",
      container_id: "c-exit-mid",
      event_type: "container_exited",
      occurred_at_ms: String(Date.now()),
      details: "{}",
    });
    await waitFor(
      "the health event applied during the turn",
      async () => (await s.record("exit-mid")).status === "engine_unreachable",
    );
    // The engine answers the slowed turn: its bookkeeping is kept.
    await waitFor("the turn written", async () => (await s.record("exit-mid")).current_turn === 1);
    const row = await s.record("exit-mid");
    expect(row).toMatchObject({ status: "engine_unreachable", current_turn: 1, lease_token: null });
    expect(await s.engineState("exit-mid")).toMatchObject({ turn: 1 });
    await waitFor("the turn announced", async () =>
      (await s.lobbyEvents("exit-mid")).some((event) => event.current_turn === "1"),
    );
    const snapshots = (await s.lobbyEvents("exit-mid")).map((event) => [
      event.runtime_status,
      event.current_turn,
    ]);
    expect(snapshots).toEqual([
      ["running", "0"],
      ["engine_unreachable", "0"],
      ["engine_unreachable", "1"],
    ]);
    await waitFor("the turn's intent", async () =>
      (await s.intents("exit-mid")).some(
        (intent) => intent.notification_type === "game.turn.ready",
      ),
    );
    expect(
      (await s.operations("exit-mid")).filter(
        (op) => op.op_kind === "turn_generation" && op.outcome === "success",
      ),
    ).toHaveLength(1);
  });

  it("during an in-flight turn: the stop wins, the turn's outcome loses its CAS and is discarded", async () => {
    await s.register("stop-mid");
    await s.engineControl("stop-mid", "slow-next-turn?ms=800");
    await s.makeDue("stop-mid");
    await waitFor(
      "turn in flight",
      async () => (await s.record("stop-mid")).status === "generation_in_progress",
    );

    const stopped = await s.call("POST", `${GAME("stop-mid")}/runtime/stop`, {
      reason: "admin_request",
    });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: "stopped", next_generation_at: null });

    // The engine finishes the slowed turn; GM must discard it.
    await waitFor("the discarded outcome", async () =>
      (await s.operations("stop-mid")).some(
        (op) => op.op_kind === "turn_generation" && op.error_code === "conflict",
      ),
    );
    expect(await s.engineState("stop-mid")).toMatchObject({ turn: 1 });
    const row = await s.record("stop-mid");
    expect(row).toMatchObject({ status: "stopped", current_turn: 0, next_generation_at: null });
    expect(row.stopped_at).not.toBeNull();
    expect(
      (await s.lobbyEvents("stop-mid")).map((event) => [event.runtime_status, event.current_turn]),
    ).toEqual([
      ["running", "0"],
      ["stopped", "0"],
    ]);
    expect(await s.intents("stop-mid")).toEqual([]);
    expect(s.rtm.state.listCalls()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "rest",
          operation: "stop",
          game_id: "stop-mid",
          body: { reason: "admin_request" },
        }),
      ]),
    );
  });

  it("concurrently with the scheduler: always ends stopped and consistent, never with a turn after the stop", async () => {
    for (let round = 0; round < 6; round += 1) {
      const gameId = `race-${round}`;
      await s.register(gameId);
      await s.makeDue(gameId);
      const stop = await s.call("POST", `${GAME(gameId)}/runtime/stop`, { reason: "cancelled" });
      expect(stop.status).toBe(200);
      // Let any turn the scheduler started settle.
      await waitFor(
        "no attempt in flight",
        () => !s.gm?.services.turnGeneration.isInFlight(gameId),
      );
      const row = await s.record(gameId);
      expect(row.status).toBe("stopped");
      expect(row.next_generation_at).toBeNull();
      const readyIntents = (await s.intents(gameId)).length;
      // Either the turn completed before the stop (and was announced) or it
      // never counted; a turn the engine produced after the stop is discarded.
      expect(row.current_turn).toBe(readyIntents);
      expect((await s.engineState(gameId)).turn).toBeGreaterThanOrEqual(row.current_turn);
      const last = (await s.lobbyEvents(gameId)).at(-1);
      expect(last).toMatchObject({
        runtime_status: "stopped",
        current_turn: String(row.current_turn),
      });
    }
  });

  it("answers 502 runtime_manager_unavailable and changes nothing when RTM fails; 409 for a stopped runtime; 404 for an unknown one", async () => {
    await s.register("stop-rtm");
    await s.rtmControl("/_stub/fail-next", { operation: "stop", error_code: "internal_error" });
    const failed = await s.call("POST", `${GAME("stop-rtm")}/runtime/stop`, { reason: "timeout" });
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ error: { code: "runtime_manager_unavailable" } });
    expect((await s.record("stop-rtm")).status).toBe("running");

    expect(
      (await s.call("POST", `${GAME("stop-rtm")}/runtime/stop`, { reason: "timeout" })).status,
    ).toBe(200);
    const again = await s.call("POST", `${GAME("stop-rtm")}/runtime/stop`, { reason: "timeout" });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "conflict" } });
    const unknown = await s.call("POST", `${GAME("nope")}/runtime/stop`, { reason: "timeout" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "runtime_not_found" } });
    expect(
      (await s.operations("stop-rtm")).map((op) => [op.op_kind, op.outcome, op.error_code]),
    ).toEqual([
      ["register_runtime", "success", ""],
      ["stop", "failure", "runtime_manager_unavailable"],
      ["stop", "success", ""],
      ["stop", "failure", "conflict"],
    ]);
  });
});

describe("admin patch and banish", () => {
  it("rejects a minor or major bump with semver_patch_only and patches within the minor line", async () => {
    await s.register("patch-1");
    for (const version of ["1.5.0", "2.0.0"]) {
      const response = await s.call("POST", `${GAME("patch-1")}/runtime/patch`, { version });
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ error: { code: "semver_patch_only" } });
    }
    const missing = await s.call("POST", `${GAME("patch-1")}/runtime/patch`, { version: "1.4.9" });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "engine_version_not_found" } });

    const ok = await s.call("POST", `${GAME("patch-1")}/runtime/patch`, { version: "1.4.3" });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      current_engine_version: "1.4.3",
      current_image_ref: "registry.galaxy.internal/galaxy/game:1.4.3",
    });
    expect(await s.record("patch-1")).toMatchObject({ current_engine_version: "1.4.3" });
    expect(s.rtm.state.listCalls()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          operation: "patch",
          game_id: "patch-1",
          body: { image_ref: "registry.galaxy.internal/galaxy/game:1.4.3" },
        }),
      ]),
    );
    expect(
      (await s.operations("patch-1"))
        .filter((op) => op.op_kind === "patch")
        .map((op) => op.error_code),
    ).toEqual(["semver_patch_only", "semver_patch_only", "engine_version_not_found", ""]);
  });

  it("keeps the old version when RTM fails the patch", async () => {
    await s.register("patch-rtm");
    await s.rtmControl("/_stub/fail-next", { operation: "patch" });
    const failed = await s.call("POST", `${GAME("patch-rtm")}/runtime/patch`, { version: "1.4.3" });
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ error: { code: "runtime_manager_unavailable" } });
    expect((await s.record("patch-rtm")).current_engine_version).toBe("1.4.2");
  });

  it("banishes a mapped race through the engine (204) and refuses an unmapped one (404 not_found)", async () => {
    await s.register("banish-1");
    const ok = await s.call("POST", `${GAME("banish-1")}/races/Borg/banish`);
    expect(ok.status).toBe(204);
    const report = await fetch(
      `${s.engine.engineEndpoint("banish-1")}/api/v1/report?player=Borg&turn=0`,
    );
    expect(await report.json()).toMatchObject({ banished: true });
    const unmapped = await s.call("POST", `${GAME("banish-1")}/races/Dalek/banish`);
    expect(unmapped.status).toBe(404);
    expect(unmapped.body).toMatchObject({ error: { code: "not_found" } });
    expect(
      (await s.operations("banish-1"))
        .filter((op) => op.op_kind === "banish")
        .map((op) => op.outcome),
    ).toEqual(["success", "failure"]);
  });
});

describe("observability", () => {
  it("exports turn, scheduler-lag, health and publish metrics", async () => {
    const metrics = await s.call("GET", "/metrics");
    const text = String(metrics.body);
    expect(text).toMatch(
      /gamemaster_turn_generations_total\{trigger="scheduler",outcome="generated"\} [1-9]/,
    );
    expect(text).toMatch(
      /gamemaster_turn_generations_total\{trigger="force",outcome="generated"\} [1-9]/,
    );
    expect(text).toMatch(
      /gamemaster_turn_generations_total\{trigger="scheduler",outcome="skipped"\} 1/,
    );
    expect(text).toMatch(/gamemaster_scheduler_lag_seconds_count [1-9]/);
    expect(text).toMatch(
      /gamemaster_notification_intents_published_total\{notification_type="game.turn.ready"\} [1-9]/,
    );
    expect(text).toContain("gamemaster_turn_generation_duration_seconds_bucket");
    expect(text).toContain("gamemaster_rtm_call_duration_seconds_bucket");
  });
});
