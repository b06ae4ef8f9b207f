import { GalaxyError } from "@galaxy/errors";
import { describe, expect, it } from "vitest";
import { createMemoryGameMaster } from "../../../test/support/app-harness.js";
import { MemoryLogger, seedRunningGame, testContext } from "../../../test/support/fakes.js";
import type { RuntimeRecord } from "../../domain/runtime-record.js";
import { LeaseRecovery } from "./recover.js";

const at = (iso: string) => new Date(iso);

function setup() {
  const gm = createMemoryGameMaster({ now: "2026-01-01T11:00:30.000Z" });
  const logger = new MemoryLogger();
  const recovery = new LeaseRecovery({
    runtimeRecords: gm.runtimes,
    turnGeneration: gm.services.turnGeneration,
    registrations: gm.services.registerRuntime,
    clock: gm.clock,
    logger,
    unleasedGraceMs: 60_000,
    concurrency: 4,
    restartOf: { owner: "gamemaster", startedAt: at("2026-01-01T11:00:20.000Z") },
  });
  return { ...gm, recovery, logger };
}

type Setup = ReturnType<typeof setup>;

/** A `starting` record whose register-runtime died after inserting it (its claim expired). */
async function abandonedRegistration(t: Setup, gameId: string): Promise<RuntimeRecord> {
  const record: RuntimeRecord = {
    gameId,
    status: "starting",
    engineEndpoint: `http://engine/games/${gameId}`,
    currentImageRef: "galaxy/game:1.4.2",
    currentEngineVersion: "1.4.2",
    turnSchedule: "0 * * * *",
    currentTurn: 0,
    nextGenerationAt: null,
    skipNextTick: false,
    engineHealth: "",
    createdAt: at("2026-01-01T11:00:00.000Z"),
    updatedAt: at("2026-01-01T11:00:00.000Z"),
    startedAt: null,
    stoppedAt: null,
    finishedAt: null,
    lastPlayerStats: [],
    lastHealthEventId: "",
    leaseOwner: "gm-dead",
    leaseToken: "dead-registration",
    leaseExpiresAt: at("2026-01-01T11:00:20.000Z"),
    leaseTrigger: null,
  };
  await t.runtimes.insert(record);
  return record;
}

describe("recovery of a registration that died mid-way", () => {
  it("finishes it when the engine was initialised, with the roster Lobby lists", async () => {
    const t = setup();
    await abandonedRegistration(t, "g1");
    t.lobby.setRoster("g1", [
      ["user-1", "Aelinari", "active"],
      ["user-2", "Borg", "active"],
    ]);
    const sweep = await t.recovery.sweep();
    expect(sweep.outcomes).toEqual({ registered: 1 });
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "running",
      currentTurn: 0,
      nextGenerationAt: at("2026-01-01T12:00:00.000Z"),
      leaseToken: null,
    });
    expect((await t.runtimes.listByGame("g1")).map((mapping) => mapping.userId).sort()).toEqual([
      "user-1",
      "user-2",
    ]);
    expect(t.lobbyEvents.snapshots).toHaveLength(1);
    expect(t.operationLog.entries).toMatchObject([
      { opKind: "register_runtime", outcome: "success" },
    ]);
  });

  it("rolls it back when the engine never got the init, so Lobby's retry can register again", async () => {
    const t = setup();
    await abandonedRegistration(t, "g1");
    t.engine.statusAnswer = new GalaxyError("engine_validation_error", "game not found");
    const sweep = await t.recovery.sweep();
    expect(sweep.outcomes).toEqual({ rolled_back: 1 });
    expect(await t.runtimes.get("g1")).toBeNull();
    expect(t.operationLog.entries).toMatchObject([
      { opKind: "register_runtime", outcome: "failure", errorCode: "internal_error" },
    ]);
    // Lobby's retry now succeeds instead of answering conflict forever.
    t.engine.statusAnswer = undefined;
    t.versions.versions.set("1.4.2", {
      version: "1.4.2",
      imageRef: "galaxy/game:1.4.2",
      options: {},
      status: "active",
      createdAt: t.clock.now(),
      updatedAt: t.clock.now(),
    });
    const registered = await t.services.registerRuntime.execute(
      {
        gameId: "g1",
        engineEndpoint: "http://engine/games/g1",
        members: [
          { userId: "user-1", raceName: "Aelinari" },
          { userId: "user-2", raceName: "Borg" },
        ],
        targetEngineVersion: "1.4.2",
        turnSchedule: "0 * * * *",
      },
      testContext(),
    );
    expect(registered.status).toBe("running");
  });

  it("rolls it back when Lobby's roster does not match the engine's", async () => {
    const t = setup();
    await abandonedRegistration(t, "g1");
    t.lobby.setRoster("g1", [["user-1", "Aelinari", "active"]]);
    expect((await t.recovery.sweep()).outcomes).toEqual({ rolled_back: 1 });
    expect(await t.runtimes.get("g1")).toBeNull();
  });

  it("waits when the engine cannot be reached", async () => {
    const t = setup();
    await abandonedRegistration(t, "g1");
    t.engine.statusAnswer = new GalaxyError("engine_unreachable", "connection refused");
    expect((await t.recovery.sweep()).outcomes).toEqual({ pending: 1 });
    expect((await t.runtimes.get("g1"))?.status).toBe("starting");
  });

  it("leaves a registration whose claim is still alive alone", async () => {
    const t = setup();
    await t.runtimes.insert({
      ...(await abandonedRegistration(t, "g-other")),
      gameId: "g2",
      leaseOwner: "gm-b",
      leaseExpiresAt: at("2026-01-01T11:01:00.000Z"),
    });
    await t.runtimes.deleteWithMappings("g-other");
    expect((await t.recovery.sweep()).examined).toBe(0);
    expect((await t.runtimes.get("g2"))?.status).toBe("starting");
  });
});

describe("the recovery sweep", () => {
  it("recovers every expired turn once and leaves live leases alone", async () => {
    const t = setup();
    for (const gameId of ["dead-1", "dead-2"]) {
      await seedRunningGame(t.runtimes, gameId, {
        status: "generation_in_progress",
        nextGenerationAt: at("2026-01-01T11:00:00.000Z"),
        updatedAt: at("2026-01-01T11:00:00.100Z"),
        leaseOwner: "gm-dead",
        leaseToken: `token-${gameId}`,
        leaseExpiresAt: at("2026-01-01T11:00:15.100Z"),
        leaseTrigger: "scheduler",
      });
      t.engine.turns.set(`http://engine/games/${gameId}`, 1);
    }
    await seedRunningGame(t.runtimes, "alive", {
      status: "generation_in_progress",
      updatedAt: at("2026-01-01T11:00:25.000Z"),
      leaseOwner: "gm-b",
      leaseToken: "token-alive",
      leaseExpiresAt: at("2026-01-01T11:00:40.000Z"),
      leaseTrigger: "scheduler",
    });
    expect((await t.recovery.sweep()).outcomes).toEqual({ generated: 2 });
    expect((await t.recovery.sweep()).examined).toBe(0);
    expect((await t.runtimes.get("dead-1"))?.currentTurn).toBe(1);
    expect((await t.runtimes.get("alive"))?.leaseOwner).toBe("gm-b");
    expect(t.lobbyEvents.snapshots).toHaveLength(2);
  });

  it("takes back at once what this instance's id held before it restarted", async () => {
    const t = setup();
    await seedRunningGame(t.runtimes, "mine", {
      status: "generation_in_progress",
      nextGenerationAt: at("2026-01-01T11:00:00.000Z"),
      updatedAt: at("2026-01-01T11:00:10.000Z"),
      leaseOwner: "gamemaster",
      leaseToken: "token-before-restart",
      leaseExpiresAt: at("2026-01-01T11:00:25.000Z"),
      leaseTrigger: "scheduler",
    });
    t.clock.current = at("2026-01-01T11:00:21.000Z");
    t.engine.turns.set("http://engine/games/mine", 1);
    expect((await t.recovery.sweep()).outcomes).toEqual({ generated: 1 });
  });
});

describe("a container that exits while its turn runs", () => {
  it("keeps the turn the engine answered: turn, stats, snapshot and intent; the runtime stays engine_unreachable", async () => {
    const t = setup();
    await seedRunningGame(t.runtimes, "g1", { nextGenerationAt: at("2026-01-01T11:00:00.000Z") });
    t.engine.hold();
    const [claimed] = await t.services.turnGeneration.claimDue(10);
    if (claimed === undefined) throw new Error("not claimed");
    const turn = t.services.turnGeneration.runClaimed(claimed, testContext("scheduler"));
    await new Promise((resolve) => setImmediate(resolve));
    // runtime:health_events → container_exited, applied while the engine works on the turn.
    await t.runtimes.compareAndSet({
      gameId: "g1",
      expected: { status: "generation_in_progress" },
      to: "engine_unreachable",
      patch: { engineHealth: "container_exited", lastHealthEventId: "5-0" },
      now: t.clock.now(),
    });
    t.engine.release();
    expect((await turn).outcome).toBe("generated");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "engine_unreachable",
      currentTurn: 1,
      nextGenerationAt: at("2026-01-01T12:00:00.000Z"),
      leaseToken: null,
    });
    expect(t.lobbyEvents.snapshots).toMatchObject([
      { currentTurn: 1, runtimeStatus: "engine_unreachable" },
    ]);
    expect(t.intents.ofType("game.turn.ready")).toHaveLength(1);
    expect(t.operationLog.entries).toMatchObject([
      { opKind: "turn_generation", outcome: "success" },
    ]);
  });

  it("writes the failure of a turn the engine could not answer without moving the status back", async () => {
    const t = setup();
    await seedRunningGame(t.runtimes, "g1", { nextGenerationAt: at("2026-01-01T11:00:00.000Z") });
    t.engine.hold();
    t.engine.turnAnswers.push(new GalaxyError("engine_unreachable", "connection reset"));
    const [claimed] = await t.services.turnGeneration.claimDue(10);
    if (claimed === undefined) throw new Error("not claimed");
    const turn = t.services.turnGeneration.runClaimed(claimed, testContext("scheduler"));
    await new Promise((resolve) => setImmediate(resolve));
    await t.runtimes.compareAndSet({
      gameId: "g1",
      expected: { status: "generation_in_progress" },
      to: "engine_unreachable",
      now: t.clock.now(),
    });
    t.engine.release();
    expect((await turn).outcome).toBe("failed");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "engine_unreachable",
      currentTurn: 0,
      leaseToken: null,
    });
    expect(t.intents.ofType("game.generation_failed")).toEqual([]);
    expect(t.operationLog.entries).toMatchObject([{ outcome: "failure" }]);
  });
});
