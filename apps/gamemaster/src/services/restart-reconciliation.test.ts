import { GalaxyError } from "@galaxy/errors";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryGameMaster } from "../../test/support/app-harness.js";
import { MemoryLogger, seedRunningGame } from "../../test/support/fakes.js";
import { type ReconcileLoop, startReconcileLoop } from "../workers/scheduler-reconciler.js";
import { RestartReconciler } from "./restart-reconciliation.js";

function setup() {
  const gm = createMemoryGameMaster({ now: "2026-01-01T11:05:00.000Z" });
  const { runtimes } = gm;
  const logger = new MemoryLogger();
  const reconciler = new RestartReconciler({
    runtimeRecords: runtimes,
    engine: gm.engine,
    turnGeneration: gm.services.turnGeneration,
    logger,
    graceMs: 60_000,
    concurrency: 2,
  });
  return { ...gm, logger, reconciler };
}

async function interrupted(t: ReturnType<typeof setup>, gameId: string, cutoff: string) {
  await seedRunningGame(t.runtimes, gameId, {
    status: "generation_in_progress",
    currentTurn: 1,
    nextGenerationAt: new Date("2026-01-01T11:00:00Z"),
    updatedAt: new Date(cutoff),
  });
}

let loop: ReconcileLoop | undefined;
afterEach(async () => {
  await loop?.stop();
  loop = undefined;
});

describe("RestartReconciler", () => {
  it("settles every stale generation_in_progress game in one pass", async () => {
    const t = setup();
    await interrupted(t, "advanced", "2026-01-01T11:00:00Z");
    t.engine.turns.set("http://engine/games/advanced", 2);
    await interrupted(t, "old", "2026-01-01T11:00:00Z");
    t.engine.turns.set("http://engine/games/old", 1);
    await interrupted(t, "fresh", "2026-01-01T11:04:50Z");
    t.engine.turns.set("http://engine/games/fresh", 1);
    await seedRunningGame(t.runtimes, "running");

    const pass = await t.reconciler.reconcileOnce();

    expect(pass).toEqual({
      examined: 3,
      pending: 1,
      outcomes: { completed: 1, requeued: 1, pending: 1 },
    });
    expect(await t.runtimes.get("advanced")).toMatchObject({ status: "running", currentTurn: 2 });
    expect(await t.runtimes.get("old")).toMatchObject({
      status: "running",
      currentTurn: 1,
      nextGenerationAt: t.clock.now(),
    });
    expect((await t.runtimes.get("fresh"))?.status).toBe("generation_in_progress");
    expect(t.engine.turnCalls()).toBe(0);
  });

  it("leaves a game whose engine does not answer for a later pass", async () => {
    const t = setup();
    await interrupted(t, "g1", "2026-01-01T11:00:00Z");
    t.engine.statusAnswer = new GalaxyError("engine_unreachable", "connect ECONNREFUSED");
    const pass = await t.reconciler.reconcileOnce();
    expect(pass).toMatchObject({ examined: 1, pending: 1, outcomes: { engine_unavailable: 1 } });
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");
  });

  it("the loop retries pending games on a timer until they are settled", async () => {
    const t = setup();
    await interrupted(t, "g1", "2026-01-01T11:00:00Z");
    t.engine.statusAnswer = new GalaxyError("engine_unreachable", "connect ECONNREFUSED");
    loop = startReconcileLoop({
      reconciler: t.reconciler,
      logger: t.logger,
      retryMs: 10,
      sweepMs: 60_000,
      firstPassBudgetMs: 1_000,
    });
    await loop.firstPass;
    expect((await t.runtimes.get("g1"))?.status).toBe("generation_in_progress");
    t.engine.statusAnswer = undefined;
    t.engine.turns.set("http://engine/games/g1", 2);
    const deadline = Date.now() + 2_000;
    while ((await t.runtimes.get("g1"))?.status !== "running") {
      if (Date.now() > deadline) throw new Error("not reconciled");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await t.runtimes.get("g1"))?.currentTurn).toBe(2);
  });

  it("the first pass never holds start-up longer than its budget", async () => {
    const t = setup();
    await interrupted(t, "g1", "2026-01-01T11:00:00Z");
    t.engine.statusAnswer = () => new Promise(() => undefined);
    loop = startReconcileLoop({
      reconciler: t.reconciler,
      logger: t.logger,
      retryMs: 10,
      sweepMs: 60_000,
      firstPassBudgetMs: 30,
    });
    const started = Date.now();
    await loop.firstPass;
    expect(Date.now() - started).toBeLessThan(1_000);
    // The hung pass is abandoned by stop(): don't wait for it.
    loop = undefined;
  });
});
