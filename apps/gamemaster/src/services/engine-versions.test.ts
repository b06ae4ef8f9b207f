import { type GalaxyError, isGalaxyError } from "@galaxy/errors";
import { describe, expect, it } from "vitest";
import {
  FakeClock,
  MemoryEngineVersionStore,
  MemoryRuntimeStore,
} from "../../test/support/fakes.js";
import { EngineVersionService } from "./engine-versions.js";

function setup() {
  const clock = new FakeClock();
  const runtimes = new MemoryRuntimeStore();
  const store = new MemoryEngineVersionStore(runtimes);
  const service = new EngineVersionService({ engineVersions: store, clock });
  return { clock, runtimes, store, service };
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

describe("EngineVersionService", () => {
  it("creates an active version with empty options by default", async () => {
    const { service, clock } = setup();
    const created = await service.create({ version: "1.4.2", imageRef: "galaxy/game:1.4.2" });
    expect(created).toEqual({
      version: "1.4.2",
      imageRef: "galaxy/game:1.4.2",
      options: {},
      status: "active",
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
  });

  it.each([
    [{ version: "v1.4.2", imageRef: "galaxy/game:1" }, "version"],
    [{ version: "1.4", imageRef: "galaxy/game:1" }, "version"],
    [{ version: "1.4.2", imageRef: "Galaxy Game" }, "image_ref"],
    [{ version: "1.4.2", imageRef: "" }, "image_ref"],
  ])("refuses %j with invalid_request", async (input, field) => {
    const { service, store } = setup();
    const error = await failure(service.create(input));
    expect(error.code).toBe("invalid_request");
    expect(error.message.startsWith(field)).toBe(true);
    expect(store.versions.size).toBe(0);
  });

  it("refuses a duplicate version with conflict", async () => {
    const { service } = setup();
    await service.create({ version: "1.4.2", imageRef: "galaxy/game:1" });
    expect((await failure(service.create({ version: "1.4.2", imageRef: "x/y" }))).code).toBe(
      "conflict",
    );
  });

  it("lists in semver order and filters by status", async () => {
    const { service } = setup();
    for (const version of ["1.10.0", "1.2.0", "0.9.0"]) {
      await service.create({ version, imageRef: `galaxy/game:${version}` });
    }
    await service.deprecate("1.2.0");
    expect((await service.list()).map((v) => v.version)).toEqual(["0.9.0", "1.2.0", "1.10.0"]);
    expect((await service.list("active")).map((v) => v.version)).toEqual(["0.9.0", "1.10.0"]);
    expect((await service.list("deprecated")).map((v) => v.version)).toEqual(["1.2.0"]);
  });

  it("updates image_ref, options and status, and refuses an empty or bad patch", async () => {
    const { service, clock } = setup();
    await service.create({ version: "1.4.2", imageRef: "galaxy/game:1" });
    clock.advance(1000);
    const updated = await service.update("1.4.2", {
      imageRef: `galaxy/game@sha256:${"a".repeat(64)}`,
      options: { seed: 7 },
    });
    expect(updated.imageRef).toContain("@sha256:");
    expect(updated.options).toEqual({ seed: 7 });
    expect(updated.updatedAt).toEqual(clock.now());
    expect((await failure(service.update("1.4.2", {}))).code).toBe("invalid_request");
    expect((await failure(service.update("1.4.2", { imageRef: "BAD REF" }))).code).toBe(
      "invalid_request",
    );
    expect((await failure(service.update("9.9.9", { status: "active" }))).code).toBe(
      "engine_version_not_found",
    );
  });

  it("deprecates softly and idempotently", async () => {
    const { service } = setup();
    await service.create({ version: "1.4.2", imageRef: "galaxy/game:1" });
    expect((await service.deprecate("1.4.2")).status).toBe("deprecated");
    expect((await service.deprecate("1.4.2")).status).toBe("deprecated");
    expect((await service.get("1.4.2")).status).toBe("deprecated");
  });

  it("resolves the image ref of an active version only", async () => {
    const { service } = setup();
    await service.create({ version: "1.4.2", imageRef: "galaxy/game:1.4.2" });
    expect(await service.resolveImageRef("1.4.2")).toBe("galaxy/game:1.4.2");
    await service.deprecate("1.4.2");
    const deprecated = await failure(service.resolveImageRef("1.4.2"));
    expect(deprecated.code).toBe("engine_version_not_found");
    expect(deprecated.status).toBe(404);
    expect((await failure(service.resolveImageRef("2.0.0"))).code).toBe("engine_version_not_found");
    expect((await failure(service.resolveImageRef("not-semver"))).code).toBe(
      "engine_version_not_found",
    );
  });

  it("hard-deletes unless a non-terminal runtime uses the version", async () => {
    const { service, runtimes, clock } = setup();
    await service.create({ version: "1.4.2", imageRef: "galaxy/game:1" });
    const base = {
      engineEndpoint: "http://e",
      currentImageRef: "galaxy/game:1",
      currentEngineVersion: "1.4.2",
      turnSchedule: "0 * * * *",
      currentTurn: 0,
      nextGenerationAt: null,
      skipNextTick: false,
      engineHealth: "",
      createdAt: clock.now(),
      updatedAt: clock.now(),
      startedAt: null,
      stoppedAt: null,
      finishedAt: null,
      lastPlayerStats: [],
      lastHealthEventId: "",
    };
    runtimes.records.set("g1", { ...base, gameId: "g1", status: "engine_unreachable" });
    runtimes.records.set("g2", { ...base, gameId: "g2", status: "finished" });
    const inUse = await failure(service.delete("1.4.2"));
    expect(inUse.code).toBe("engine_version_in_use");
    expect(inUse.status).toBe(409);
    runtimes.records.set("g1", { ...base, gameId: "g1", status: "stopped" });
    await service.delete("1.4.2");
    expect((await failure(service.get("1.4.2"))).code).toBe("engine_version_not_found");
    expect((await failure(service.delete("1.4.2"))).code).toBe("engine_version_not_found");
  });
});
