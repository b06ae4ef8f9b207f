import { afterEach, describe, expect, it } from "vitest";
import { createMemoryGameMaster } from "../../test/support/app-harness.js";
import { MemoryLogger, seedRunningGame } from "../../test/support/fakes.js";
import { SchedulerTicker } from "./scheduler.js";

function setup(options: { concurrency: number; intervalMs?: number; now?: string }) {
  const gm = createMemoryGameMaster({ now: options.now ?? "2026-01-01T11:00:05.000Z" });
  const { clock, runtimes } = gm;
  const logger = new MemoryLogger();
  const loads: number[] = [];
  const originalClaim = runtimes.claimDue.bind(runtimes);
  runtimes.claimDue = async (input) => {
    loads.push(input.limit);
    return originalClaim(input);
  };
  const scheduler = new SchedulerTicker({
    runtimeRecords: runtimes,
    turnGeneration: gm.services.turnGeneration,
    telemetry: gm.telemetry,
    clock,
    logger,
    intervalMs: options.intervalMs ?? 20,
    concurrency: options.concurrency,
  });
  return { ...gm, scheduler, logger, loads };
}

async function until(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let running: SchedulerTicker | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe("SchedulerTicker", () => {
  it("generates every due running game once and leaves the others alone", async () => {
    const t = setup({ concurrency: 4 });
    for (let index = 0; index < 10; index += 1) {
      await seedRunningGame(t.runtimes, `due-${index}`, {
        nextGenerationAt: new Date("2026-01-01T11:00:00Z"),
      });
    }
    await seedRunningGame(t.runtimes, "later", {
      nextGenerationAt: new Date("2026-01-01T12:00:00Z"),
    });
    await seedRunningGame(t.runtimes, "failed", {
      status: "generation_failed",
      nextGenerationAt: new Date("2026-01-01T10:00:00Z"),
    });
    await seedRunningGame(t.runtimes, "unscheduled", { nextGenerationAt: null });
    running = t.scheduler;
    t.scheduler.start();

    await until(() => t.engine.turnCalls() === 10 && t.scheduler.inFlight === 0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(t.engine.turnCalls()).toBe(10);
    for (let index = 0; index < 10; index += 1) {
      expect((await t.runtimes.get(`due-${index}`))?.currentTurn).toBe(1);
    }
    for (const gameId of ["later", "failed", "unscheduled"]) {
      expect((await t.runtimes.get(gameId))?.currentTurn).toBe(0);
    }
    expect(t.telemetry.lags).toHaveLength(10);
    expect(t.telemetry.lags.every((lag) => lag === 5)).toBe(true);
  });

  it("ticks on whole multiples of the interval, so games due at a whole minute start at once", async () => {
    // 50 ms before a whole minute, with a one-minute interval: a ticker
    // counting the interval from its last tick would look again a minute
    // later; one on the boundary looks at 11:01:00.
    const t = setup({ concurrency: 4, intervalMs: 60_000, now: "2026-01-01T11:00:59.950Z" });
    await seedRunningGame(t.runtimes, "at-the-minute", {
      nextGenerationAt: new Date("2026-01-01T11:01:00Z"),
    });
    running = t.scheduler;
    t.scheduler.start();
    await until(() => t.loads.length === 1);
    expect(t.engine.turnCalls()).toBe(0);
    t.clock.advance(50);

    await until(async () => (await t.runtimes.get("at-the-minute"))?.currentTurn === 1, 1_000);
    // Under load the test may advance the clock after one more boundary
    // tick found nothing: the next boundary is then 52 ms away again, never a minute.
    expect(t.engine.turnCalls()).toBe(1);
  });

  it("keeps at most `concurrency` turns in flight and drains a backlog without waiting for the interval", async () => {
    const t = setup({ concurrency: 3, intervalMs: 60_000 });
    for (let index = 0; index < 9; index += 1) {
      await seedRunningGame(t.runtimes, `g-${index}`, {
        nextGenerationAt: new Date("2026-01-01T11:00:00Z"),
      });
    }
    let inFlight = 0;
    let peak = 0;
    t.engine.turnAnswers.push(
      ...Array.from({ length: 9 }, () => async (endpoint: string) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight -= 1;
        t.engine.turns.set(endpoint, (t.engine.turns.get(endpoint) ?? 0) + 1);
        return t.engine.stateOf(endpoint);
      }),
    );
    running = t.scheduler;
    t.scheduler.start();
    // With a one-minute interval, only backlog re-arming can finish this in time.
    await until(() => t.engine.turnCalls() === 9 && t.scheduler.inFlight === 0, 2_000);
    expect(peak).toBe(3);
    expect(t.loads.length).toBeGreaterThan(1);
    expect(Math.max(...t.loads)).toBeLessThanOrEqual(3);
  });

  it("stop() waits for the turns in flight and picks nothing up afterwards", async () => {
    const t = setup({ concurrency: 2 });
    await seedRunningGame(t.runtimes, "g1", { nextGenerationAt: new Date("2026-01-01T11:00:00Z") });
    t.engine.hold();
    running = t.scheduler;
    t.scheduler.start();
    await until(() => t.engine.turnCalls() === 1);
    let stopped = false;
    const stopping = t.scheduler.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    t.engine.release();
    await stopping;
    expect((await t.runtimes.get("g1"))?.currentTurn).toBe(1);
    await seedRunningGame(t.runtimes, "g2", { nextGenerationAt: new Date("2026-01-01T11:00:00Z") });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(t.engine.turnCalls()).toBe(1);
  });

  it("survives a failed load and tries again at the next interval", async () => {
    const t = setup({ concurrency: 2 });
    await seedRunningGame(t.runtimes, "g1", { nextGenerationAt: new Date("2026-01-01T11:00:00Z") });
    const original = t.runtimes.claimDue.bind(t.runtimes);
    let failures = 2;
    t.runtimes.claimDue = async (input) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error("database unavailable");
      }
      return original(input);
    };
    running = t.scheduler;
    t.scheduler.start();
    await until(async () => (await t.runtimes.get("g1"))?.currentTurn === 1);
    expect(t.logger.lines.filter((line) => line.msg?.includes("failed to claim"))).toHaveLength(2);
  });
});
