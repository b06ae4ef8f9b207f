import { GalaxyError } from "@galaxy/errors";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryGameMaster } from "../../test/support/app-harness.js";
import { seedRunningGame, testContext } from "../../test/support/fakes.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";

function setup() {
  const gm = createMemoryGameMaster({ now: "2026-01-01T10:30:00.000Z" });
  const { stopRuntime, patchRuntime, banishRace } = gm.services;
  return { ...gm, stopRuntime, patchRuntime, banishRace };
}

type Setup = ReturnType<typeof setup>;

async function addVersion(t: Setup, version: string, status: "active" | "deprecated" = "active") {
  await t.versions.insert({
    version,
    imageRef: `galaxy/game:${version}`,
    options: {},
    status,
    createdAt: t.clock.now(),
    updatedAt: t.clock.now(),
  });
}

describe("stop", () => {
  let t: Setup;
  beforeEach(() => {
    t = setup();
  });

  it.each([
    "running",
    "generation_failed",
    "engine_unreachable",
    "generation_in_progress",
  ] as const)(
    "stops a %s runtime through RTM, clears the schedule, logs and publishes a snapshot",
    async (status) => {
      await seedRunningGame(t.runtimes, "g1", { status, currentTurn: 4, skipNextTick: true });
      const stopped = await t.stopRuntime.execute("g1", "admin_request", testContext());
      expect(t.rtm.calls).toEqual([{ operation: "stop", gameId: "g1", arg: "admin_request" }]);
      expect(stopped).toMatchObject({
        status: "stopped",
        nextGenerationAt: null,
        skipNextTick: false,
        stoppedAt: t.clock.now(),
        currentTurn: 4,
      });
      expect(await t.runtimes.get("g1")).toEqual(stopped);
      expect(t.operationLog.entries).toEqual([
        expect.objectContaining({ opKind: "stop", opSource: "admin_rest", outcome: "success" }),
      ]);
      expect(t.lobbyEvents.snapshots).toEqual([
        expect.objectContaining({ gameId: "g1", runtimeStatus: "stopped", currentTurn: 4 }),
      ]);
    },
  );

  it("answers runtime_manager_unavailable and changes nothing when RTM fails", async () => {
    const seeded = await seedRunningGame(t.runtimes, "g1");
    t.rtm.failNext("stop");
    await expect(t.stopRuntime.execute("g1", "timeout", testContext())).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
    });
    expect(await t.runtimes.get("g1")).toEqual(seeded);
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.operationLog.entries[0]).toMatchObject({
      opKind: "stop",
      outcome: "failure",
      errorCode: "runtime_manager_unavailable",
    });
  });

  it.each([
    ["stopped", "runtime is already stopped"],
    ["finished", "runtime is already finished"],
    ["starting", "runtime is starting"],
  ] as const)("refuses a %s runtime with conflict without calling RTM", async (status, message) => {
    await seedRunningGame(t.runtimes, "g1", { status });
    await expect(t.stopRuntime.execute("g1", "admin_request", testContext())).rejects.toMatchObject(
      { code: "conflict", message: expect.stringContaining(message) },
    );
    expect(t.rtm.calls).toEqual([]);
  });

  it("answers runtime_not_found for an unknown game and invalid_request for an unknown reason", async () => {
    await expect(
      t.stopRuntime.execute("nope", "admin_request", testContext()),
    ).rejects.toMatchObject({ code: "runtime_not_found" });
    await seedRunningGame(t.runtimes, "g1");
    await expect(
      // @ts-expect-error: not a stop reason
      t.stopRuntime.execute("g1", "bored", testContext()),
    ).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("follows the record when it moves between the RTM call and the CAS", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.rtm.during = async () => {
      await t.runtimes.compareAndSet({
        gameId: "g1",
        expected: { status: "running" },
        to: "generation_in_progress",
        now: t.clock.now(),
      });
    };
    const stopped = await t.stopRuntime.execute("g1", "admin_request", testContext());
    expect(stopped.status).toBe("stopped");
  });

  it("answers conflict when the game finished between the RTM call and the CAS", async () => {
    await seedRunningGame(t.runtimes, "g1", { status: "generation_in_progress" });
    t.rtm.during = async () => {
      await t.runtimes.compareAndSet({
        gameId: "g1",
        expected: { status: "generation_in_progress" },
        to: "finished",
        now: t.clock.now(),
      });
    };
    await expect(t.stopRuntime.execute("g1", "admin_request", testContext())).rejects.toMatchObject(
      { code: "conflict" },
    );
    expect((await t.runtimes.get("g1"))?.status).toBe("finished");
  });
});

describe("patch", () => {
  let t: Setup;
  beforeEach(async () => {
    t = setup();
    for (const version of ["1.4.2", "1.4.3", "1.5.0", "2.0.0"]) {
      await addVersion(t, version);
    }
    await addVersion(t, "1.4.9", "deprecated");
  });

  it("moves to another patch through RTM and records the new image and version", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const patched = await t.patchRuntime.execute("g1", "1.4.3", testContext());
    expect(t.rtm.calls).toEqual([{ operation: "patch", gameId: "g1", arg: "galaxy/game:1.4.3" }]);
    expect(patched).toMatchObject({
      status: "running",
      currentEngineVersion: "1.4.3",
      currentImageRef: "galaxy/game:1.4.3",
    });
    expect(t.operationLog.entries[0]).toMatchObject({ opKind: "patch", outcome: "success" });
  });

  it.each([
    ["1.5.0", "minor bump"],
    ["2.0.0", "major bump"],
    ["1.4.2", "same version"],
  ])("rejects %s (%s) with semver_patch_only without calling RTM", async (version) => {
    await seedRunningGame(t.runtimes, "g1");
    await expect(t.patchRuntime.execute("g1", version, testContext())).rejects.toMatchObject({
      code: "semver_patch_only",
    });
    expect(t.rtm.calls).toEqual([]);
    expect(t.operationLog.entries[0]).toMatchObject({
      outcome: "failure",
      errorCode: "semver_patch_only",
    });
  });

  it.each([
    ["1.4.7", "missing"],
    ["1.4.9", "deprecated"],
  ])("answers engine_version_not_found for a %s version (%s)", async (version) => {
    await seedRunningGame(t.runtimes, "g1");
    await expect(t.patchRuntime.execute("g1", version, testContext())).rejects.toMatchObject({
      code: "engine_version_not_found",
    });
  });

  it("answers runtime_manager_unavailable and keeps the old version when RTM fails", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.rtm.failNext("patch");
    await expect(t.patchRuntime.execute("g1", "1.4.3", testContext())).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
    });
    expect((await t.runtimes.get("g1"))?.currentEngineVersion).toBe("1.4.2");
  });

  it.each(["stopped", "finished", "starting", "generation_in_progress"] as const)(
    "refuses a %s runtime with conflict",
    async (status: RuntimeStatus) => {
      await seedRunningGame(t.runtimes, "g1", { status });
      await expect(t.patchRuntime.execute("g1", "1.4.3", testContext())).rejects.toMatchObject({
        code: "conflict",
      });
    },
  );

  it("answers invalid_request for a version that is not semver", async () => {
    await seedRunningGame(t.runtimes, "g1");
    await expect(t.patchRuntime.execute("g1", "v1.4.3", testContext())).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
});

describe("banish", () => {
  let t: Setup;
  beforeEach(() => {
    t = setup();
  });

  it("banishes a mapped race through the engine and logs it", async () => {
    await seedRunningGame(t.runtimes, "g1");
    await t.banishRace.execute("g1", "Borg", testContext("admin_rest"));
    expect(t.engine.banished).toEqual([{ endpoint: "http://engine/games/g1", raceName: "Borg" }]);
    expect(t.operationLog.entries[0]).toMatchObject({ opKind: "banish", outcome: "success" });
  });

  it("answers not_found for a race that is not mapped in the game", async () => {
    await seedRunningGame(t.runtimes, "g1");
    await expect(t.banishRace.execute("g1", "Dalek", testContext())).rejects.toMatchObject({
      code: "not_found",
    });
    expect(t.engine.banished).toEqual([]);
  });

  it("passes an engine refusal through", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.engine.banishError = new GalaxyError("engine_validation_error", "already banished");
    await expect(t.banishRace.execute("g1", "Borg", testContext())).rejects.toMatchObject({
      code: "engine_validation_error",
    });
    expect(t.operationLog.entries[0]).toMatchObject({
      outcome: "failure",
      errorCode: "engine_validation_error",
    });
  });

  it.each(["stopped", "finished", "generation_in_progress"] as const)(
    "refuses a %s runtime with runtime_not_running",
    async (status) => {
      await seedRunningGame(t.runtimes, "g1", { status });
      await expect(t.banishRace.execute("g1", "Borg", testContext())).rejects.toMatchObject({
        code: "runtime_not_running",
      });
    },
  );

  it("answers runtime_not_found for an unknown game", async () => {
    await expect(t.banishRace.execute("nope", "Borg", testContext())).rejects.toMatchObject({
      code: "runtime_not_found",
    });
  });
});
