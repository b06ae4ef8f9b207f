import { GalaxyError, isGalaxyError } from "@galaxy/errors";
import { beforeEach, describe, expect, it } from "vitest";
import {
  FakeClock,
  FakeEngine,
  MemoryEngineVersionStore,
  MemoryIntents,
  MemoryLobbyEvents,
  MemoryLogger,
  MemoryOperationLog,
  MemoryRuntimeStore,
  MemoryTelemetry,
  MemoryUnitOfWork,
  stateFor,
} from "../../test/support/fakes.js";
import type { OperationContext } from "./operation-context.js";
import {
  type RegisterRuntimeInput,
  RegisterRuntimeService,
  rosterViolation,
} from "./register-runtime.js";

function setup() {
  const clock = new FakeClock(new Date("2026-01-01T10:20:00.000Z"));
  const runtimes = new MemoryRuntimeStore();
  const versions = new MemoryEngineVersionStore(runtimes);
  const operationLog = new MemoryOperationLog();
  const lobbyEvents = new MemoryLobbyEvents();
  const unitOfWork = new MemoryUnitOfWork({
    runtimes,
    operationLog,
    lobbyEvents,
    intents: new MemoryIntents(),
  });
  const engine = new FakeEngine();
  const telemetry = new MemoryTelemetry();
  const logger = new MemoryLogger();
  versions.versions.set("1.4.2", {
    version: "1.4.2",
    imageRef: "galaxy/game:1.4.2",
    options: {},
    status: "active",
    createdAt: clock.now(),
    updatedAt: clock.now(),
  });
  const service = new RegisterRuntimeService({
    runtimeRecords: runtimes,
    engineVersions: versions,
    playerMappings: runtimes,
    operationLog,
    engine,
    unitOfWork,
    telemetry,
    clock,
  });
  const ctx: OperationContext = { opSource: "lobby_internal", sourceRef: "req-1", logger };
  return {
    clock,
    runtimes,
    versions,
    operationLog,
    lobbyEvents,
    unitOfWork,
    engine,
    telemetry,
    logger,
    service,
    ctx,
  };
}

const input: RegisterRuntimeInput = {
  gameId: "g1",
  engineEndpoint: "http://engine:8080/games/g1",
  members: [
    { userId: "u2", raceName: "Borg" },
    { userId: "u1", raceName: "Aelinari" },
  ],
  targetEngineVersion: "1.4.2",
  turnSchedule: "0 * * * *",
};

async function failure(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    if (isGalaxyError(error)) {
      return error;
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("RegisterRuntimeService — happy path", () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it("installs a running record at turn 0 with the first tick scheduled", async () => {
    const record = await s.service.execute(input, s.ctx);
    expect(record).toMatchObject({
      gameId: "g1",
      status: "running",
      engineEndpoint: input.engineEndpoint,
      currentImageRef: "galaxy/game:1.4.2",
      currentEngineVersion: "1.4.2",
      turnSchedule: "0 * * * *",
      currentTurn: 0,
      nextGenerationAt: new Date("2026-01-01T11:00:00.000Z"),
      skipNextTick: false,
      engineHealth: "",
      startedAt: new Date("2026-01-01T10:20:00.000Z"),
      stoppedAt: null,
      finishedAt: null,
    });
    expect(s.runtimes.records.get("g1")).toEqual(record);
  });

  it("sends the roster's races to the engine and stores one mapping per member", async () => {
    await s.service.execute(input, s.ctx);
    expect(s.engine.calls).toEqual([
      { operation: "init", endpoint: input.engineEndpoint, args: ["Borg", "Aelinari"] },
    ]);
    expect(
      s.runtimes.mappings.map((m) => [m.userId, m.raceName, m.enginePlayerUuid]).sort(),
    ).toEqual([
      ["u1", "Aelinari", "uuid-Aelinari"],
      ["u2", "Borg", "uuid-Borg"],
    ]);
  });

  it("logs one success entry with the caller's source", async () => {
    await s.service.execute(input, s.ctx);
    expect(s.operationLog.entries).toEqual([
      expect.objectContaining({
        gameId: "g1",
        opKind: "register_runtime",
        opSource: "lobby_internal",
        sourceRef: "req-1",
        outcome: "success",
        errorCode: "",
      }),
    ]);
    expect(s.telemetry.registerOutcomes).toEqual([{ outcome: "success", errorCode: "" }]);
  });

  it("publishes a runtime snapshot with stats projected to user ids", async () => {
    await s.service.execute(input, s.ctx);
    expect(s.lobbyEvents.snapshots).toEqual([
      {
        gameId: "g1",
        currentTurn: 0,
        runtimeStatus: "running",
        engineHealthSummary: "",
        playerTurnStats: [
          { userId: "u1", planets: 2, population: 200 },
          { userId: "u2", planets: 1, population: 100 },
        ],
        occurredAt: new Date("2026-01-01T10:20:00.000Z"),
      },
    ]);
  });

  it("commits the mappings, the CAS, the log entry and the snapshot in one unit of work", async () => {
    await s.service.execute(input, s.ctx);
    expect(s.unitOfWork.commits).toBe(1);
    // The stats of the engine's init answer, the same the snapshot carries.
    const stored = s.runtimes.records.get("g1")?.lastPlayerStats;
    expect(stored).toHaveLength(2);
    expect(stored).toEqual(s.lobbyEvents.snapshots[0]?.playerTurnStats);
  });

  it("rolls the registration back, publishing nothing, when its unit of work fails", async () => {
    s.unitOfWork.faults.failNext("run", new GalaxyError("service_unavailable", "database down"));
    await expect(s.service.execute(input, s.ctx)).rejects.toMatchObject({
      code: "service_unavailable",
    });
    expect(s.runtimes.records.has("g1")).toBe(false);
    expect(s.lobbyEvents.snapshots).toEqual([]);
  });

  it("fails and rolls back when the success log entry cannot be written in the transaction", async () => {
    s.operationLog.faults.failNext("append", new Error("db hiccup"));
    await expect(s.service.execute(input, s.ctx)).rejects.toThrow();
    expect(s.runtimes.records.has("g1")).toBe(false);
    expect(s.lobbyEvents.snapshots).toEqual([]);
    expect(s.unitOfWork.rollbacks).toBe(1);
  });

  it("leaves next_generation_at null for a schedule that never fires", async () => {
    const record = await s.service.execute({ ...input, turnSchedule: "0 0 30 2 *" }, s.ctx);
    expect(record.nextGenerationAt).toBeNull();
    expect(record.status).toBe("running");
  });
});

describe("RegisterRuntimeService — invalid requests create nothing and are audited", () => {
  it.each([
    [{ members: [] }, "members: must not be empty"],
    [
      {
        members: [
          { userId: "u1", raceName: "A" },
          { userId: "u1", raceName: "B" },
        ],
      },
      'members.1.user_id: duplicate user_id "u1"',
    ],
    [{ turnSchedule: "not cron" }, "turn_schedule"],
    [{ targetEngineVersion: "1.4" }, "target_engine_version"],
    [{ engineEndpoint: "engine:8080" }, "engine_endpoint"],
    [{ gameId: " " }, "game_id"],
  ])("%j → invalid_request", async (override, message) => {
    const s = setup();
    const error = await failure(s.service.execute({ ...input, ...override }, s.ctx));
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain(message);
    expect(s.runtimes.records.size).toBe(0);
    expect(s.engine.calls).toHaveLength(0);
    if ("gameId" in override) {
      // A blank game id names no game to file the entry under.
      expect(s.operationLog.entries).toHaveLength(0);
    } else {
      expect(s.operationLog.entries).toEqual([
        expect.objectContaining({
          gameId: input.gameId,
          opKind: "register_runtime",
          outcome: "failure",
          errorCode: "invalid_request",
          errorMessage: error.message,
        }),
      ]);
    }
  });
});

describe("RegisterRuntimeService — failures", () => {
  function expectNoRuntime(s: ReturnType<typeof setup>, code: string) {
    expect(s.runtimes.records.size).toBe(0);
    expect(s.runtimes.mappings).toHaveLength(0);
    expect(s.lobbyEvents.snapshots).toHaveLength(0);
    expect(s.operationLog.entries).toEqual([
      expect.objectContaining({
        gameId: "g1",
        opKind: "register_runtime",
        outcome: "failure",
        errorCode: code,
      }),
    ]);
    expect(s.telemetry.registerOutcomes).toEqual([{ outcome: "failure", errorCode: code }]);
  }

  it("refuses a second register with conflict and keeps the first runtime", async () => {
    const s = setup();
    const first = await s.service.execute(input, s.ctx);
    const error = await failure(s.service.execute(input, s.ctx));
    expect(error.code).toBe("conflict");
    expect(s.runtimes.records.get("g1")).toEqual(first);
    expect(s.runtimes.mappings).toHaveLength(2);
    expect(s.operationLog.entries.map((entry) => [entry.outcome, entry.errorCode])).toEqual([
      ["success", ""],
      ["failure", "conflict"],
    ]);
  });

  it("answers engine_version_not_found for an unknown version", async () => {
    const s = setup();
    const error = await failure(
      s.service.execute({ ...input, targetEngineVersion: "9.9.9" }, s.ctx),
    );
    expect(error.code).toBe("engine_version_not_found");
    expectNoRuntime(s, "engine_version_not_found");
    expect(s.engine.calls).toHaveLength(0);
  });

  it("registers a deprecated version (deprecation only stops new resolves)", async () => {
    const s = setup();
    const version = s.versions.versions.get("1.4.2");
    if (version) version.status = "deprecated";
    const record = await s.service.execute(input, s.ctx);
    expect(record.status).toBe("running");
    expect(record.currentEngineVersion).toBe("1.4.2");
    expect(s.runtimes.records.get(input.gameId)?.status).toBe("running");
    expect(s.operationLog.entries.map((entry) => entry.outcome)).toEqual(["success"]);
  });

  it.each([
    ["engine_validation_error", "race name too long"],
    ["engine_unreachable", "engine init answered 500"],
    ["engine_unreachable", "engine init timed out after 5000ms"],
    ["engine_protocol_violation", "engine init answered invalid JSON"],
  ] as const)("rolls back on an engine %s", async (code, message) => {
    const s = setup();
    s.engine.initResult = new GalaxyError(code, message);
    const error = await failure(s.service.execute(input, s.ctx));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expectNoRuntime(s, code);
    expect(s.operationLog.entries[0]?.errorMessage).toBe(message);
  });

  it.each([
    ["a missing race", () => stateFor(["Borg"])],
    ["an extra race", () => stateFor(["Borg", "Aelinari", "Cylon"])],
    ["a foreign race", () => stateFor(["Borg", "Cylon"])],
    ["a race twice", () => stateFor(["Borg", "Borg"])],
    [
      "a shared player uuid",
      () => {
        const state = stateFor(["Borg", "Aelinari"]);
        for (const player of state.players) player.enginePlayerUuid = "same";
        return state;
      },
    ],
  ])("rolls back with engine_protocol_violation when the engine returns %s", async (_, state) => {
    const s = setup();
    s.engine.initResult = state();
    const error = await failure(s.service.execute(input, s.ctx));
    expect(error.code).toBe("engine_protocol_violation");
    expectNoRuntime(s, "engine_protocol_violation");
  });

  it("rolls back when the mappings cannot be stored", async () => {
    const s = setup();
    s.runtimes.faults.failNext(
      "insertMany",
      new GalaxyError("service_unavailable", "database unavailable"),
    );
    const error = await failure(s.service.execute(input, s.ctx));
    expect(error.code).toBe("service_unavailable");
    expectNoRuntime(s, "service_unavailable");
  });

  it("rolls back mappings and record when the CAS to running fails", async () => {
    const s = setup();
    s.runtimes.faults.failNext("compareAndSet", new Error("boom"));
    const error = await failure(s.service.execute(input, s.ctx)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(s.runtimes.records.size).toBe(0);
    expect(s.runtimes.mappings).toHaveLength(0);
    expect(s.operationLog.entries[0]).toMatchObject({
      outcome: "failure",
      errorCode: "internal_error",
      errorMessage: "boom",
    });
  });

  it("does not delete a record it did not insert (lost insert race)", async () => {
    const s = setup();
    const original = s.runtimes.insert.bind(s.runtimes);
    // Another register inserts between our existence check and our insert.
    s.runtimes.insert = async (record) => {
      await original({ ...record, engineEndpoint: "http://other" });
      return original(record);
    };
    const error = await failure(s.service.execute(input, s.ctx));
    expect(error.code).toBe("conflict");
    expect(s.runtimes.records.get("g1")?.engineEndpoint).toBe("http://other");
    expect(s.engine.calls).toHaveLength(0);
  });

  it("maps a failing existence check to the store's error and writes nothing else", async () => {
    const s = setup();
    s.runtimes.faults.failNext(
      "get",
      new GalaxyError("service_unavailable", "database unavailable"),
    );
    const error = await failure(s.service.execute(input, s.ctx));
    expect(error.code).toBe("service_unavailable");
    expect(s.runtimes.records.size).toBe(0);
  });
});

describe("rosterViolation", () => {
  const members = [
    { userId: "u1", raceName: "A" },
    { userId: "u2", raceName: "B" },
  ];
  it("accepts the exact roster in any order", () => {
    expect(rosterViolation(members, stateFor(["B", "A"]))).toBeNull();
  });
  it("names the missing race", () => {
    expect(rosterViolation(members, stateFor(["A"]))).toContain('"B"');
  });
});
