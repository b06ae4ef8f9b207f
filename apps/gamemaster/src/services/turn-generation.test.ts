import { GalaxyError } from "@galaxy/errors";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryGameMaster } from "../../test/support/app-harness.js";
import { seedRunningGame, testContext } from "../../test/support/fakes.js";

const at = (iso: string) => new Date(iso);

function setup(options: { interruptedTurnGraceMs?: number } = {}) {
  const gm = createMemoryGameMaster({ now: "2026-01-01T11:00:00.500Z", ...options });
  const { turnGeneration, forceNextTurn } = gm.services;
  return { ...gm, turnGeneration, forceNextTurn, notifications: gm.intents };
}

type Setup = ReturnType<typeof setup>;

/** What the scheduler does with a due game: its claim, then the turn (or the skipped tick). */
async function scheduledTick(t: Setup, gameId: string) {
  const due = await t.runtimes.get(gameId);
  if (due === null) throw new Error("no record");
  if (due.skipNextTick) {
    return t.turnGeneration.skipTick(due, testContext("scheduler"));
  }
  const claimed = await claimOf(t, gameId);
  if (claimed === undefined) {
    return { outcome: "not_started" as const, record: due };
  }
  return t.turnGeneration.runClaimed(claimed, testContext("scheduler"));
}

async function claimOf(t: Setup, gameId: string) {
  return (await t.turnGeneration.claimDue(100)).find((record) => record.gameId === gameId);
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

  it("never generates twice from one tick: the claim takes a due game once", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const claimed = await claimOf(t, "g1");
    expect(claimed).toMatchObject({
      status: "generation_in_progress",
      leaseOwner: "gamemaster",
      leaseTrigger: "scheduler",
    });
    expect(await claimOf(t, "g1")).toBeUndefined();
    if (claimed === undefined) throw new Error("not claimed");
    await t.turnGeneration.runClaimed(claimed, testContext("scheduler"));
    expect(t.engine.turnCalls()).toBe(1);
    expect(await t.runtimes.get("g1")).toMatchObject({
      currentTurn: 1,
      leaseOwner: null,
      leaseToken: null,
      leaseExpiresAt: null,
    });
  });

  it("keeps the lease alive while the engine call runs, and releases it after", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.engine.hold();
    const running = scheduledTick(t, "g1");
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.turnGeneration.isInFlight("g1")).toBe(true);
    expect(t.turnGeneration.leases.held).toBe(1);
    t.clock.current = new Date(t.clock.now().getTime() + 10_000);
    await t.turnGeneration.leases.renew();
    expect((await t.runtimes.get("g1"))?.leaseExpiresAt).toEqual(
      new Date(t.clock.now().getTime() + 15_000),
    );
    t.engine.release();
    expect((await running).outcome).toBe("generated");
    expect(t.turnGeneration.isInFlight("g1")).toBe(false);
    expect(t.turnGeneration.leases.held).toBe(0);
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
      errorMessage: "the turn's outcome was discarded: the runtime is now stopped",
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

  it("leaves the turn to recovery when the player mappings cannot be read (no intent-less turn)", async () => {
    await seedRunningGame(t.runtimes, "g1");
    // Neither the claimed batch's read nor the turn's own read gets them.
    t.runtimes.faults.failNext("listByGames", new Error("connection timeout"));
    t.runtimes.faults.failNext("listByGame", new Error("connection timeout"));
    await expect(scheduledTick(t, "g1")).rejects.toThrow("connection timeout");
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.notifications.intents).toEqual([]);
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");
  });

  it("retries each outcome of a batch on its own when the batch's transaction fails", async () => {
    await seedRunningGame(t.runtimes, "g1");
    await seedRunningGame(t.runtimes, "g2");
    t.engine.hold();
    const claimed = await t.turnGeneration.claimDue(10);
    expect(claimed).toHaveLength(2);
    const turns = claimed.map((record) =>
      t.turnGeneration.runClaimed(record, testContext("scheduler")),
    );
    await new Promise((resolve) => setImmediate(resolve));
    // The one transaction of both outcomes fails; each is then written alone.
    t.unitOfWork.faults.failNext("run", new GalaxyError("service_unavailable", "serialization"));
    t.engine.release();
    expect((await Promise.all(turns)).map((turn) => turn.outcome)).toEqual([
      "generated",
      "generated",
    ]);
    expect((await t.runtimes.get("g1"))?.currentTurn).toBe(1);
    expect((await t.runtimes.get("g2"))?.currentTurn).toBe(1);
    expect(t.lobbyEvents.snapshots).toHaveLength(2);
    expect(t.operationLog.entries.filter((entry) => entry.outcome === "success")).toHaveLength(2);
  });

  it("publishes nothing when the outcome's unit of work fails; the record stays in generation", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.unitOfWork.faults.failNext("run", new GalaxyError("service_unavailable", "database down"));
    await expect(scheduledTick(t, "g1")).rejects.toMatchObject({
      code: "service_unavailable",
    });
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.notifications.intents).toEqual([]);
    // The lease is no longer renewed: recovery settles it from the engine's status once it expired.
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");
    expect(t.turnGeneration.leases.held).toBe(0);
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

  it("of a claimed batch come from one Lobby lookup, still only the active ones", async () => {
    const t = setup();
    t.lobby.lookupSupported = true;
    for (const gameId of ["g1", "g2", "g3"]) {
      await seedRunningGame(t.runtimes, gameId);
    }
    t.lobby.setRoster("g2", [
      ["user-1", "Aelinari", "blocked"],
      ["user-2", "Borg", "active"],
    ]);
    const claimed = await t.turnGeneration.claimDue(10);
    await Promise.all(
      claimed.map((record) => t.turnGeneration.runClaimed(record, testContext("scheduler"))),
    );
    expect(t.lobby.lookups.map((ids) => [...ids].sort())).toEqual([["g1", "g2", "g3"]]);
    expect(t.lobby.calls).toEqual([]);
    const recipients = new Map(
      t.notifications
        .ofType("game.turn.ready")
        .map((intent) => [
          (intent.payload as { game_id: string }).game_id,
          intent.recipient_user_ids,
        ]),
    );
    expect(recipients.get("g1")).toEqual(["user-1", "user-2"]);
    expect(recipients.get("g2")).toEqual(["user-2"]);
    expect(recipients.size).toBe(3);
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

describe("recovery of a turn whose instance died (expired lease)", () => {
  let t: Setup;
  beforeEach(() => {
    t = setup();
  });

  /** A turn claimed by instance "gm-dead", which never came back. */
  async function interrupted(currentTurn = 2, trigger: "scheduler" | "force" = "scheduler") {
    await seedRunningGame(t.runtimes, "g1", {
      status: "generation_in_progress",
      currentTurn,
      // The tick the dead instance handled.
      nextGenerationAt: at("2026-01-01T11:00:00Z"),
      updatedAt: at("2026-01-01T11:00:00.100Z"),
      leaseOwner: "gm-dead",
      leaseToken: "dead-token",
      leaseExpiresAt: at("2026-01-01T11:00:15.100Z"),
      leaseTrigger: trigger,
    });
    t.clock.current = at("2026-01-01T11:00:16Z");
    const record = await t.runtimes.get("g1");
    if (record === null) throw new Error("no record");
    return record;
  }

  it("finishes the bookkeeping when the engine advanced", async () => {
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 3);
    expect(await t.turnGeneration.recover(record, testContext("scheduler"))).toBe("generated");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "running",
      currentTurn: 3,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
      leaseToken: null,
    });
    expect(t.lobbyEvents.snapshots[0]).toMatchObject({ currentTurn: 3 });
    expect(t.notifications.ofType("game.turn.ready")).toHaveLength(1);
    expect(t.engine.turnCalls()).toBe(0);
    expect(t.operationLog.entries[0]).toMatchObject({
      opKind: "turn_generation",
      outcome: "success",
    });
  });

  it("finishes the game when the engine reports it finished", async () => {
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 3);
    t.engine.finishAt.set("http://engine/games/g1", 3);
    await t.turnGeneration.recover(record, testContext("scheduler"));
    expect(await t.runtimes.get("g1")).toMatchObject({ status: "finished", currentTurn: 3 });
    expect(t.lobbyEvents.finished).toHaveLength(1);
  });

  it("makes the game due at once when the engine never generated the turn", async () => {
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 2);
    expect(await t.turnGeneration.recover(record, testContext("scheduler"))).toBe("requeued");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "running",
      currentTurn: 2,
      nextGenerationAt: t.clock.now(),
      leaseToken: null,
    });
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.operationLog.entries[0]).toMatchObject({ outcome: "failure" });
  });

  it("keeps the trigger of an interrupted forced turn: logged as force_next_turn, skip flag set", async () => {
    const record = await interrupted(2, "force");
    t.engine.turns.set("http://engine/games/g1", 3);
    expect(await t.turnGeneration.recover(record, testContext("scheduler"))).toBe("generated");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "running",
      currentTurn: 3,
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
      skipNextTick: true,
    });
    expect(t.operationLog.entries[0]).toMatchObject({
      opKind: "force_next_turn",
      outcome: "success",
    });
    expect(t.telemetry.turns).toEqual([{ trigger: "force", outcome: "generated" }]);
  });

  it("is done by one instance only: a second recovery of the same expired lease finds it taken", async () => {
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 3);
    const [first, second] = await Promise.all([
      t.turnGeneration.recover(record, testContext("scheduler")),
      t.turnGeneration.recover(record, testContext("scheduler")),
    ]);
    expect([first, second].sort()).toEqual(["generated", "taken"]);
    expect(t.lobbyEvents.snapshots).toHaveLength(1);
    expect(t.operationLog.entries).toHaveLength(1);
  });

  it("leaves the game for a later sweep when the engine does not answer", async () => {
    const record = await interrupted(2);
    t.engine.statusAnswer = new GalaxyError("engine_unreachable", "connection refused");
    expect(await t.turnGeneration.recover(record, testContext("scheduler"))).toBe(
      "engine_unavailable",
    );
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "generation_in_progress",
      leaseOwner: "gm-dead",
    });
    expect(t.turnGeneration.leases.held).toBe(0);
  });

  it("waits while the engine may still generate the dead instance's turn (the turn timeout)", async () => {
    t = setup({ interruptedTurnGraceMs: 60_000 });
    const record = await interrupted(2);
    t.engine.turns.set("http://engine/games/g1", 2);
    expect(await t.turnGeneration.recover(record, testContext("scheduler"))).toBe("pending");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "generation_in_progress",
      leaseOwner: "gm-dead",
    });
    t.clock.current = at("2026-01-01T11:01:00.200Z");
    expect(await t.turnGeneration.recover(record, testContext("scheduler"))).toBe("requeued");
    expect((await t.runtimes.get("g1"))?.status).toBe("running");
  });
});
