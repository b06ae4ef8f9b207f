import { xaddFlat } from "@galaxy/redisconn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TurnStack, waitFor } from "./support/turn-stack.js";

// The runtime:health_events consumer against real Redis (events published by
// the RTM stub under the suite's key prefix) and PostgreSQL.

let s: TurnStack;

beforeAll(async () => {
  s = await TurnStack.create("gm_health");
  await s.startGm();
  await s.addEngineVersion("1.4.2");
});

afterAll(async () => {
  await s?.close();
});

async function publish(gameId: string, eventType: string): Promise<string> {
  const answer = (await s.rtmControl("/_stub/health-events", {
    game_id: gameId,
    event_type: eventType,
    details: { source: "test" },
  })) as { id: string };
  return answer.id;
}

/** Waits until GM saved its offset (in PostgreSQL, with the entry's effects) at or past `entryId`. */
async function consumed(entryId: string): Promise<void> {
  await waitFor(`offset ${entryId}`, async () => {
    const result = await s.sql.query<{ last_id: string }>(
      "SELECT last_id FROM gamemaster.stream_offsets WHERE label = 'gamemaster:health_events'",
    );
    const saved = result.rows[0]?.last_id;
    if (saved === undefined) return false;
    const [savedMs = 0, savedSeq = 0] = saved.split("-").map(Number);
    const [ms = 0, seq = 0] = entryId.split("-").map(Number);
    return savedMs > ms || (savedMs === ms && savedSeq >= seq);
  });
}

async function counter(eventType: string, outcome: string): Promise<number> {
  const text = String((await s.call("GET", "/metrics")).body);
  const match = new RegExp(
    `gamemaster_health_events_consumed_total\\{event_type="${eventType}",outcome="${outcome}"\\} (\\d+)`,
  ).exec(text);
  return Number(match?.[1] ?? 0);
}

describe("runtime:health_events", () => {
  const cases = [
    ["container_started", "running", "healthy", "running"],
    ["probe_failed", "running", "probe_failed", "running"],
    ["inspect_unhealthy", "running", "inspect_unhealthy", "running"],
    ["container_exited", "running", "exited", "engine_unreachable"],
    ["container_oom", "running", "oom", "engine_unreachable"],
    ["container_disappeared", "running", "disappeared", "engine_unreachable"],
    ["probe_recovered", "engine_unreachable", "healthy", "running"],
  ] as const;

  it.each(cases)("%s on a %s runtime → summary %s, status %s", async (type, from, summary, to) => {
    const gameId = `h-${type}`;
    await s.register(gameId);
    if (from === "engine_unreachable") {
      await consumed(await publish(gameId, "container_exited"));
      expect((await s.record(gameId)).status).toBe("engine_unreachable");
    }
    const before = (await s.lobbyEvents(gameId)).length;
    await consumed(await publish(gameId, type));

    const row = await s.record(gameId);
    expect(row).toMatchObject({ engine_health: summary, status: to });
    const events = await s.lobbyEvents(gameId);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({
      event_type: "runtime_snapshot_update",
      engine_health_summary: summary,
      runtime_status: to,
    });
    const transitions = (await s.operations(gameId)).filter(
      (op) => op.op_kind === "health_transition",
    );
    expect(transitions.length).toBe(
      (from === "engine_unreachable" ? 1 : 0) + (from === to ? 0 : 1),
    );
    if (to === "running" && from === "engine_unreachable") {
      // Back to running and scheduled again (the yearly tick is still ahead).
      expect(row.next_generation_at?.getTime()).toBeGreaterThan(Date.now());
    }
  });

  it("applies a duplicate once and skips malformed entries and unknown games without blocking", async () => {
    await s.register("h-dup");
    const malformedBefore = await counter("unknown", "malformed");
    const unknownBefore = await counter("container_exited", "unknown_game");

    await publish("h-dup", "container_exited");
    await publish("h-dup", "container_exited");
    await xaddFlat(s.redis, s.config.streams.healthEvents, {
      game_id: "h-dup",
      event_type: "exploded",
    });
    await xaddFlat(s.redis, s.config.streams.healthEvents, { garbage: "yes" });
    await publish("h-unknown-game", "container_exited");
    const last = await publish("h-dup", "probe_failed");
    await consumed(last);

    expect(await s.record("h-dup")).toMatchObject({
      status: "engine_unreachable",
      engine_health: "probe_failed",
    });
    expect(
      (await s.lobbyEvents("h-dup")).map((event) => [
        event.runtime_status,
        event.engine_health_summary,
      ]),
    ).toEqual([
      ["running", ""],
      ["engine_unreachable", "exited"],
      ["engine_unreachable", "probe_failed"],
    ]);
    expect(
      (await s.operations("h-dup")).filter((op) => op.op_kind === "health_transition"),
    ).toHaveLength(1);
    expect(await counter("unknown", "malformed")).toBe(malformedBefore + 2);
    expect(await counter("container_exited", "unknown_game")).toBe(unknownBefore + 1);
    expect(await counter("container_exited", "unchanged")).toBeGreaterThanOrEqual(1);
  });

  it("resumes from its persisted offset after a restart: nothing lost, nothing applied twice", async () => {
    await s.register("h-restart");
    await consumed(await publish("h-restart", "probe_failed"));
    const snapshotsBefore = (await s.lobbyEvents("h-restart")).length;

    await s.stopGm();
    // Published while GM is down.
    await publish("h-restart", "container_exited");
    const last = await publish("h-restart", "container_started");
    await s.startGm();
    await consumed(last);

    expect(await s.record("h-restart")).toMatchObject({
      status: "running",
      engine_health: "healthy",
    });
    const events = await s.lobbyEvents("h-restart");
    // probe_failed is not applied again; the two new events each once.
    expect(events.slice(snapshotsBefore).map((event) => event.engine_health_summary)).toEqual([
      "exited",
      "healthy",
    ]);
    expect(
      (await s.operations("h-restart"))
        .filter((op) => op.op_kind === "health_transition")
        .map((op) => op.op_source),
    ).toEqual(["health_events", "health_events"]);
  });
});
