import { beforeEach, describe, expect, it } from "vitest";
import { MemoryRuntimeStore, seedRunningGame } from "../../test/support/fakes.js";
import type { CacheInvalidation } from "../ports/cache-invalidation.js";
import type { PlayerAccess, PlayerAccessStore } from "../ports/player-access.js";
import {
  InvalidatingPlayerMappingStore,
  InvalidatingRuntimeRecordStore,
  type RecordWriteHook,
  runtimeViewWriteHook,
} from "./invalidating-stores.js";
import { PlayerAccessCache } from "./player-access-cache.js";

const NOW = new Date("2026-01-01T10:30:00.000Z");

let inner: MemoryRuntimeStore;
let marks: string[];
let hook: RecordWriteHook;
let records: InvalidatingRuntimeRecordStore;
let mappings: InvalidatingPlayerMappingStore;

beforeEach(async () => {
  inner = new MemoryRuntimeStore();
  await seedRunningGame(inner, "g1");
  marks = [];
  hook = {
    beginWrite: (gameId) => marks.push(`begin ${gameId ?? "*"}`),
    endWrite: (gameId, changed) =>
      marks.push(`end ${gameId ?? "*"} ${changed ? "changed" : "same"}`),
  };
  records = new InvalidatingRuntimeRecordStore(inner, hook);
  mappings = new InvalidatingPlayerMappingStore(inner, hook);
});

/** A bare record of `gameId` in the inner store (a copy of g1's, no mappings). */
async function addRecord(gameId: string): Promise<void> {
  const g1 = await inner.get("g1");
  if (g1 === null) throw new Error("g1 not seeded");
  await inner.insert({ ...g1, gameId });
}

describe("InvalidatingRuntimeRecordStore", () => {
  it("lets reads through without announcing anything", async () => {
    expect((await records.get("g1"))?.status).toBe("running");
    expect(await records.list({ limit: 10 })).toHaveLength(1);
    expect(await records.listDueSkipped(new Date("2030-01-01T00:00:00Z"), 10)).toHaveLength(0);
    expect(await records.countByStatus()).toEqual({ running: 1 });
    expect(await mappings.listByGame("g1")).toHaveLength(2);
    expect((await mappings.getByUser("g1", "user-1"))?.raceName).toBe("Aelinari");
    expect((await mappings.getByRace("g1", "Borg"))?.userId).toBe("user-2");
    expect(marks).toEqual([]);
  });

  it("brackets every write with its game and tells whether it changed a row", async () => {
    expect(
      await records.compareAndSet({
        gameId: "g1",
        expected: { status: "running" },
        to: "stopped",
        now: NOW,
      }),
    ).toMatchObject({ status: "stopped" });
    // A lost compare-and-swap wrote nothing.
    expect(
      await records.compareAndSet({
        gameId: "g1",
        expected: { status: "running" },
        to: "finished",
        now: NOW,
      }),
    ).toBeNull();
    expect(
      await records.compareAndSet({
        gameId: "g1",
        expected: { status: "stopped" },
        patch: { engineHealth: "healthy" },
        now: NOW,
      }),
    ).toMatchObject({ status: "stopped", engineHealth: "healthy" });
    await records.deleteWithMappings("g1");
    expect(marks).toEqual([
      "begin g1",
      "end g1 changed",
      "begin g1",
      "end g1 same",
      "begin g1",
      "end g1 changed",
      "begin g1",
      "end g1 changed",
    ]);
    expect(await records.get("g1")).toBeNull();
  });

  it("announces a new record and its mappings under their game", async () => {
    const g1 = await inner.get("g1");
    if (g1 === null) throw new Error("g1 not seeded");
    await records.insert({ ...g1, gameId: "g2" });
    await mappings.insertMany([
      { gameId: "g2", userId: "u", raceName: "R", enginePlayerUuid: "x", createdAt: NOW },
    ]);
    expect(marks).toEqual(["begin g2", "end g2 changed", "begin g2", "end g2 changed"]);
  });

  it("announces rows of several games as a write of every game", async () => {
    await addRecord("g3");
    await addRecord("g4");
    await mappings.insertMany([
      { gameId: "g3", userId: "u", raceName: "R", enginePlayerUuid: "x", createdAt: NOW },
      { gameId: "g4", userId: "u", raceName: "R", enginePlayerUuid: "y", createdAt: NOW },
    ]);
    expect(marks).toEqual(["begin *", "end * changed"]);
  });

  it("ends a failed write and counts it as changed (it may have committed)", async () => {
    inner.faults.failNext("compareAndSet", new Error("connection lost"));
    await expect(
      records.compareAndSet({
        gameId: "g1",
        expected: { status: "running" },
        patch: { engineHealth: "x" },
        now: NOW,
      }),
    ).rejects.toThrow("connection lost");
    expect(marks).toEqual(["begin g1", "end g1 changed"]);
  });
});

describe("runtimeViewWriteHook", () => {
  class Rows implements PlayerAccessStore {
    constructor(private readonly store: MemoryRuntimeStore) {}
    async getPlayerAccess(gameId: string, userId: string): Promise<PlayerAccess | null> {
      const record = await this.store.get(gameId);
      const mapping = await this.store.getByUser(gameId, userId);
      return record === null
        ? null
        : {
            status: record.status,
            engineEndpoint: record.engineEndpoint,
            raceName: mapping?.raceName ?? null,
          };
    }
  }

  it("refreshes the local view at once and tells the other replicas only about real changes", async () => {
    const view = new PlayerAccessCache({ store: new Rows(inner), ttlMs: 60_000, maxGames: 10 });
    const sent: CacheInvalidation[] = [];
    const store = new InvalidatingRuntimeRecordStore(
      inner,
      runtimeViewWriteHook({ view, publisher: { publish: (message) => sent.push(message) } }),
    );
    expect((await view.getPlayerAccess("g1", "user-1"))?.status).toBe("running");
    await store.compareAndSet({
      gameId: "g1",
      expected: { status: "running" },
      to: "stopped",
      now: NOW,
    });
    expect((await view.getPlayerAccess("g1", "user-1"))?.status).toBe("stopped");
    // Lost: nothing to tell the other replicas.
    await store.compareAndSet({
      gameId: "g1",
      expected: { status: "running" },
      to: "finished",
      now: NOW,
    });
    expect(sent).toEqual([{ kind: "runtime", gameId: "g1" }]);

    await addRecord("g3");
    await addRecord("g4");
    const batch = new InvalidatingPlayerMappingStore(
      inner,
      runtimeViewWriteHook({ view, publisher: { publish: (message) => sent.push(message) } }),
    );
    await batch.insertMany([
      { gameId: "g3", userId: "u", raceName: "R", enginePlayerUuid: "x", createdAt: NOW },
      { gameId: "g4", userId: "u", raceName: "R", enginePlayerUuid: "y", createdAt: NOW },
    ]);
    expect(sent).toEqual([{ kind: "runtime", gameId: "g1" }, { kind: "runtime_all" }]);
  });
});
