import { GalaxyError } from "@galaxy/errors";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryGameMaster } from "../../test/support/app-harness.js";
import { seedRunningGame, testContext } from "../../test/support/fakes.js";

const at = (iso: string) => new Date(iso);

function setup() {
  const gm = createMemoryGameMaster({ now: "2026-01-01T11:00:00.500Z" });
  const { turnGeneration, forceNextTurn } = gm.services;
  return { ...gm, turnGeneration, forceNextTurn, notifications: gm.intents };
}

type Setup = ReturnType<typeof setup>;

async function scheduledTick(t: Setup, gameId: string) {
  const due = await t.runtimes.get(gameId);
  if (due === null) throw new Error("no record");
  return t.turnGeneration.runScheduled(due, testContext("scheduler"));
}

describe("turn generation on a regular tick", () => {
  let t: Setup;
  beforeEach(() => {
    t = setup();
  });

  it("generates a turn, persists current_turn with running and the next activation, publishes snapshot and intent", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const attempt = await scheduledTick(t, "g1");

    expect(attempt.outcome).toBe("generated");
    const record = await t.runtimes.get("g1");
    expect(record).toMatchObject({
      status: "running",
      currentTurn: 1,
      skipNextTick: false,
      nextGenerationAt: at("2026-01-01T12:00:00.000Z"),
    });
    expect(t.lobbyEvents.snapshots).toHaveLength(1);
    expect(t.lobbyEvents.snapshots[0]).toMatchObject({
      gameId: "g1",
      currentTurn: 1,
      runtimeStatus: "running",
      playerTurnStats: [
        { userId: "user-1", planets: 2, population: 110 },
        { userId: "user-2", planets: 3, population: 210 },
      ],
    });
    const ready = t.notifications.ofType("game.turn.ready");
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({
      producer: "gamemaster",
      audience_kind: "user",
      recipient_user_ids: ["user-1", "user-2"],
      idempotency_key: "game.turn.ready:g1:1",
      payload: { game_id: "g1", turn_number: 1 },
    });
    expect(t.operationLog.entries).toEqual([
      expect.objectContaining({
        gameId: "g1",
        opKind: "turn_generation",
        opSource: "scheduler",
        outcome: "success",
      }),
    ]);
    expect(t.telemetry.turns).toEqual([{ trigger: "scheduler", outcome: "generated" }]);
  });

  it("does not replay missed ticks: after a long outage the next activation is after now", async () => {
    await seedRunningGame(t.runtimes, "g1", { nextGenerationAt: at("2026-01-01T07:00:00Z") });
    await scheduledTick(t, "g1");
    expect((await t.runtimes.get("g1"))?.nextGenerationAt).toEqual(at("2026-01-01T12:00:00Z"));
  });

  it("detects the final turn: finished, finished_at, no next tick, game_finished and game.finished", async () => {
    await seedRunningGame(t.runtimes, "g1", { currentTurn: 4 });
    t.engine.turns.set("http://engine/games/g1", 4);
    t.engine.finishAt.set("http://engine/games/g1", 5);

    const attempt = await scheduledTick(t, "g1");

    expect(attempt.outcome).toBe("finished");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "finished",
      currentTurn: 5,
      nextGenerationAt: null,
      finishedAt: t.clock.now(),
    });
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.lobbyEvents.finished).toEqual([
      expect.objectContaining({ gameId: "g1", finalTurnNumber: 5, runtimeStatus: "finished" }),
    ]);
    expect(t.notifications.ofType("game.finished")[0]).toMatchObject({
      recipient_user_ids: ["user-1", "user-2"],
      idempotency_key: "game.finished:g1:5",
      payload: { game_id: "g1", final_turn_number: 5 },
    });
    expect(t.notifications.ofType("game.turn.ready")).toEqual([]);
  });

  it("records an engine failure as generation_failed with a snapshot and an admin intent", async () => {
    // The stats stored with the record are repeated, because Lobby replaces
    // its view with each snapshot (they survive a restart: they are a column).
    await seedRunningGame(t.runtimes, "g1", {
      currentTurn: 2,
      lastPlayerStats: [{ userId: "user-1", planets: 7, population: 700 }],
    });
    t.engine.turnAnswers.push(new GalaxyError("engine_unreachable", "engine turn answered 500"));

    const attempt = await scheduledTick(t, "g1");

    expect(attempt.outcome).toBe("failed");
    expect(attempt.error?.code).toBe("engine_unreachable");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "generation_failed",
      currentTurn: 2,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
    });
    expect(t.lobbyEvents.snapshots[0]).toMatchObject({
      runtimeStatus: "generation_failed",
      currentTurn: 2,
      playerTurnStats: [{ userId: "user-1", planets: 7, population: 700 }],
    });
    const failed = t.notifications.ofType("game.generation_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      audience_kind: "admin",
      recipient_user_ids: [],
      payload: {
        game_id: "g1",
        turn_number: 3,
        error_code: "engine_unreachable",
        error_message: "engine turn answered 500",
      },
    });
    expect(failed[0]?.idempotency_key).toMatch(/^game\.generation_failed:g1:3:\d+$/);
    expect(t.operationLog.entries[0]).toMatchObject({
      opKind: "turn_generation",
      outcome: "failure",
      errorCode: "engine_unreachable",
    });
  });

  it("treats a turn number that did not advance as engine_protocol_violation", async () => {
    await seedRunningGame(t.runtimes, "g1", { currentTurn: 3 });
    t.engine.turnAnswers.push({ turn: 3, finished: false, players: [] });
    const attempt = await scheduledTick(t, "g1");
    expect(attempt.error?.code).toBe("engine_protocol_violation");
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_failed");
  });

  it("never generates twice from one tick: a stale copy of the due record loses the guarded CAS", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const stale = await t.runtimes.get("g1");
    if (stale === null) throw new Error("no record");
    await t.turnGeneration.runScheduled(stale, testContext("scheduler"));
    const again = await t.turnGeneration.runScheduled(stale, testContext("scheduler"));
    expect(again.outcome).toBe("not_started");
    expect(t.engine.turnCalls()).toBe(1);
    expect((await t.runtimes.get("g1"))?.currentTurn).toBe(1);
  });

  it("lets one attempt per game be in flight at a time", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const due = await t.runtimes.get("g1");
    if (due === null) throw new Error("no record");
    t.engine.hold();
    const first = t.turnGeneration.runScheduled(due, testContext("scheduler"));
    expect(t.turnGeneration.isInFlight("g1")).toBe(true);
    const second = await t.turnGeneration.runScheduled(due, testContext("scheduler"));
    expect(second.outcome).toBe("not_started");
    t.engine.release();
    expect((await first).outcome).toBe("generated");
    expect(t.turnGeneration.isInFlight("g1")).toBe(false);
  });

  it("discards the outcome when the record left generation_in_progress during the turn (admin stop)", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.engine.hold();
    const running = scheduledTick(t, "g1");
    await new Promise((resolve) => setImmediate(resolve));
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");
    await t.runtimes.compareAndSet({
      gameId: "g1",
      expected: { status: "generation_in_progress" },
      to: "stopped",
      now: t.clock.now(),
    });
    t.engine.release();

    const attempt = await running;

    expect(attempt.outcome).toBe("discarded");
    expect(await t.runtimes.get("g1")).toMatchObject({ status: "stopped", currentTurn: 0 });
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.notifications.intents).toEqual([]);
    expect(t.operationLog.entries[0]).toMatchObject({
      outcome: "failure",
      errorCode: "conflict",
      errorMessage: "turn 1 generated by the engine was discarded: the runtime is now stopped",
    });
    expect(t.telemetry.turns).toEqual([{ trigger: "scheduler", outcome: "discarded" }]);
  });

  it("writes the outcome, its log entry, its snapshot and its intent in one unit of work", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const commitsBefore = t.unitOfWork.commits;
    await scheduledTick(t, "g1");
    expect(t.unitOfWork.commits).toBe(commitsBefore + 1);
    expect(t.lobbyEvents.snapshots).toHaveLength(1);
    expect(t.notifications.ofType("game.turn.ready")).toHaveLength(1);
    // The stats of the answer are stored for later snapshots without one.
    expect((await t.runtimes.get("g1"))?.lastPlayerStats).toEqual(
      t.lobbyEvents.snapshots[0]?.playerTurnStats,
    );
  });

  it("leaves the turn to the reconciliation when the player mappings cannot be read (no intent-less turn)", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const due = await t.runtimes.get("g1");
    if (due === null) throw new Error("no record");
    t.runtimes.faults.failNext("listByGame", new Error("connection timeout"));
    await expect(t.turnGeneration.runScheduled(due, testContext("scheduler"))).rejects.toThrow(
      "connection timeout",
    );
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.notifications.intents).toEqual([]);
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");
  });

  it("publishes nothing when the outcome's unit of work fails; the record stays in generation", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.unitOfWork.faults.failNext("run", new GalaxyError("service_unavailable", "database down"));
    const ctx = testContext("scheduler");
    const due = await t.runtimes.get("g1");
    if (due === null) throw new Error("no record");
    await expect(t.turnGeneration.runScheduled(due, ctx)).rejects.toMatchObject({
      code: "service_unavailable",
    });
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.notifications.intents).toEqual([]);
    // Restart reconciliation settles it from the engine's status later.
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");
  });
});

describe("recipients of user intents (decision 050)", () => {
  it("are the mapped players Lobby lists as active", async () => {
    const t = setup();
    await seedRunningGame(t.runtimes, "g1");
    t.lobby.setRoster("g1", [
      ["user-1", "Aelinari", "removed"],
      ["user-2", "Borg", "active"],
    ]);
    await scheduledTick(t, "g1");
    expect(t.notifications.ofType("game.turn.ready")[0]?.recipient_user_ids).toEqual(["user-2"]);
  });

  it("fall back to every mapped player when Lobby is unreachable, and the turn still happens", async () => {
    const t = setup();
    t.lobby.failure = new GalaxyError("service_unavailable", "lobby unreachable");
    await seedRunningGame(t.runtimes, "g1");
    const attempt = await scheduledTick(t, "g1");
    expect(attempt.outcome).toBe("generated");
    expect(t.notifications.ofType("game.turn.ready")[0]?.recipient_user_ids).toEqual([
      "user-1",
      "user-2",
    ]);
  });

  it("publish no user intent when nobody is active", async () => {
    const t = setup();
    await seedRunningGame(t.runtimes, "g1");
    t.lobby.setRoster("g1", []);
    await scheduledTick(t, "g1");
    expect(t.notifications.intents).toEqual([]);
    expect(t.lobbyEvents.snapshots).toHaveLength(1);
  });
});

describe("force-next-turn and the skip rule (docs/reference.md#turn-schedule)", () => {
  let t: Setup;
  beforeEach(() => {
    t = setup();
  });

  it("forced at t, ticks T1 < T2 after t: no turn at T1, a turn at T2", async () => {
    t.clock.current = at("2026-01-01T10:20:00Z");
    await seedRunningGame(t.runtimes, "g1");

    const forced = await t.forceNextTurn.execute("g1", testContext());
    expect(forced).toMatchObject({
      status: "running",
      currentTurn: 1,
      skipNextTick: true,
      nextGenerationAt: at("2026-01-01T11:00:00Z"),
    });

    t.clock.current = at("2026-01-01T11:00:00.200Z");
    const t1 = await scheduledTick(t, "g1");
    expect(t1.outcome).toBe("skipped");
    expect(await t.runtimes.get("g1")).toMatchObject({
      currentTurn: 1,
      skipNextTick: false,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
    });

    t.clock.current = at("2026-01-01T12:00:00.200Z");
    const t2 = await scheduledTick(t, "g1");
    expect(t2.outcome).toBe("generated");
    expect((await t.runtimes.get("g1"))?.currentTurn).toBe(2);
    expect(t.engine.turnCalls()).toBe(2);
    expect(t.telemetry.turns).toEqual([
      { trigger: "force", outcome: "generated" },
      { trigger: "scheduler", outcome: "skipped" },
      { trigger: "scheduler", outcome: "generated" },
    ]);
    expect(t.operationLog.entries.map((entry) => entry.opKind)).toEqual([
      "force_next_turn",
      "turn_generation",
    ]);
  });

  it("counts T1 as the skipped tick when it passed while the forced turn ran", async () => {
    t.clock.current = at("2026-01-01T10:59:59Z");
    await seedRunningGame(t.runtimes, "g1");
    t.engine.turnAnswers.push(() => {
      t.clock.current = at("2026-01-01T11:00:02Z");
      return t.engine.stateOf("x");
    });
    t.engine.turns.set("x", 1);
    const forced = await t.forceNextTurn.execute("g1", testContext());
    expect(forced).toMatchObject({
      skipNextTick: false,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
    });
  });

  it("recovers a generation_failed game and sets the skip flag", async () => {
    await seedRunningGame(t.runtimes, "g1", { status: "generation_failed", currentTurn: 3 });
    t.engine.turns.set("http://engine/games/g1", 3);
    const forced = await t.forceNextTurn.execute("g1", testContext());
    expect(forced).toMatchObject({ status: "running", currentTurn: 4, skipNextTick: true });
    expect(t.operationLog.entries[0]).toMatchObject({
      opKind: "force_next_turn",
      opSource: "admin_rest",
      outcome: "success",
    });
  });

  it("answers the engine error and leaves generation_failed when the forced turn fails", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.engine.turnAnswers.push(new GalaxyError("engine_validation_error", "no turn today"));
    await expect(t.forceNextTurn.execute("g1", testContext())).rejects.toMatchObject({
      code: "engine_validation_error",
    });
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "generation_failed",
      skipNextTick: false,
    });
    expect(t.notifications.ofType("game.generation_failed")).toHaveLength(1);
  });

  it.each([
    ["stopped"],
    ["finished"],
    ["engine_unreachable"],
    ["generation_in_progress"],
    ["starting"],
  ] as const)("refuses a %s runtime with conflict and logs it", async (status) => {
    await seedRunningGame(t.runtimes, "g1", { status });
    await expect(t.forceNextTurn.execute("g1", testContext())).rejects.toMatchObject({
      code: "conflict",
    });
    expect(t.engine.turnCalls()).toBe(0);
    expect(t.operationLog.entries[0]).toMatchObject({
      opKind: "force_next_turn",
      outcome: "failure",
      errorCode: "conflict",
    });
  });

  it("refuses while a scheduled turn of the game is in flight", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.engine.hold();
    const scheduled = scheduledTick(t, "g1");
    await expect(t.forceNextTurn.execute("g1", testContext())).rejects.toMatchObject({
      code: "conflict",
    });
    t.engine.release();
    await scheduled;
    expect(t.engine.turnCalls()).toBe(1);
  });

  it("answers runtime_not_found for an unknown game", async () => {
    await expect(t.forceNextTurn.execute("nope", testContext())).rejects.toMatchObject({
      code: "runtime_not_found",
    });
  });
});

describe("reconciliation of an interrupted turn", () => {
  let t: Setup;
  beforeEach(() => {
    t = setup();
  });

  async function interrupted(currentTurn = 2) {
    await seedRunningGame(t.runtimes, "g1", {
      status: "generation_in_progress",
      currentTurn,
      nextGenerationAt: at("2026-01-01T11:00:00Z"),
      updatedAt: at("2026-01-01T11:00:00.100Z"),
    });
    const record = await t.runtimes.get("g1");
    if (record === null) throw new Error("no record");
    return record;
  }

  it("finishes the bookkeeping when the engine advanced", async () => {
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 3);
    const state = await t.engine.status("http://engine/games/g1");
    const outcome = await t.turnGeneration.reconcile(
      record,
      state,
      testContext("scheduler"),
      60_000,
    );
    expect(outcome).toBe("completed");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "running",
      currentTurn: 3,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
    });
    expect(t.lobbyEvents.snapshots[0]).toMatchObject({ currentTurn: 3 });
    expect(t.notifications.ofType("game.turn.ready")).toHaveLength(1);
    expect(t.engine.turnCalls()).toBe(0);
  });

  it("finishes the game when the engine reports it finished", async () => {
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 3);
    t.engine.finishAt.set("http://engine/games/g1", 3);
    const state = await t.engine.status("http://engine/games/g1");
    await t.turnGeneration.reconcile(record, state, testContext("scheduler"), 60_000);
    expect(await t.runtimes.get("g1")).toMatchObject({ status: "finished", currentTurn: 3 });
    expect(t.lobbyEvents.finished).toHaveLength(1);
  });

  it("waits while the engine may still be generating, then makes the game due now", async () => {
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 2);
    const state = await t.engine.status("http://engine/games/g1");
    t.clock.current = at("2026-01-01T11:00:30Z");
    expect(await t.turnGeneration.reconcile(record, state, testContext("scheduler"), 60_000)).toBe(
      "pending",
    );
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");

    t.clock.current = at("2026-01-01T11:01:30Z");
    expect(await t.turnGeneration.reconcile(record, state, testContext("scheduler"), 60_000)).toBe(
      "requeued",
    );
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "running",
      currentTurn: 2,
      nextGenerationAt: t.clock.now(),
    });
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.operationLog.entries[0]).toMatchObject({ outcome: "failure" });
  });

  it("skips a stale copy whose attempt settled between the listing and the engine answer", async () => {
    const record = await interrupted(2);
    await t.runtimes.compareAndSet({
      gameId: "g1",
      expected: { status: "generation_in_progress" },
      to: "running",
      patch: { currentTurn: 3 },
      now: t.clock.now(),
    });
    t.engine.turns.set("http://engine/games/g1", 3);
    const state = await t.engine.status("http://engine/games/g1");
    expect(await t.turnGeneration.reconcile(record, state, testContext("scheduler"), 0)).toBe(
      "skipped",
    );
    expect(t.operationLog.entries).toEqual([]);
    expect(t.telemetry.turns).toEqual([]);
  });

  it("skips a game whose turn is in flight in this process", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.engine.hold();
    const scheduled = scheduledTick(t, "g1");
    await new Promise((resolve) => setImmediate(resolve));
    const record = await t.runtimes.get("g1");
    if (record === null) throw new Error("no record");
    const outcome = await t.turnGeneration.reconcile(
      record,
      t.engine.stateOf("http://engine/games/g1"),
      testContext("scheduler"),
      0,
    );
    expect(outcome).toBe("skipped");
    t.engine.release();
    await scheduled;
    expect((await t.runtimes.get("g1"))?.currentTurn).toBe(1);
  });
});
