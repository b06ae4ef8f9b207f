import { GalaxyError } from "@galaxy/errors";
import { describe, expect, it } from "vitest";
import {
  FakeClock,
  MemoryIntents,
  MemoryLobbyEvents,
  MemoryOperationLog,
  MemoryRuntimeStore,
  MemoryUnitOfWork,
  seedRunningGame,
} from "../../test/support/fakes.js";
import type { CompareAndSetInput } from "../ports/runtime-record-store.js";
import { MAX_CAS_ATTEMPTS, retryCompareAndSet, writeExternalChange } from "./record-write.js";

/** A store whose record changes status right before each of the first `moves` CAS calls. */
class MovingStore extends MemoryRuntimeStore {
  constructor(
    private moves: number,
    private readonly nextStatus: () => "engine_unreachable" | "running" | null,
  ) {
    super();
  }
  override async compareAndSet(input: CompareAndSetInput) {
    if (this.moves > 0) {
      this.moves -= 1;
      const record = this.records.get(input.gameId);
      const status = this.nextStatus();
      if (record !== undefined) {
        if (status === null) {
          this.records.delete(input.gameId);
        } else {
          this.records.set(input.gameId, { ...record, status });
        }
      }
    }
    return super.compareAndSet(input);
  }
}

function unitOfWork(runtimes: MemoryRuntimeStore): MemoryUnitOfWork {
  return new MemoryUnitOfWork({
    runtimes,
    operationLog: new MemoryOperationLog(),
    lobbyEvents: new MemoryLobbyEvents(),
    intents: new MemoryIntents(),
  });
}

describe("writeExternalChange", () => {
  it("re-reads a record another writer moved and plans again against its new status", async () => {
    const store = new MovingStore(1, () => "engine_unreachable");
    const initial = await seedRunningGame(store, "g1", { status: "running" });
    const planned: string[] = [];

    const { written, previous } = await writeExternalChange({
      runtimeRecords: store,
      unitOfWork: unitOfWork(store),
      clock: new FakeClock(),
      record: initial,
      what: "stopped",
      plan: (current) => {
        planned.push(current.status);
        return { to: "stopped" };
      },
    });

    expect(planned).toEqual(["running", "engine_unreachable"]);
    expect(previous.status).toBe("engine_unreachable");
    expect(written.status).toBe("stopped");
  });

  it("lets plan refuse the status the record moved to", async () => {
    const store = new MovingStore(1, () => "engine_unreachable");
    const initial = await seedRunningGame(store, "g1", { status: "running" });

    await expect(
      writeExternalChange({
        runtimeRecords: store,
        unitOfWork: unitOfWork(store),
        clock: new FakeClock(),
        record: initial,
        what: "stopped",
        plan: (current) => {
          if (current.status !== "running") {
            throw new GalaxyError("conflict", `runtime is ${current.status}`);
          }
          return { to: "stopped" };
        },
      }),
    ).rejects.toMatchObject({ code: "conflict", message: "runtime is engine_unreachable" });
    expect((await store.get("g1"))?.status).toBe("engine_unreachable");
  });

  it("answers runtime_not_found when the record disappeared", async () => {
    const store = new MovingStore(1, () => null);
    const initial = await seedRunningGame(store, "g1", { status: "running" });

    await expect(
      writeExternalChange({
        runtimeRecords: store,
        unitOfWork: unitOfWork(store),
        clock: new FakeClock(),
        record: initial,
        what: "patched",
        plan: () => ({ patch: { currentEngineVersion: "1.0.1" } }),
      }),
    ).rejects.toMatchObject({ code: "runtime_not_found" });
  });

  it("gives up with conflict when the record never settles", async () => {
    let toggle = false;
    const store = new MovingStore(100, () => {
      toggle = !toggle;
      return toggle ? "engine_unreachable" : "running";
    });
    const initial = await seedRunningGame(store, "g1", { status: "running" });

    await expect(
      writeExternalChange({
        runtimeRecords: store,
        unitOfWork: unitOfWork(store),
        clock: new FakeClock(),
        record: initial,
        what: "patched",
        plan: () => ({ patch: { currentEngineVersion: "1.0.1" } }),
      }),
    ).rejects.toMatchObject({
      code: "conflict",
      message: "runtime kept changing while it was being patched",
    });
  });
});

describe("retryCompareAndSet", () => {
  it("runs the attempt again while it loses, and returns what the first settled attempt returns", async () => {
    let calls = 0;
    const result = await retryCompareAndSet(
      async () => {
        calls += 1;
        return calls < 3 ? null : `settled after ${calls}`;
      },
      () => new Error("never"),
    );
    expect(result).toBe("settled after 3");
    expect(calls).toBe(3);
  });

  it("gives up with the exhausted error after MAX_CAS_ATTEMPTS lost attempts", async () => {
    let calls = 0;
    await expect(
      retryCompareAndSet(
        async () => {
          calls += 1;
          return null;
        },
        () => new GalaxyError("conflict", "kept changing"),
      ),
    ).rejects.toMatchObject({ code: "conflict", message: "kept changing" });
    expect(calls).toBe(MAX_CAS_ATTEMPTS);
  });

  it("lets an attempt refuse by throwing, without another try", async () => {
    let calls = 0;
    await expect(
      retryCompareAndSet(
        async () => {
          calls += 1;
          throw new GalaxyError("conflict", "runtime is finished");
        },
        () => new Error("never"),
      ),
    ).rejects.toMatchObject({ message: "runtime is finished" });
    expect(calls).toBe(1);
  });
});
