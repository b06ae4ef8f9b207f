import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryGameMaster } from "../../test/support/app-harness.js";
import { MemoryLogger, seedRunningGame } from "../../test/support/fakes.js";
import { HealthEventHandler, parseHealthEvent } from "./health-events.js";

function setup() {
  const gm = createMemoryGameMaster({ now: "2026-01-01T10:30:00.000Z" });
  const { clock } = gm;
  const logger = new MemoryLogger();
  const handler = new HealthEventHandler({
    unitOfWork: gm.unitOfWork,
    notifier: gm.services.notifier,
    telemetry: gm.telemetry,
    clock,
    logger,
    offsetLabel: "gm:health",
  });
  let sequence = 0;
  const event = (
    gameId: string,
    eventType: string,
    extra: Record<string, string> = {},
    id?: string,
  ) => {
    sequence += 1;
    return handler.handle({
      id: id ?? `${sequence}-0`,
      fields: {
        game_id: gameId,
        container_id: "c1",
        event_type: eventType,
        occurred_at_ms: "1767225600000",
        details: "{}",
        ...extra,
      },
    });
  };
  return { ...gm, handler, logger, event };
}

describe("parseHealthEvent", () => {
  const valid = {
    game_id: "g1",
    container_id: "c1",
    event_type: "probe_failed",
    occurred_at_ms: "1767225600000",
    details: '{"x":1}',
  };

  it("decodes a valid entry", () => {
    expect(parseHealthEvent(valid)).toEqual({
      ok: true,
      event: {
        gameId: "g1",
        containerId: "c1",
        eventType: "probe_failed",
        occurredAt: new Date(1767225600000),
        details: '{"x":1}',
      },
    });
  });

  it.each([
    [{ game_id: "" }, "game_id"],
    [{ game_id: undefined }, "game_id"],
    [{ event_type: "container_exploded" }, 'event_type: unknown "container_exploded"'],
    [{ event_type: undefined }, "event_type: missing"],
    [{ occurred_at_ms: "yesterday" }, "occurred_at_ms"],
    [{ occurred_at_ms: "-5" }, "occurred_at_ms"],
  ])("refuses %j", (override, reason) => {
    const fields: Record<string, string> = { ...valid };
    for (const [key, value] of Object.entries(override)) {
      if (value === undefined) delete fields[key];
      else fields[key] = value;
    }
    const parsed = parseHealthEvent(fields);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe("HealthEventHandler", () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it.each([
    ["container_started", "running", "healthy", "running"],
    ["probe_recovered", "running", "healthy", "running"],
    ["probe_failed", "running", "probe_failed", "running"],
    ["inspect_unhealthy", "generation_failed", "inspect_unhealthy", "generation_failed"],
    ["container_exited", "running", "exited", "engine_unreachable"],
    ["container_oom", "generation_in_progress", "oom", "engine_unreachable"],
    ["container_disappeared", "generation_failed", "disappeared", "engine_unreachable"],
    ["container_started", "engine_unreachable", "healthy", "running"],
    ["probe_recovered", "engine_unreachable", "healthy", "running"],
    ["probe_failed", "engine_unreachable", "probe_failed", "engine_unreachable"],
  ] as const)("%s on a %s runtime → summary %s, status %s", async (type, from, summary, to) => {
    await seedRunningGame(t.runtimes, "g1", { status: from, engineHealth: "unknown" });
    expect(await t.event("g1", type)).toBe("applied");
    expect(await t.runtimes.get("g1")).toMatchObject({ engineHealth: summary, status: to });
    expect(t.lobbyEvents.snapshots).toEqual([
      expect.objectContaining({ gameId: "g1", engineHealthSummary: summary, runtimeStatus: to }),
    ]);
    const transitions = t.operationLog.entries.filter((e) => e.opKind === "health_transition");
    expect(transitions).toHaveLength(from === to ? 0 : 1);
    if (from !== to) {
      expect(transitions[0]).toMatchObject({ opSource: "health_events", outcome: "success" });
    }
  });

  it("applies a duplicate event once: no second snapshot, no second transition", async () => {
    await seedRunningGame(t.runtimes, "g1");
    expect(await t.event("g1", "container_exited")).toBe("applied");
    expect(await t.event("g1", "container_exited")).toBe("unchanged");
    expect(t.lobbyEvents.snapshots).toHaveLength(1);
    expect(t.operationLog.entries).toHaveLength(1);
  });

  it("publishes only when the summary changes", async () => {
    await seedRunningGame(t.runtimes, "g1", { engineHealth: "healthy" });
    expect(await t.event("g1", "container_started")).toBe("unchanged");
    expect(await t.event("g1", "probe_recovered")).toBe("unchanged");
    expect(await t.event("g1", "probe_failed")).toBe("applied");
    expect(await t.event("g1", "probe_failed")).toBe("unchanged");
    expect(await t.event("g1", "probe_recovered")).toBe("applied");
    expect(t.lobbyEvents.snapshots.map((s) => s.engineHealthSummary)).toEqual([
      "probe_failed",
      "healthy",
    ]);
  });

  it("schedules a recovered game again from now when its tick passed while it was unreachable", async () => {
    await seedRunningGame(t.runtimes, "g1", {
      status: "engine_unreachable",
      nextGenerationAt: new Date("2026-01-01T09:00:00Z"),
    });
    await t.event("g1", "container_started");
    expect((await t.runtimes.get("g1"))?.nextGenerationAt).toEqual(
      new Date("2026-01-01T11:00:00Z"),
    );
  });

  it("keeps a future tick of a recovered game", async () => {
    await seedRunningGame(t.runtimes, "g1", {
      status: "engine_unreachable",
      nextGenerationAt: new Date("2026-01-01T14:00:00Z"),
    });
    await t.event("g1", "probe_recovered");
    expect((await t.runtimes.get("g1"))?.nextGenerationAt).toEqual(
      new Date("2026-01-01T14:00:00Z"),
    );
  });

  it("skips unknown games, malformed entries and terminal runtimes, counting each", async () => {
    await seedRunningGame(t.runtimes, "g-stopped", { status: "stopped" });
    expect(await t.event("nope", "container_exited")).toBe("unknown_game");
    expect(await t.event("g1", "container_exploded")).toBe("malformed");
    expect(await t.event("", "container_exited")).toBe("malformed");
    expect(await t.event("g-stopped", "container_exited")).toBe("ignored_terminal");
    expect((await t.runtimes.get("g-stopped"))?.engineHealth).toBe("");
    expect(t.telemetry.healthEvents).toEqual([
      { eventType: "container_exited", outcome: "unknown_game" },
      { eventType: "unknown", outcome: "malformed" },
      { eventType: "container_exited", outcome: "malformed" },
      { eventType: "container_exited", outcome: "ignored_terminal" },
    ]);
    expect(t.lobbyEvents.snapshots).toEqual([]);
    expect(t.logger.lines.filter((line) => line.level === "warn")).toHaveLength(3);
  });

  it("throws on a database failure so that the reader retries the entry", async () => {
    await seedRunningGame(t.runtimes, "g1");
    t.runtimes.faults.failNext("get", new Error("connection terminated"));
    await expect(t.event("g1", "container_exited")).rejects.toThrow("connection terminated");
    expect(await t.event("g1", "container_exited")).toBe("applied");
  });

  it("re-evaluates the event when a turn moves the record between read and CAS", async () => {
    await seedRunningGame(t.runtimes, "g1");
    const original = t.runtimes.compareAndSet.bind(t.runtimes);
    let interfered = false;
    t.runtimes.compareAndSet = async (input) => {
      if (!interfered) {
        interfered = true;
        await t.runtimes.compareAndSet({
          gameId: "g1",
          expected: { status: "running" },
          to: "generation_in_progress",
          now: t.clock.now(),
        });
      }
      return original(input);
    };
    expect(await t.event("g1", "container_oom")).toBe("applied");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "engine_unreachable",
      engineHealth: "oom",
    });
    expect(t.operationLog.entries).toHaveLength(1);
  });

  it("ignores, counts and logs an entry not newer than the last one applied to the game", async () => {
    await seedRunningGame(t.runtimes, "g1");
    expect(await t.event("g1", "container_exited", {}, "100-5")).toBe("applied");
    // An older "container back" must not move the game back to running.
    expect(await t.event("g1", "container_started", {}, "100-4")).toBe("stale");
    expect(await t.event("g1", "container_started", {}, "100-5")).toBe("stale");
    expect(await t.runtimes.get("g1")).toMatchObject({
      status: "engine_unreachable",
      lastHealthEventId: "100-5",
    });
    expect(t.lobbyEvents.snapshots).toHaveLength(1);
    expect(t.telemetry.healthEvents.map((entry) => entry.outcome)).toEqual([
      "applied",
      "stale",
      "stale",
    ]);
    expect(
      t.logger.lines.filter((line) => line.msg?.includes("not newer than the last one")),
    ).toHaveLength(2);
    // A newer one applies.
    expect(await t.event("g1", "container_started", {}, "101-0")).toBe("applied");
    expect((await t.runtimes.get("g1"))?.status).toBe("running");
  });

  it("moves the consumer offset in the entry's unit of work, also for skipped entries", async () => {
    await seedRunningGame(t.runtimes, "g1");
    await t.event("g1", "probe_failed", {}, "7-0");
    expect(t.offsets.offsets.get("gm:health")).toBe("7-0");
    await t.event("", "probe_failed", {}, "8-0");
    expect(t.offsets.offsets.get("gm:health")).toBe("8-0");
    t.unitOfWork.faults.failNext("run", new Error("connection terminated"));
    await expect(t.event("g1", "probe_recovered", {}, "9-0")).rejects.toThrow();
    expect(t.offsets.offsets.get("gm:health")).toBe("8-0");
  });
});
