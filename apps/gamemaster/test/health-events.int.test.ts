import { closeRedis, createRedis, type StreamEntry, xaddFlat } from "@galaxy/redisconn";
import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PostgresConsumerOffsetStore } from "../src/adapters/postgres/consumer-offset-store.js";
import { PostgresRuntimeRecordStore } from "../src/adapters/postgres/runtime-record-store.js";
import { PostgresUnitOfWork } from "../src/adapters/postgres/unit-of-work.js";
import type { RuntimeRecord } from "../src/domain/runtime-record.js";
import { systemClock } from "../src/ports/clock.js";
import { noopLogger } from "../src/ports/logger.js";
import { type HealthEventOutcome, noopTurnEngineTelemetry } from "../src/ports/telemetry.js";
import { RuntimeNotifier } from "../src/services/runtime-notifier.js";
import {
  HEALTH_EVENTS_OFFSET_LABEL,
  HealthEventHandler,
  type HealthEventHandlerDeps,
  startHealthEventsConsumer,
} from "../src/workers/health-events.js";
import { createMigratedDatabase, type MigratedDatabase } from "./support/database.js";
import { TurnStack, waitFor } from "./support/turn-stack.js";

// The runtime:health_events consumer against real Redis (events published by
// the RTM stub under the suite's key prefix) and PostgreSQL.

/** The stream ids as numbers, for "at or past". */
function notBefore(id: string, than: string): boolean {
  const [ms = 0, seq = 0] = id.split("-").map(Number);
  const [thanMs = 0, thanSeq = 0] = than.split("-").map(Number);
  return ms > thanMs || (ms === thanMs && seq >= thanSeq);
}

/**
 * Whether `group` has delivered `entryId` (or later) and has nothing pending:
 * every entry up to it is applied and acknowledged. XINFO is not prefixed by
 * ioredis, so the key carries the prefix here.
 */
async function acknowledged(
  redis: Redis,
  keyPrefix: string,
  stream: string,
  group: string,
  entryId: string,
): Promise<boolean> {
  const groups = (await redis.xinfo("GROUPS", keyPrefix + stream).catch(() => [])) as unknown[][];
  for (const fields of groups) {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
    if (info.get("name") === group) {
      return (
        notBefore(String(info.get("last-delivered-id")), entryId) &&
        Number(info.get("pending")) === 0
      );
    }
  }
  return false;
}

describe("runtime:health_events through a running GM", () => {
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

  /** Waits until GM's consumer group applied and acknowledged every entry up to `entryId`. */
  async function consumed(entryId: string): Promise<void> {
    await waitFor(`entry ${entryId} acknowledged`, () =>
      acknowledged(
        s.redis,
        s.redisIsolation.keyPrefix,
        s.config.streams.healthEvents,
        s.config.healthEventsConsumer.group,
        entryId,
      ),
    );
  }

  async function counter(eventType: string, outcome: string): Promise<number> {
    const text = String((await s.call("GET", "/metrics")).body);
    const match = new RegExp(
      `gamemaster_health_events_consumed_total\\{event_type="${eventType}",outcome="${outcome}"\\} (\\d+)`,
    ).exec(text);
    return Number(match?.[1] ?? 0);
  }

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
    // The claim pass at start-up found nothing to take over and set the group's pending gauge.
    const metrics = String((await s.call("GET", "/metrics")).body);
    expect(metrics).toMatch(/^gamemaster_health_events_pending 0$/m);
    expect(metrics).toMatch(/^gamemaster_health_events_reclaimed_total 0$/m);
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

/** The real handler, telling the test which entry it applied with which outcome. */
class RecordingHandler extends HealthEventHandler {
  constructor(
    deps: HealthEventHandlerDeps,
    private readonly seen: (id: string, outcome: HealthEventOutcome) => void,
  ) {
    super(deps);
  }

  override async handle(entry: StreamEntry): Promise<HealthEventOutcome> {
    const outcome = await super.handle(entry);
    this.seen(entry.id, outcome);
    return outcome;
  }
}

// Several replicas on one PostgreSQL and one Redis (decision 090): each runs
// a HealthEventHandler behind a group reader of the shared consumer group.
describe("runtime:health_events consumed by several replicas in one consumer group", () => {
  const group = "gamemaster";
  let database: MigratedDatabase;
  let isolation: IsolatedRedis;
  let redis: Redis;
  let records: PostgresRuntimeRecordStore;
  let streamCounter = 0;
  const running: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    database = await createMigratedDatabase("gm_health_group");
    isolation = await createIsolatedRedis("gm_health_group");
    redis = createRedis({ url: isolation.url, keyPrefix: isolation.keyPrefix });
    records = new PostgresRuntimeRecordStore(database.db);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((replica) => replica.stop()));
  });

  afterAll(async () => {
    await closeRedis(redis);
    await isolation.cleanup();
    await database.close();
  });

  function freshStream(): string {
    streamCounter += 1;
    return `runtime:health_events:${streamCounter}`;
  }

  async function seedRunning(gameId: string): Promise<void> {
    const now = new Date();
    const record: RuntimeRecord = {
      gameId,
      status: "running",
      engineEndpoint: `http://engine/${gameId}`,
      currentImageRef: "galaxy/game:1.4.2",
      currentEngineVersion: "1.4.2",
      turnSchedule: "0 0 1 1 *",
      currentTurn: 0,
      nextGenerationAt: new Date(now.getTime() + 86_400_000),
      skipNextTick: false,
      engineHealth: "",
      createdAt: now,
      updatedAt: now,
      startedAt: now,
      stoppedAt: null,
      finishedAt: null,
      lastPlayerStats: [],
      lastHealthEventId: "",
    };
    await records.insert(record);
  }

  /** One replica: its own unit of work, notifier and handler, consumer `name`. */
  function startReplica(
    name: string,
    stream: string,
    options: { claimIdleMs?: number; outcomes?: Array<{ id: string; outcome: string }> } = {},
  ) {
    const unitOfWork = new PostgresUnitOfWork({
      db: database.db,
      streams: { lobbyEvents: "gm:lobby_events", notificationIntents: "notification:intents" },
    });
    const outcomes = options.outcomes ?? [];
    const claimPasses: Array<{ claimed: number; pending: number }> = [];
    const handledBy: string[] = [];
    const reader = startHealthEventsConsumer({
      redis: createRedis({ url: isolation.url, keyPrefix: isolation.keyPrefix }),
      offsets: new PostgresConsumerOffsetStore(database.db),
      stream,
      group,
      consumer: name,
      claimIdleMs: options.claimIdleMs ?? 30_000,
      claimIntervalMs: 50,
      blockMs: 200,
      retryDelayMs: 20,
      handler: new RecordingHandler(
        {
          unitOfWork,
          notifier: new RuntimeNotifier({ telemetry: noopTurnEngineTelemetry }),
          telemetry: noopTurnEngineTelemetry,
          clock: systemClock,
          logger: noopLogger,
        },
        (id, outcome) => {
          outcomes.push({ id, outcome });
          handledBy.push(name);
        },
      ),
      telemetry: { recordHealthEventsClaimPass: (pass) => claimPasses.push(pass) },
      logger: noopLogger,
    });
    running.push(reader);
    return { reader, outcomes, claimPasses, handledBy };
  }

  async function healthEvent(stream: string, gameId: string, eventType: string): Promise<string> {
    return xaddFlat(redis, stream, {
      game_id: gameId,
      container_id: `c-${gameId}`,
      event_type: eventType,
      occurred_at_ms: String(Date.now()),
      details: "{}",
    });
  }

  async function transitions(
    gameIds: string[],
  ): Promise<Array<{ game_id: string; source_ref: string }>> {
    const result = await database.pool.query<{ game_id: string; source_ref: string }>(
      "SELECT game_id, source_ref FROM gamemaster.operation_log WHERE op_kind = 'health_transition' AND game_id = ANY($1) ORDER BY id",
      [gameIds],
    );
    return result.rows;
  }

  async function snapshotRows(gameIds: string[]): Promise<Map<string, number>> {
    const result = await database.pool.query<{ game_id: string; n: string }>(
      "SELECT game_id, count(*) AS n FROM gamemaster.outbox WHERE event_type = 'runtime_snapshot_update' AND game_id = ANY($1) GROUP BY game_id",
      [gameIds],
    );
    return new Map(result.rows.map((row) => [row.game_id, Number(row.n)]));
  }

  /** Delivers whatever is new in `stream` to `consumer` and never acknowledges it: a replica that dies. */
  async function deliverToDeadReplica(stream: string, consumer: string): Promise<string[]> {
    const reply = (await redis.xreadgroup(
      "GROUP",
      group,
      consumer,
      "COUNT",
      100,
      "STREAMS",
      stream,
      ">",
    )) as [string, [string, string[]][]][] | null;
    return (reply?.[0]?.[1] ?? []).map(([id]) => id);
  }

  it("N events for M games are applied exactly once across two replicas", async () => {
    const stream = freshStream();
    const games = Array.from({ length: 6 }, (_, i) => `grp-${i}`);
    for (const gameId of games) await seedRunning(gameId);
    const outcomes: Array<{ id: string; outcome: string }> = [];
    const a = startReplica("gm-a", stream, { outcomes });
    const b = startReplica("gm-b", stream, { outcomes });
    const waves = 10;
    const ids: string[] = [];
    // Every event flips its game's status (exited → engine_unreachable, started → running). One
    // event per game per wave: within a wave the replicas share the games; the next wave waits,
    // so that no game has two events in flight (that case is the next test).
    for (let wave = 0; wave < waves; wave += 1) {
      for (const gameId of games) {
        ids.push(
          await healthEvent(
            stream,
            gameId,
            wave % 2 === 0 ? "container_exited" : "container_started",
          ),
        );
      }
      const last = ids.at(-1) as string;
      await waitFor(`wave ${wave} acknowledged`, () =>
        acknowledged(redis, isolation.keyPrefix, stream, group, last),
      );
    }
    expect(outcomes).toHaveLength(ids.length);
    expect(outcomes.map((o) => o.id).sort()).toEqual([...ids].sort());
    expect(new Set(outcomes.map((o) => o.outcome))).toEqual(new Set(["applied"]));
    // Both replicas took a share, and no entry reached both.
    expect(a.handledBy.length).toBeGreaterThan(0);
    expect(b.handledBy.length).toBeGreaterThan(0);
    expect(a.handledBy.length + b.handledBy.length).toBe(ids.length);

    const logged = await transitions(games);
    expect(logged).toHaveLength(ids.length);
    expect(logged.map((row) => row.source_ref).sort()).toEqual([...ids].sort());
    const snapshots = await snapshotRows(games);
    for (const gameId of games) {
      expect(snapshots.get(gameId)).toBe(waves);
      // The last event of each game was container_started.
      expect(await records.get(gameId)).toMatchObject({
        status: "running",
        engineHealth: "healthy",
      });
    }
  });

  it("a burst of events per game: each entry handled once, the newest one wins, nothing applied twice", async () => {
    const stream = freshStream();
    const games = Array.from({ length: 4 }, (_, i) => `burst-${i}`);
    for (const gameId of games) await seedRunning(gameId);
    const outcomes: Array<{ id: string; outcome: string }> = [];
    startReplica("gm-a", stream, { outcomes });
    startReplica("gm-b", stream, { outcomes });
    const ids: string[] = [];
    const types = ["container_exited", "container_started", "container_oom", "probe_recovered"];
    for (let round = 0; round < 12; round += 1) {
      for (const gameId of games) {
        ids.push(await healthEvent(stream, gameId, types[round % types.length] as string));
      }
    }
    await waitFor("every event acknowledged", () =>
      acknowledged(redis, isolation.keyPrefix, stream, group, ids.at(-1) as string),
    );
    // The group delivered each entry to one replica, once.
    expect(outcomes.map((o) => o.id).sort()).toEqual([...ids].sort());
    // Two replicas may take two events of one game out of order: the older one is then stale.
    const applied = outcomes.filter((o) => o.outcome === "applied").map((o) => o.id);
    expect(outcomes.every((o) => ["applied", "unchanged", "stale"].includes(o.outcome))).toBe(true);
    const logged = (await transitions(games)).map((row) => row.source_ref);
    expect(new Set(logged).size).toBe(logged.length);
    expect(applied).toEqual(expect.arrayContaining(logged));
    const snapshots = await snapshotRows(games);
    expect([...snapshots.values()].reduce((sum, n) => sum + n, 0)).toBe(applied.length);
    for (const gameId of games) {
      // The newest event of each game (probe_recovered) is never stale: running and healthy.
      expect(await records.get(gameId)).toMatchObject({
        status: "running",
        engineHealth: "healthy",
        lastHealthEventId: ids[ids.length - games.length + games.indexOf(gameId)],
      });
    }
  });

  it("entries a dead replica left pending are claimed after the idle time and applied once", async () => {
    const stream = freshStream();
    const games = ["dead-1", "dead-2"];
    for (const gameId of games) await seedRunning(gameId);
    await redis.xgroup("CREATE", isolation.keyPrefix + stream, group, "0", "MKSTREAM");
    const stranded = [
      await healthEvent(stream, "dead-1", "container_exited"),
      await healthEvent(stream, "dead-2", "container_oom"),
    ];
    expect(await deliverToDeadReplica(stream, "gm-dead")).toEqual(stranded);
    const outcomes: Array<{ id: string; outcome: string }> = [];
    const alive = startReplica("gm-alive", stream, { claimIdleMs: 400, outcomes });
    startReplica("gm-other", stream, { claimIdleMs: 400, outcomes });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(outcomes).toEqual([]);
    await waitFor("the stranded entries acknowledged", () =>
      acknowledged(redis, isolation.keyPrefix, stream, group, stranded[1] as string),
    );
    expect(outcomes.map((o) => o.id).sort()).toEqual([...stranded].sort());
    expect(outcomes.every((o) => o.outcome === "applied")).toBe(true);
    expect(await records.get("dead-1")).toMatchObject({
      status: "engine_unreachable",
      engineHealth: "exited",
    });
    expect(await records.get("dead-2")).toMatchObject({
      status: "engine_unreachable",
      engineHealth: "oom",
    });
    expect(await transitions(games)).toHaveLength(2);
    expect(Object.fromEntries(await snapshotRows(games))).toEqual({ "dead-1": 1, "dead-2": 1 });
    await waitFor(
      "a claim pass saw the group empty",
      () => alive.claimPasses.at(-1)?.pending === 0,
    );
  });

  it("an older event claimed after a newer one was applied does not move the status back", async () => {
    const stream = freshStream();
    await seedRunning("older-1");
    await redis.xgroup("CREATE", isolation.keyPrefix + stream, group, "0", "MKSTREAM");
    // The older event (the container exited) is stuck with a replica that died…
    const older = await healthEvent(stream, "older-1", "container_exited");
    expect(await deliverToDeadReplica(stream, "gm-dead")).toEqual([older]);
    // …while the newer one (it is back) reaches a live replica first.
    const newer = await healthEvent(stream, "older-1", "container_started");
    const outcomes: Array<{ id: string; outcome: string }> = [];
    startReplica("gm-a", stream, { claimIdleMs: 300, outcomes });
    startReplica("gm-b", stream, { claimIdleMs: 300, outcomes });
    await waitFor("both entries acknowledged", () =>
      acknowledged(redis, isolation.keyPrefix, stream, group, newer),
    );
    expect(outcomes).toEqual([
      { id: newer, outcome: "applied" },
      { id: older, outcome: "stale" },
    ]);
    expect(await records.get("older-1")).toMatchObject({
      status: "running",
      engineHealth: "healthy",
      lastHealthEventId: newer,
    });
    expect(await transitions(["older-1"])).toEqual([]);
    expect(Object.fromEntries(await snapshotRows(["older-1"]))).toEqual({ "older-1": 1 });
  });

  it("creates the group after the single reader's offset in PostgreSQL: no replay, no gap", async () => {
    const stream = freshStream();
    await seedRunning("upgrade-1");
    const before = await healthEvent(stream, "upgrade-1", "container_exited");
    const applied = await healthEvent(stream, "upgrade-1", "container_started");
    // What the single reader of the previous version had applied and saved.
    await new PostgresConsumerOffsetStore(database.db).save(
      HEALTH_EVENTS_OFFSET_LABEL,
      applied,
      new Date(),
    );
    const after = await healthEvent(stream, "upgrade-1", "probe_failed");
    const outcomes: Array<{ id: string; outcome: string }> = [];
    startReplica("gm-a", stream, { outcomes });
    startReplica("gm-b", stream, { outcomes });
    await waitFor("the new entry acknowledged", () =>
      acknowledged(redis, isolation.keyPrefix, stream, group, after),
    );
    expect(outcomes).toEqual([{ id: after, outcome: "applied" }]);
    expect(outcomes.map((o) => o.id)).not.toContain(before);
    expect(await records.get("upgrade-1")).toMatchObject({ engineHealth: "probe_failed" });
    await database.pool.query("DELETE FROM gamemaster.stream_offsets");
  });
});
