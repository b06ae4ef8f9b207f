import { type GalaxyError, isGalaxyError } from "@galaxy/errors";
import { closePool, createDatabase, createPool } from "@galaxy/postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PostgresEngineVersionStore } from "../src/adapters/postgres/engine-version-store.js";
import { PostgresOperationLog } from "../src/adapters/postgres/operation-log.js";
import { PostgresPlayerMappingStore } from "../src/adapters/postgres/player-mapping-store.js";
import { PostgresRuntimeRecordStore } from "../src/adapters/postgres/runtime-record-store.js";
import { schema } from "../src/adapters/postgres/schema.js";
import type { RuntimeRecord } from "../src/domain/runtime-record.js";
import type { RuntimeStatus } from "../src/domain/runtime-status.js";
import { createMigratedDatabase, type MigratedDatabase } from "./support/database.js";

let database: MigratedDatabase;
let records: PostgresRuntimeRecordStore;
let versions: PostgresEngineVersionStore;
let mappings: PostgresPlayerMappingStore;
let operationLog: PostgresOperationLog;

const t0 = new Date("2026-01-01T10:00:00.123Z");

function record(gameId: string, status: RuntimeStatus = "starting"): RuntimeRecord {
  return {
    gameId,
    status,
    engineEndpoint: `http://engine/games/${gameId}`,
    currentImageRef: "galaxy/game:1.4.2",
    currentEngineVersion: "1.4.2",
    turnSchedule: "0 * * * *",
    currentTurn: 0,
    nextGenerationAt: null,
    skipNextTick: false,
    engineHealth: "",
    createdAt: t0,
    updatedAt: t0,
    startedAt: null,
    stoppedAt: null,
    finishedAt: null,
    lastPlayerStats: [],
    lastHealthEventId: "",
    leaseOwner: null,
    leaseToken: null,
    leaseExpiresAt: null,
    leaseTrigger: null,
  };
}

async function failure(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    if (isGalaxyError(error)) return error;
    throw error;
  }
  throw new Error("expected failure");
}

beforeAll(async () => {
  database = await createMigratedDatabase("gm_stores");
  records = new PostgresRuntimeRecordStore(database.db);
  versions = new PostgresEngineVersionStore(database.db);
  mappings = new PostgresPlayerMappingStore(database.db);
  operationLog = new PostgresOperationLog(database.db);
});

afterAll(async () => {
  await database?.close();
});

beforeEach(async () => {
  await database.pool.query(
    "TRUNCATE gamemaster.player_mappings, gamemaster.runtime_records, gamemaster.engine_versions, gamemaster.operation_log",
  );
});

describe("PostgresRuntimeRecordStore", () => {
  it("inserts and reads back a record exactly (timestamps to the millisecond)", async () => {
    await records.insert(record("g1"));
    expect(await records.get("g1")).toEqual(record("g1"));
    expect(await records.get("missing")).toBeNull();
  });

  it("refuses a second insert of the same game with conflict", async () => {
    await records.insert(record("g1"));
    expect((await failure(records.insert(record("g1")))).code).toBe("conflict");
  });

  it("CAS: writes status and patch only from the expected status and returns the row as written", async () => {
    await records.insert(record("g1"));
    const t1 = new Date("2026-01-01T10:00:01.000Z");
    const next = new Date("2026-01-01T11:00:00.000Z");
    const written = await records.compareAndSet({
      gameId: "g1",
      expected: { status: "starting" },
      to: "running",
      patch: { currentTurn: 0, startedAt: t1, nextGenerationAt: next },
      now: t1,
    });
    expect(written).toMatchObject({
      status: "running",
      startedAt: t1,
      nextGenerationAt: next,
      updatedAt: t1,
    });
    expect(await records.get("g1")).toEqual(written);
    expect(
      await records.compareAndSet({
        gameId: "g1",
        expected: { status: "starting" },
        to: "running",
        now: t1,
      }),
    ).toBeNull();
    expect(
      await records.compareAndSet({
        gameId: "nope",
        expected: { status: "starting" },
        to: "running",
        now: t1,
      }),
    ).toBeNull();
    expect(await records.get("g1")).toEqual(written);
  });

  it("CAS without a new status writes the patch and leaves the status alone", async () => {
    await records.insert(record("g1", "running"));
    const now = new Date("2026-01-01T12:00:00.000Z");
    expect(
      await records.compareAndSet({
        gameId: "g1",
        expected: { status: "running" },
        patch: { engineHealth: "healthy" },
        now,
      }),
    ).toMatchObject({ status: "running", engineHealth: "healthy", updatedAt: now });
    expect(
      await records.compareAndSet({
        gameId: "g1",
        expected: { status: "stopped" },
        patch: { skipNextTick: true },
        now,
      }),
    ).toBeNull();
    expect(await records.get("g1")).toMatchObject({ engineHealth: "healthy", skipNextTick: false });
  });

  it("CAS race: of two concurrent callers exactly one wins", async () => {
    for (let round = 0; round < 20; round += 1) {
      const gameId = `race-${round}`;
      await records.insert(record(gameId, "running"));
      const now = new Date();
      const expected = { status: "running" } as const;
      // Two different connections race the same expected status.
      const results = await Promise.all([
        records.compareAndSet({ gameId, expected, to: "generation_in_progress", now }),
        records.compareAndSet({ gameId, expected, to: "stopped", now }),
      ]);
      expect(results.filter((row) => row !== null)).toHaveLength(1);
      const winner = results[0] !== null ? "generation_in_progress" : "stopped";
      expect((await records.get(gameId))?.status).toBe(winner);
    }
  });

  it("CAS race with many callers: exactly one wins", async () => {
    await records.insert(record("crowd", "running"));
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        records.compareAndSet({
          gameId: "crowd",
          expected: { status: "running" },
          to: "stopped",
          now,
        }),
      ),
    );
    expect(results.filter((row) => row !== null)).toHaveLength(1);
  });

  describe("CAS guards beyond the status", () => {
    const now = new Date("2026-01-01T12:00:00.000Z");
    const guarded = {
      ...record("g1", "running"),
      currentTurn: 3,
      nextGenerationAt: new Date("2026-01-01T11:00:00.250Z"),
      skipNextTick: true,
      lastHealthEventId: "1767225600000-3",
    };

    /** A CAS on g1 from running with `expected` added; whether it won. */
    async function wins(
      expected: Omit<Parameters<typeof records.compareAndSet>[0]["expected"], "status">,
    ): Promise<boolean> {
      const written = await records.compareAndSet({
        gameId: "g1",
        expected: { status: "running", ...expected },
        patch: { engineHealth: `won ${JSON.stringify(expected)}` },
        now,
      });
      return written !== null;
    }

    beforeEach(async () => {
      await records.insert(guarded);
    });

    it("next_generation_at: compared at millisecond precision", async () => {
      // Written by SQL with microseconds: GM reads back (and expects) .250 ms.
      await database.pool.query(
        "UPDATE gamemaster.runtime_records SET next_generation_at = '2026-01-01T11:00:00.250789Z' WHERE game_id = 'g1'",
      );
      const read = await records.get("g1");
      expect(read?.nextGenerationAt).toEqual(new Date("2026-01-01T11:00:00.250Z"));
      expect(await wins({ nextGenerationAt: new Date("2026-01-01T11:00:00.251Z") })).toBe(false);
      expect(await wins({ nextGenerationAt: new Date("2026-01-01T11:00:00.249Z") })).toBe(false);
      expect(await wins({ nextGenerationAt: null })).toBe(false);
      expect(await wins({ nextGenerationAt: read?.nextGenerationAt ?? null })).toBe(true);
    });

    it("next_generation_at: null expects IS NULL", async () => {
      await database.pool.query(
        "UPDATE gamemaster.runtime_records SET next_generation_at = NULL WHERE game_id = 'g1'",
      );
      expect(await wins({ nextGenerationAt: guarded.nextGenerationAt })).toBe(false);
      expect(await wins({ nextGenerationAt: null })).toBe(true);
    });

    it("current_turn", async () => {
      expect(await wins({ currentTurn: 2 })).toBe(false);
      expect(await wins({ currentTurn: 4 })).toBe(false);
      expect(await wins({ currentTurn: 3 })).toBe(true);
    });

    it("skip_next_tick", async () => {
      expect(await wins({ skipNextTick: false })).toBe(false);
      expect(await wins({ skipNextTick: true })).toBe(true);
    });

    it("last_health_event_id", async () => {
      expect(await wins({ lastHealthEventId: "" })).toBe(false);
      expect(await wins({ lastHealthEventId: "1767225600000-2" })).toBe(false);
      expect(await wins({ lastHealthEventId: "1767225600000-3" })).toBe(true);
    });

    it("every guard given must hold; a loss writes nothing", async () => {
      const all = {
        nextGenerationAt: guarded.nextGenerationAt,
        currentTurn: 3,
        skipNextTick: true,
        lastHealthEventId: "1767225600000-3",
      };
      expect(await wins({ ...all, currentTurn: 2 })).toBe(false);
      expect(await wins({ ...all, skipNextTick: false })).toBe(false);
      expect(await wins({ ...all, lastHealthEventId: "x" })).toBe(false);
      expect(await wins({ ...all, nextGenerationAt: null })).toBe(false);
      expect(await records.get("g1")).toEqual(guarded);
      expect(await wins(all)).toBe(true);
      expect(await records.get("g1")).toMatchObject({
        engineHealth: expect.stringMatching(/^won /),
      });
    });
  });

  it("deletes a record together with its mappings", async () => {
    await records.insert(record("g1"));
    await records.insert(record("g2"));
    await mappings.insertMany([
      { gameId: "g1", userId: "u1", raceName: "A", enginePlayerUuid: "p1", createdAt: t0 },
      { gameId: "g2", userId: "u1", raceName: "A", enginePlayerUuid: "p2", createdAt: t0 },
    ]);
    await records.deleteWithMappings("g1");
    expect(await records.get("g1")).toBeNull();
    expect(await mappings.listByGame("g1")).toEqual([]);
    expect(await mappings.listByGame("g2")).toHaveLength(1);
  });

  it("lists by game id with keyset paging and a status filter", async () => {
    for (const [id, status] of [
      ["b", "running"],
      ["a", "stopped"],
      ["c", "running"],
      ["d", "running"],
    ] as const) {
      await records.insert(record(id, status));
    }
    expect((await records.list({ limit: 10 })).map((r) => r.gameId)).toEqual(["a", "b", "c", "d"]);
    expect((await records.list({ limit: 2, afterGameId: "b" })).map((r) => r.gameId)).toEqual([
      "c",
      "d",
    ]);
    expect((await records.list({ status: "running", limit: 10 })).map((r) => r.gameId)).toEqual([
      "b",
      "c",
      "d",
    ]);
  });

  it("filters the list by next_generation_at before a time and by engine version", async () => {
    const at = (iso: string) => new Date(iso);
    await records.insert({
      ...record("a", "running"),
      nextGenerationAt: at("2026-01-01T09:00:00Z"),
    });
    await records.insert({
      ...record("b", "running"),
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
      currentEngineVersion: "1.5.0",
    });
    await records.insert(record("c", "stopped"));
    const ids = async (query: Parameters<typeof records.list>[0]) =>
      (await records.list(query)).map((r) => r.gameId);
    expect(await ids({ limit: 10, nextGenerationBefore: at("2026-01-01T10:00:00Z") })).toEqual([
      "a",
    ]);
    expect(await ids({ limit: 10, nextGenerationBefore: at("2026-01-01T09:00:00Z") })).toEqual([]);
    expect(await ids({ limit: 10, engineVersion: "1.5.0" })).toEqual(["b"]);
    expect(
      await ids({
        limit: 10,
        engineVersion: "1.4.2",
        nextGenerationBefore: at("2027-01-01T00:00:00Z"),
      }),
    ).toEqual(["a"]);
  });

  it("claims only due running games, the earliest first", async () => {
    const at = (iso: string) => new Date(iso);
    await records.insert({
      ...record("late", "running"),
      nextGenerationAt: at("2026-01-01T12:00:00Z"),
    });
    await records.insert({
      ...record("early", "running"),
      nextGenerationAt: at("2026-01-01T11:00:00Z"),
    });
    await records.insert({
      ...record("future", "running"),
      nextGenerationAt: at("2026-01-02T00:00:00Z"),
    });
    await records.insert({ ...record("unscheduled", "running") });
    await records.insert({
      ...record("stopped", "stopped"),
      nextGenerationAt: at("2026-01-01T09:00:00Z"),
    });
    const due = await records.claimDue({
      now: at("2026-01-01T12:00:00Z"),
      limit: 10,
      owner: "gm-a",
      leaseExpiresAt: at("2026-01-01T12:00:15Z"),
    });
    expect(due.map((r) => r.gameId)).toEqual(["early", "late"]);
  });

  it("counts records by status", async () => {
    await records.insert(record("a", "running"));
    await records.insert(record("b", "running"));
    await records.insert(record("c", "finished"));
    expect(await records.countByStatus()).toEqual({ running: 2, finished: 1 });
  });

  it("refuses a status outside the enum at the database level", async () => {
    await expect(
      database.pool.query(
        "INSERT INTO gamemaster.runtime_records (game_id, status, engine_endpoint, current_image_ref, current_engine_version, turn_schedule, created_at, updated_at) VALUES ('x', 'paused', '', '', '', '', now(), now())",
      ),
    ).rejects.toThrow(/runtime_records_status_check/);
  });
});

describe("PostgresPlayerMappingStore", () => {
  it("inserts all mappings in one statement, or none on a clash", async () => {
    await records.insert(record("g1"));
    await mappings.insertMany([
      { gameId: "g1", userId: "u1", raceName: "A", enginePlayerUuid: "p1", createdAt: t0 },
    ]);
    const error = await failure(
      mappings.insertMany([
        { gameId: "g1", userId: "u2", raceName: "B", enginePlayerUuid: "p2", createdAt: t0 },
        { gameId: "g1", userId: "u3", raceName: "A", enginePlayerUuid: "p3", createdAt: t0 },
      ]),
    );
    expect(error.code).toBe("conflict");
    expect((await mappings.listByGame("g1")).map((m) => m.userId)).toEqual(["u1"]);
  });

  it("reads the mappings of many games at once, by game then user, none of the others", async () => {
    for (const gameId of ["g1", "g2", "g3"]) {
      await records.insert(record(gameId));
    }
    const mapping = (gameId: string, userId: string, raceName: string) => ({
      gameId,
      userId,
      raceName,
      enginePlayerUuid: `${gameId}:${raceName}`,
      createdAt: t0,
    });
    await mappings.insertMany([mapping("g2", "u9", "Z"), mapping("g2", "u1", "A")]);
    await mappings.insertMany([mapping("g1", "u5", "B"), mapping("g3", "u7", "C")]);
    expect(await mappings.listByGames(["g2", "g1", "ghost"])).toEqual([
      mapping("g1", "u5", "B"),
      mapping("g2", "u1", "A"),
      mapping("g2", "u9", "Z"),
    ]);
    expect(await mappings.listByGames([])).toEqual([]);
  });

  it("refuses mappings of a game without a record", async () => {
    const error = await failure(
      mappings.insertMany([
        { gameId: "ghost", userId: "u1", raceName: "A", enginePlayerUuid: "p1", createdAt: t0 },
      ]),
    );
    expect(error.code).toBe("conflict");
  });

  it("looks mappings up by user and by race", async () => {
    await records.insert(record("g1"));
    const mapping = {
      gameId: "g1",
      userId: "u1",
      raceName: "A",
      enginePlayerUuid: "p1",
      createdAt: t0,
    };
    await mappings.insertMany([mapping]);
    expect(await mappings.getByUser("g1", "u1")).toEqual(mapping);
    expect(await mappings.getByRace("g1", "A")).toEqual(mapping);
    expect(await mappings.getByUser("g1", "u2")).toBeNull();
    expect(await mappings.getByRace("g2", "A")).toBeNull();
  });
});

describe("PostgresEngineVersionStore", () => {
  const version = (v: string) => ({
    version: v,
    imageRef: `galaxy/game:${v}`,
    options: { nested: { a: [1, 2] } },
    status: "active" as const,
    createdAt: t0,
    updatedAt: t0,
  });

  it("round-trips a version with its jsonb options", async () => {
    await versions.insert(version("1.4.2"));
    expect(await versions.get("1.4.2")).toEqual(version("1.4.2"));
    expect((await failure(versions.insert(version("1.4.2")))).code).toBe("conflict");
  });

  it("filters by status and updates", async () => {
    await versions.insert(version("1.4.2"));
    await versions.insert(version("1.5.0"));
    const t1 = new Date("2026-02-01T00:00:00.000Z");
    expect(await versions.update("1.4.2", { status: "deprecated", options: {} }, t1)).toEqual({
      ...version("1.4.2"),
      status: "deprecated",
      options: {},
      updatedAt: t1,
    });
    expect((await versions.list("active")).map((v) => v.version)).toEqual(["1.5.0"]);
    expect(await versions.update("9.9.9", { status: "active" }, t1)).toBeNull();
  });

  it("hard-deletes only while no non-terminal runtime uses the version", async () => {
    await versions.insert(version("1.4.2"));
    await records.insert(record("live", "generation_failed"));
    await records.insert(record("done", "finished"));
    expect(await versions.delete("1.4.2")).toBe("in_use");
    await database.pool.query(
      "UPDATE gamemaster.runtime_records SET status = 'stopped' WHERE game_id = 'live'",
    );
    expect(await versions.delete("1.4.2")).toBe("deleted");
    expect(await versions.delete("1.4.2")).toBe("not_found");
  });
});

describe("PostgresOperationLog", () => {
  it("appends entries and lists them newest first", async () => {
    const entry = {
      gameId: "g1",
      opKind: "register_runtime" as const,
      opSource: "lobby_internal" as const,
      sourceRef: "ref",
      outcome: "failure" as const,
      errorCode: "engine_unreachable",
      errorMessage: "engine init answered 500",
      startedAt: t0,
      finishedAt: t0,
    };
    const first = await operationLog.append(entry);
    const second = await operationLog.append({ ...entry, outcome: "success", errorCode: "" });
    expect(second).toBeGreaterThan(first);
    const listed = await operationLog.listByGame("g1");
    expect(listed.map((row) => row.id)).toEqual([second, first]);
    expect(listed[1]).toEqual({ ...entry, id: first });
  });

  it("pages one game's entries newest first below a cursor id, optionally by kind", async () => {
    const entry = {
      gameId: "g1",
      opSource: "admin_rest" as const,
      sourceRef: "",
      outcome: "success" as const,
      errorCode: "",
      errorMessage: "",
      startedAt: t0,
      finishedAt: t0,
    };
    const kinds = ["register_runtime", "turn_generation", "stop", "turn_generation"] as const;
    const ids: number[] = [];
    for (const opKind of kinds) ids.push(await operationLog.append({ ...entry, opKind }));
    await operationLog.append({ ...entry, gameId: "g2", opKind: "turn_generation" });
    const page = async (query: Omit<Parameters<typeof operationLog.listPage>[0], "gameId">) =>
      (await operationLog.listPage({ gameId: "g1", ...query })).map((row) => row.id);
    expect(await page({ limit: 2 })).toEqual([ids[3], ids[2]]);
    expect(await page({ limit: 2, beforeId: ids[2] })).toEqual([ids[1], ids[0]]);
    expect(await page({ limit: 10, opKind: "turn_generation" })).toEqual([ids[3], ids[1]]);
    expect(await page({ limit: 10, opKind: "turn_generation", beforeId: ids[1] })).toEqual([]);
  });
});

describe("PostgreSQL failures", () => {
  it("maps an unreachable database to service_unavailable", async () => {
    const pool = createPool({
      url: "postgres://postgres@127.0.0.1:1/nope",
      connectionTimeoutMs: 500,
    });
    try {
      const store = new PostgresRuntimeRecordStore(createDatabase(pool, schema));
      const error = await failure(store.get("g1"));
      expect([error.code, error.status, error.message]).toEqual([
        "service_unavailable",
        503,
        "database unavailable",
      ]);
    } finally {
      await closePool(pool);
    }
  });
});
