import { type GalaxyError, isGalaxyError } from "@galaxy/errors";
import { describe, expect, it } from "vitest";
import { MemoryRuntimeStore } from "../../test/support/fakes.js";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";
import { decodeCursor, encodeCursor, RuntimeQueryService } from "./runtimes.js";

function record(gameId: string, status: RuntimeStatus): RuntimeRecord {
  const now = new Date("2026-01-01T00:00:00Z");
  return {
    gameId,
    status,
    engineEndpoint: "http://e",
    currentImageRef: "galaxy/game:1",
    currentEngineVersion: "1.0.0",
    turnSchedule: "0 * * * *",
    currentTurn: 0,
    nextGenerationAt: null,
    skipNextTick: false,
    engineHealth: "",
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    stoppedAt: null,
    finishedAt: null,
    lastPlayerStats: [],
    lastHealthEventId: "",
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

function setup(count: number) {
  const store = new MemoryRuntimeStore();
  for (let index = 0; index < count; index += 1) {
    const id = `g${String(index).padStart(3, "0")}`;
    store.records.set(id, record(id, index % 3 === 0 ? "stopped" : "running"));
  }
  return { store, service: new RuntimeQueryService({ runtimeRecords: store }) };
}

describe("RuntimeQueryService", () => {
  it("gets a record or answers runtime_not_found", async () => {
    const { service } = setup(1);
    expect((await service.get("g000")).gameId).toBe("g000");
    const error = await failure(service.get("nope"));
    expect([error.code, error.status]).toEqual(["runtime_not_found", 404]);
  });

  it("pages through every record exactly once in game id order", async () => {
    const { service } = setup(7);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const result = await service.list({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...result.items.map((item) => item.gameId));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(["g000", "g001", "g002", "g003", "g004", "g005", "g006"]);
  });

  it("has no next cursor when the page is exactly the rest", async () => {
    const { service } = setup(3);
    expect((await service.list({ limit: 3 })).nextCursor).toBeNull();
  });

  it("filters by status and defaults the limit to 50", async () => {
    const { service } = setup(60);
    const running = await service.list({ status: "running" });
    expect(running.items).toHaveLength(40);
    expect(running.items.every((item) => item.status === "running")).toBe(true);
    expect((await service.list({})).items).toHaveLength(50);
  });

  it.each([0, 201, 1.5])("refuses limit %s", async (limit) => {
    const { service } = setup(1);
    expect((await failure(service.list({ limit }))).code).toBe("invalid_request");
  });

  it("refuses a cursor it did not issue", async () => {
    const { service } = setup(1);
    for (const cursor of ["***", "", "Zm9v=", "a b"]) {
      expect((await failure(service.list({ cursor }))).code).toBe("invalid_request");
    }
  });

  it("round-trips cursors", () => {
    expect(decodeCursor(encodeCursor("game:1/é"))).toBe("game:1/é");
  });

  it("answers liveness from the status", async () => {
    const { service } = setup(2);
    expect(await service.liveness("g001")).toEqual({ ready: true, status: "running" });
    expect(await service.liveness("g000")).toEqual({ ready: false, status: "stopped" });
    expect((await failure(service.liveness("nope"))).code).toBe("runtime_not_found");
  });
});
