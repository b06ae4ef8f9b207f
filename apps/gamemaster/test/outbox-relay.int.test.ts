import { closeRedis, createRedis, fieldsToRecord } from "@galaxy/redisconn";
import { createIsolatedRedis, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PostgresOutboxCommitListener } from "../src/adapters/postgres/outbox-commit-listener.js";
import { BufferedOutbox, PostgresOutboxSource } from "../src/adapters/postgres/outbox-store.js";
import { outbox } from "../src/adapters/postgres/schema.js";
import { PostgresUnitOfWork } from "../src/adapters/postgres/unit-of-work.js";
import {
  highWaterMarkKey,
  RedisStreamBatchPublisher,
} from "../src/adapters/redis/stream-batch-publisher.js";
import { noopLogger } from "../src/ports/logger.js";
import { OutboxRelay, type OutboxRelayHooks } from "../src/workers/outbox-relay.js";
import { createMigratedDatabase, type MigratedDatabase } from "./support/database.js";

const streams = { lobbyEvents: "gm:lobby_events", notificationIntents: "notification:intents" };

let database: MigratedDatabase;
let isolation: IsolatedRedis;
let redis: Redis;
let uow: PostgresUnitOfWork;
let source: PostgresOutboxSource;

beforeAll(async () => {
  database = await createMigratedDatabase("gm_outbox_relay");
  isolation = await createIsolatedRedis("gm_outbox_relay");
  redis = createRedis({ url: isolation.url, keyPrefix: isolation.keyPrefix });
  uow = new PostgresUnitOfWork({ db: database.db, streams });
  source = new PostgresOutboxSource(database.db);
});

afterAll(async () => {
  await closeRedis(redis);
  await isolation.cleanup();
  await database.close();
});

afterEach(async () => {
  await database.db.delete(outbox);
  await redis.del(
    streams.lobbyEvents,
    streams.notificationIntents,
    highWaterMarkKey(streams.lobbyEvents),
    highWaterMarkKey(streams.notificationIntents),
  );
});

function snapshot(gameId: string, turn: number) {
  return {
    gameId,
    currentTurn: turn,
    runtimeStatus: "running" as const,
    engineHealthSummary: "healthy",
    playerTurnStats: [{ userId: "u1", planets: turn, population: 10 * turn }],
    occurredAt: new Date(1_700_000_000_000 + turn),
  };
}

function turnReady(gameId: string, turn: number) {
  return {
    notification_type: "game.turn.ready" as const,
    producer: "gamemaster",
    audience_kind: "user" as const,
    recipient_user_ids: ["u1"],
    idempotency_key: `game.turn.ready:${gameId}:${turn}`,
    occurred_at_ms: 1_700_000_000_000 + turn,
    payload: { game_id: gameId, turn_number: turn },
  };
}

/** Commits `turns` transactions, each with a snapshot and an intent; returns their event ids. */
async function commitTurns(gameId: string, turns: number): Promise<string[]> {
  const ids: string[] = [];
  for (let turn = 1; turn <= turns; turn += 1) {
    await uow.run(async (tx) => {
      ids.push(tx.outbox.snapshotUpdate(snapshot(gameId, turn)));
      ids.push(tx.outbox.intent(turnReady(gameId, turn)));
    });
  }
  return ids;
}

async function streamEntries(stream: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(stream, "-", "+");
  return entries.map(([, flat]) => fieldsToRecord(flat));
}

async function allEventIds(): Promise<string[]> {
  const lobby = await streamEntries(streams.lobbyEvents);
  const intents = await streamEntries(streams.notificationIntents);
  return [...lobby, ...intents].map((fields) => fields.event_id ?? "");
}

function relay(hooks?: OutboxRelayHooks, batchSize = 500, pipelineRemoval = true): OutboxRelay {
  return new OutboxRelay({
    source,
    publisher: new RedisStreamBatchPublisher({ redis }),
    logger: noopLogger,
    batchSize,
    pipelineRemoval,
    ...(hooks === undefined ? {} : { hooks }),
  });
}

class Crash extends Error {}

describe("unit of work + outbox", () => {
  it("writes the rows of a committed unit of work and none of a rolled-back one", async () => {
    await uow.run(async (tx) => {
      tx.outbox.snapshotUpdate(snapshot("g-commit", 1));
    });
    await expect(
      uow.run(async (tx) => {
        tx.outbox.snapshotUpdate(snapshot("g-rollback", 1));
        throw new Crash("rolled back");
      }),
    ).rejects.toBeInstanceOf(Crash);
    const rows = await source.readBatch(10);
    expect(rows.map((row) => row.gameId)).toEqual(["g-commit"]);
    expect(rows[0]?.fields.event_id).toBe(rows[0]?.eventId);
    expect(rows[0]?.fields.event_type).toBe("runtime_snapshot_update");
  });

  it("rejects an invalid intent before anything is queued", async () => {
    await expect(
      uow.run(async (tx) => {
        tx.outbox.intent({ ...turnReady("g-bad", 1), recipient_user_ids: [] });
      }),
    ).rejects.toThrow(/recipient/);
    expect(await source.readBatch(10)).toEqual([]);
  });

  it("orders ids by commit: a transaction that draws ids waits for the one that drew before it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstFlushed!: () => void;
    const flushed = new Promise<void>((resolve) => {
      firstFlushed = resolve;
    });
    const first = database.db.transaction(async (tx) => {
      const buffered = new BufferedOutbox(streams);
      buffered.snapshotUpdate(snapshot("g-first", 1));
      await buffered.flush(tx);
      firstFlushed();
      await gate;
    });
    await flushed;
    let secondDone = false;
    const second = uow
      .run(async (tx) => {
        tx.outbox.snapshotUpdate(snapshot("g-second", 1));
      })
      .then(() => {
        secondDone = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The relay sees nothing yet: the first is uncommitted, the second waits for it.
    expect(secondDone).toBe(false);
    expect(await source.readBatch(10)).toEqual([]);
    release();
    await Promise.all([first, second]);
    const rows = await source.readBatch(10);
    expect(rows.map((row) => row.gameId)).toEqual(["g-first", "g-second"]);
    expect(rows[0]?.id).toBeLessThan(rows[1]?.id ?? 0);
  });
});

describe("PostgresOutboxSource.remove", () => {
  it("deletes exactly the range of the relayed batch, not the rows below it", async () => {
    await uow.run(async (tx) => {
      for (let turn = 1; turn <= 10; turn += 1) {
        tx.outbox.snapshotUpdate(snapshot("g-range", turn));
      }
    });
    const ids = (await source.readBatch(100)).map((row) => row.id);
    expect(ids).toHaveLength(10);
    await source.remove(ids.slice(3, 6));
    const left = (await source.readBatch(100)).map((row) => row.id);
    expect(left).toEqual([...ids.slice(0, 3), ...ids.slice(6)]);
  });
});

describe("OutboxRelay", () => {
  it("publishes every row once, in commit order per stream, with its event_id, then removes it", async () => {
    const ids = await commitTurns("g-order", 5);
    const relayed = await relay(undefined, 3).drain();
    expect(relayed).toBe(10);
    const lobby = await streamEntries(streams.lobbyEvents);
    expect(lobby.map((fields) => fields.current_turn)).toEqual(["1", "2", "3", "4", "5"]);
    const intents = await streamEntries(streams.notificationIntents);
    expect(intents.map((fields) => fields.idempotency_key)).toEqual(
      [1, 2, 3, 4, 5].map((turn) => `game.turn.ready:g-order:${turn}`),
    );
    expect((await allEventIds()).sort()).toEqual([...ids].sort());
    expect(await source.backlog()).toEqual({ rows: 0, oldestAgeSeconds: 0 });
  });

  const crashPoints: [string, (crash: () => never) => OutboxRelayHooks][] = [
    ["after reading the batch", (crash) => ({ afterRead: crash })],
    ["after the first stream's script, before the second", (crash) => ({ afterPublish: crash })],
    [
      "after both scripts, before removing the rows",
      (crash) => {
        let calls = 0;
        return {
          afterPublish: () => {
            calls += 1;
            if (calls === 2) crash();
          },
        };
      },
    ],
    ["after removing the rows", (crash) => ({ afterRemove: crash })],
  ];

  for (const [point, hooksFor] of crashPoints) {
    it(`delivers exactly once when the relay dies ${point}`, async () => {
      const ids = await commitTurns(`g-crash`, 4);
      let crashed = 0;
      const dying = relay(
        hooksFor(() => {
          crashed += 1;
          throw new Crash(point);
        }),
        100,
        false,
      );
      await expect(dying.relayOnce()).rejects.toBeInstanceOf(Crash);
      expect(crashed).toBe(1);
      // A fresh relay (the restarted process) finishes the job.
      await relay().drain();
      const delivered = await allEventIds();
      expect(delivered.sort()).toEqual([...ids].sort());
      const lobby = await streamEntries(streams.lobbyEvents);
      expect(lobby.map((fields) => fields.current_turn)).toEqual(["1", "2", "3", "4"]);
      expect((await source.backlog()).rows).toBe(0);
    });
  }

  it("dies in the middle of a long backlog again and again and still delivers each row once, in order", async () => {
    const ids = await commitTurns("g-mid", 30);
    let passes = 0;
    const flaky = relay(
      {
        afterPublish: () => {
          // Dies after the first stream of every other batch.
          passes += 1;
          if (passes % 3 === 1) throw new Crash("mid batch");
        },
      },
      7,
    );
    for (let attempt = 0; attempt < 100; attempt += 1) {
      try {
        if ((await flaky.relayOnce()) === 0) break;
      } catch (error) {
        expect(error).toBeInstanceOf(Crash);
      }
    }
    expect((await source.backlog()).rows).toBe(0);
    expect((await allEventIds()).sort()).toEqual([...ids].sort());
    const lobby = await streamEntries(streams.lobbyEvents);
    expect(lobby.map((fields) => Number(fields.current_turn))).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 1),
    );
  });

  it("surfaces a failed pipelined deletion on the next pass and still delivers each row once", async () => {
    const ids = await commitTurns("g-pipe", 12);
    let removals = 0;
    const pipelined = relay(
      {
        afterRemove: () => {
          removals += 1;
          if (removals === 1) throw new Crash("deletion failed");
        },
      },
      5,
    );
    // The first pass returns before its deletion fails; the second one sees it.
    expect(await pipelined.relayOnce()).toBe(5);
    await expect(pipelined.relayOnce()).rejects.toBeInstanceOf(Crash);
    await pipelined.drain();
    expect((await source.backlog()).rows).toBe(0);
    expect((await allEventIds()).sort()).toEqual([...ids].sort());
    const lobby = await streamEntries(streams.lobbyEvents);
    expect(lobby.map((fields) => Number(fields.current_turn))).toEqual(
      Array.from({ length: 12 }, (_, index) => index + 1),
    );
  });

  it("lets several relays run at once without doubling or reordering, while writers commit", async () => {
    const writers = Promise.all(["g-a", "g-b", "g-c"].map((gameId) => commitTurns(gameId, 15)));
    const relays = [relay(undefined, 4), relay(undefined, 5), relay(undefined, 6)];
    let writing = true;
    const loops = relays.map(async (r) => {
      while (writing) {
        await r.relayOnce();
        await new Promise((resolve) => setImmediate(resolve));
      }
      await r.drain();
    });
    const ids = (await writers).flat();
    writing = false;
    await Promise.all(loops);
    expect((await allEventIds()).sort()).toEqual([...ids].sort());
    const lobby = await streamEntries(streams.lobbyEvents);
    for (const gameId of ["g-a", "g-b", "g-c"]) {
      expect(
        lobby.filter((fields) => fields.game_id === gameId).map((f) => Number(f.current_turn)),
      ).toEqual(Array.from({ length: 15 }, (_, index) => index + 1));
    }
  });

  it("trims entries older than the retention (MINID), never younger ones", async () => {
    // MINID ~ drops whole radix-tree nodes (100 entries by default), so a
    // few hundred old entries let it drop some.
    for (let ms = 1; ms <= 300; ms += 1) {
      await redis.xadd(streams.lobbyEvents, `${ms}-0`, "old", "1");
    }
    const young = await redis.xadd(streams.lobbyEvents, "*", "young", "1");
    await commitTurns("g-trim", 1);
    const publisher = new RedisStreamBatchPublisher({ redis, retentionMs: 60_000 });
    await new OutboxRelay({ source, publisher, logger: noopLogger }).drain();
    const entries = await redis.xrange(streams.lobbyEvents, "-", "+");
    const ids = entries.map(([id]) => id);
    expect(ids).not.toContain("1-0");
    expect(ids.length).toBeLessThan(302);
    expect(ids).toContain(young);
    expect(ids.at(-1)).not.toBe(young); // the relayed entry is there too
  });

  it("wakes on commit through LISTEN/NOTIFY without waiting for the poll", async () => {
    const signal = new PostgresOutboxCommitListener({
      url: database.isolated.url,
      logger: noopLogger,
    });
    const live = new OutboxRelay({
      source,
      publisher: new RedisStreamBatchPublisher({ redis }),
      logger: noopLogger,
      signal,
      pollMs: 60_000,
    });
    live.start();
    try {
      // Let the listener connect and the first (empty) pass go to sleep.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      await commitTurns("g-wake", 1);
      await expect
        .poll(() => redis.xlen(streams.lobbyEvents), { timeout: 2_000, interval: 5 })
        .toBe(1);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await live.stop();
      await signal.close();
    }
  });
});
