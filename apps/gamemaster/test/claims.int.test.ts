import { closePool, createDatabase, createPool } from "@galaxy/postgres";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PostgresRuntimeRecordStore } from "../src/adapters/postgres/runtime-record-store.js";
import { schema } from "../src/adapters/postgres/schema.js";
import type { RuntimeRecord } from "../src/domain/runtime-record.js";
import { createMigratedDatabase, type MigratedDatabase } from "./support/database.js";

// The claim statements of the turn engine against a real PostgreSQL: what
// several instances rely on to never take the same game twice.

let database: MigratedDatabase;
let records: PostgresRuntimeRecordStore;

const t0 = new Date("2026-01-01T10:00:00.000Z");
const later = (ms: number) => new Date(t0.getTime() + ms);

function running(gameId: string, overrides: Partial<RuntimeRecord> = {}): RuntimeRecord {
  return {
    gameId,
    status: "running",
    engineEndpoint: `http://engine/games/${gameId}`,
    currentImageRef: "galaxy/game:1.4.2",
    currentEngineVersion: "1.4.2",
    turnSchedule: "0 * * * *",
    currentTurn: 0,
    nextGenerationAt: t0,
    skipNextTick: false,
    engineHealth: "",
    createdAt: t0,
    updatedAt: t0,
    startedAt: t0,
    stoppedAt: null,
    finishedAt: null,
    lastPlayerStats: [],
    lastHealthEventId: "",
    ...overrides,
  };
}

beforeAll(async () => {
  database = await createMigratedDatabase("gm_claims");
  records = new PostgresRuntimeRecordStore(database.db);
});

afterAll(async () => {
  await database?.close();
});

beforeEach(async () => {
  await database.pool.query("TRUNCATE gamemaster.runtime_records CASCADE");
});

describe("claimDue", () => {
  it("claims due running games, the earliest first, with a lease and a token each", async () => {
    await records.insert(running("g-late", { nextGenerationAt: later(2_000) }));
    await records.insert(running("g-early", { nextGenerationAt: later(1_000) }));
    await records.insert(running("g-future", { nextGenerationAt: later(60_000) }));
    await records.insert(running("g-skip", { nextGenerationAt: later(500), skipNextTick: true }));
    await records.insert(running("g-failed", { status: "generation_failed" }));

    const claimed = await records.claimDue({
      now: later(5_000),
      limit: 10,
      owner: "gm-a",
      leaseExpiresAt: later(20_000),
    });

    expect(claimed.map((record) => record.gameId)).toEqual(["g-early", "g-late"]);
    for (const record of claimed) {
      expect(record).toMatchObject({
        status: "generation_in_progress",
        leaseOwner: "gm-a",
        leaseExpiresAt: later(20_000),
        leaseTrigger: "scheduler",
        updatedAt: later(5_000),
      });
      expect(record.leaseToken).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(claimed[0]?.leaseToken).not.toBe(claimed[1]?.leaseToken);
    // The tick handled stays readable on the claimed row.
    expect(claimed[0]?.nextGenerationAt).toEqual(later(1_000));
    expect(
      await records.claimDue({
        now: later(5_000),
        limit: 10,
        owner: "gm-b",
        leaseExpiresAt: later(20_000),
      }),
    ).toEqual([]);
  });

  it("never gives one game to two instances claiming at the same time", async () => {
    const games = Array.from({ length: 300 }, (_, index) => `g${String(index).padStart(3, "0")}`);
    for (const gameId of games) {
      await records.insert(running(gameId));
    }
    // Three instances, each on its own pool, claiming in batches until nothing is left.
    const pools = [1, 2, 3].map(() =>
      createPool({ url: database.isolated.url, maxConnections: 2 }),
    );
    try {
      const stores = pools.map(
        (pool) => new PostgresRuntimeRecordStore(createDatabase(pool, schema)),
      );
      const claimedBy = await Promise.all(
        stores.map(async (store, index) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await store.claimDue({
              now: later(1_000),
              limit: 16,
              owner: `gm-${index}`,
              leaseExpiresAt: later(20_000),
            });
            if (batch.length === 0) return mine;
            mine.push(...batch.map((record) => record.gameId));
          }
        }),
      );
      const all = claimedBy.flat();
      expect(all).toHaveLength(games.length);
      expect(new Set(all).size).toBe(games.length);
      // Each instance got a share: the claims really ran side by side.
      expect(claimedBy.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(pools.map((pool) => closePool(pool)));
    }
  });
});

describe("claim (force-next-turn) against the scheduler's claim", () => {
  it("claims a forceable game once, and never one that holds a lease", async () => {
    await records.insert(running("g1", { status: "generation_failed" }));
    const input = {
      gameId: "g1",
      from: ["running", "generation_failed"] as const,
      owner: "gm-a",
      token: "token-a",
      trigger: "force" as const,
      leaseExpiresAt: later(20_000),
      now: later(1_000),
    };
    expect(await records.claim(input)).toMatchObject({
      status: "generation_in_progress",
      leaseToken: "token-a",
      leaseTrigger: "force",
    });
    expect(await records.claim({ ...input, owner: "gm-b", token: "token-b" })).toBeNull();
  });

  it("a scheduler claim and a force of the same game: exactly one wins", async () => {
    for (let round = 0; round < 20; round += 1) {
      await database.pool.query("TRUNCATE gamemaster.runtime_records CASCADE");
      await records.insert(running("g1"));
      const [batch, forced] = await Promise.all([
        records.claimDue({
          now: later(1_000),
          limit: 1,
          owner: "gm-a",
          leaseExpiresAt: later(20_000),
        }),
        records.claim({
          gameId: "g1",
          from: ["running", "generation_failed"],
          owner: "gm-b",
          token: `force-${round}`,
          trigger: "force",
          leaseExpiresAt: later(20_000),
          now: later(1_000),
        }),
      ]);
      expect(batch.length + (forced === null ? 0 : 1)).toBe(1);
    }
  });
});

describe("leases", () => {
  it("renewal moves the expiry of the tokens still held, without touching updated_at", async () => {
    await records.insert(running("g1"));
    await records.insert(running("g2"));
    const claimed = await records.claimDue({
      now: later(1_000),
      limit: 10,
      owner: "gm-a",
      leaseExpiresAt: later(16_000),
    });
    const tokens = claimed.map((record) => record.leaseToken ?? "");
    expect(await records.renewLeases([...tokens, "gone"], later(30_000))).toBe(2);
    expect(await records.get("g1")).toMatchObject({
      leaseExpiresAt: later(30_000),
      updatedAt: later(1_000),
    });
    expect(await records.renewLeases([], later(30_000))).toBe(0);
  });

  it("lists expired leases, unleased leftovers past their grace, and a restarted owner's old leases", async () => {
    await records.insert(
      running("expired", {
        status: "generation_in_progress",
        leaseOwner: "gm-dead",
        leaseToken: "t1",
        leaseExpiresAt: later(10_000),
      }),
    );
    await records.insert(
      running("alive", {
        status: "generation_in_progress",
        leaseOwner: "gm-b",
        leaseToken: "t2",
        leaseExpiresAt: later(60_000),
      }),
    );
    await records.insert(
      running("mine-before-restart", {
        status: "generation_in_progress",
        leaseOwner: "gm-me",
        leaseToken: "t3",
        leaseExpiresAt: later(60_000),
        updatedAt: later(1_000),
      }),
    );
    await records.insert(
      running("mine-now", {
        status: "generation_in_progress",
        leaseOwner: "gm-me",
        leaseToken: "t4",
        leaseExpiresAt: later(60_000),
        updatedAt: later(9_000),
      }),
    );
    await records.insert(running("unleased-old", { status: "generation_in_progress" }));
    await records.insert(
      running("unleased-fresh", { status: "starting", updatedAt: later(19_000) }),
    );
    await records.insert(running("plain-running"));

    const listed = await records.listExpiredLeases({
      now: later(20_000),
      unleasedBefore: later(5_000),
      limit: 10,
      leftBy: { owner: "gm-me", before: later(5_000) },
    });
    expect(listed.map((record) => record.gameId).sort()).toEqual([
      "expired",
      "mine-before-restart",
      "unleased-old",
    ]);
  });

  it("a CAS guarded by the lease token loses once another instance took the game over", async () => {
    await records.insert(running("g1"));
    const [claimed] = await records.claimDue({
      now: later(1_000),
      limit: 1,
      owner: "gm-a",
      leaseExpiresAt: later(16_000),
    });
    const token = claimed?.leaseToken ?? "";
    const taken = await records.compareAndSet({
      gameId: "g1",
      expected: { status: "generation_in_progress", leaseToken: token },
      patch: { leaseOwner: "gm-b", leaseToken: "taken-over" },
      now: later(1_000),
    });
    expect(taken?.leaseOwner).toBe("gm-b");
    expect(
      await records.compareAndSet({
        gameId: "g1",
        expected: { status: ["generation_in_progress", "engine_unreachable"], leaseToken: token },
        to: "running",
        now: later(2_000),
      }),
    ).toBeNull();
    // A guarded rollback of a registration does not delete a record it no longer holds.
    await records.deleteWithMappings("g1", { leaseToken: token });
    expect(await records.get("g1")).not.toBeNull();
    await records.deleteWithMappings("g1", { leaseToken: "taken-over" });
    expect(await records.get("g1")).toBeNull();
  });
});

describe("settleTurns (the settle step's batch statement)", () => {
  it("writes each row only under its own lease token and turn, like single-game CAS would", async () => {
    for (const gameId of ["ok", "taken", "moved", "turned"]) {
      await records.insert(
        running(gameId, { lastPlayerStats: [{ userId: "u", planets: 1, population: 2 }] }),
      );
    }
    const claimed = await records.claimDue({
      now: later(1_000),
      limit: 10,
      owner: "gm-a",
      leaseExpiresAt: later(16_000),
    });
    const token = (gameId: string) =>
      claimed.find((record) => record.gameId === gameId)?.leaseToken ?? "";
    await database.pool.query(
      "update gamemaster.runtime_records set lease_token = 'someone-else' where game_id = 'taken'",
    );
    await database.pool.query(
      "update gamemaster.runtime_records set status = 'engine_unreachable' where game_id = 'moved'",
    );
    await database.pool.query(
      "update gamemaster.runtime_records set current_turn = 7 where game_id = 'turned'",
    );
    const settlement = (gameId: string) => ({
      gameId,
      leaseToken: token(gameId),
      expectedTurn: 0,
      status: "running" as const,
      currentTurn: 1,
      nextGenerationAt: later(3_600_000),
      skipNextTick: false,
      finishedAt: null,
      lastPlayerStats: null,
    });
    const written = await records.settleTurns(
      ["ok", "taken", "moved", "turned"].map(settlement),
      later(2_000),
    );
    expect(written.map((record) => record.gameId)).toEqual(["ok"]);
    expect(written[0]).toMatchObject({
      status: "running",
      currentTurn: 1,
      nextGenerationAt: later(3_600_000),
      updatedAt: later(2_000),
      // No stats in the answer: the stored ones stay.
      lastPlayerStats: [{ userId: "u", planets: 1, population: 2 }],
      leaseOwner: null,
      leaseToken: null,
      leaseExpiresAt: null,
      leaseTrigger: null,
    });
    expect(await records.get("ok")).toEqual(written[0]);
    expect((await records.get("taken"))?.status).toBe("generation_in_progress");
    expect((await records.get("moved"))?.currentTurn).toBe(0);
    expect((await records.get("turned"))?.currentTurn).toBe(7);
    // A settled row cannot be settled twice.
    expect(await records.settleTurns([settlement("ok")], later(3_000))).toEqual([]);
  });

  it("finishes a game with its final stats", async () => {
    await records.insert(running("g1"));
    const [claimed] = await records.claimDue({
      now: later(1_000),
      limit: 1,
      owner: "gm-a",
      leaseExpiresAt: later(16_000),
    });
    const [written] = await records.settleTurns(
      [
        {
          gameId: "g1",
          leaseToken: claimed?.leaseToken ?? "",
          expectedTurn: 0,
          status: "finished",
          currentTurn: 1,
          nextGenerationAt: null,
          skipNextTick: false,
          finishedAt: later(2_000),
          lastPlayerStats: [{ userId: "u1", planets: 9, population: 900 }],
        },
      ],
      later(2_000),
    );
    expect(written).toMatchObject({
      status: "finished",
      finishedAt: later(2_000),
      nextGenerationAt: null,
      lastPlayerStats: [{ userId: "u1", planets: 9, population: 900 }],
    });
  });
});

describe("the claim statements at scale", () => {
  /**
   * The plan PostgreSQL picks for the first statement `run` sends: the
   * store's real statement, captured on its way to the pool and EXPLAINed
   * (not executed) with the same parameters.
   */
  async function planOf(run: (store: PostgresRuntimeRecordStore) => Promise<unknown>) {
    const sent: { text: string; values: unknown[] }[] = [];
    const pool = database.pool;
    const capturing = new Proxy(pool, {
      get(target, property) {
        if (property === "query") {
          return (query: string | pg.QueryConfig, values?: unknown[]) => {
            const text = typeof query === "string" ? query : query.text;
            sent.push({
              text,
              values: values ?? (typeof query === "string" ? [] : query.values) ?? [],
            });
            return Promise.resolve({ rows: [], rowCount: 0, fields: [], command: "SELECT" });
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    // The store reads the canned empty answer as "nothing claimed".
    await run(new PostgresRuntimeRecordStore(createDatabase(capturing, schema)));
    const statement = sent[0];
    if (statement === undefined) throw new Error("the store sent no statement");
    const result = await pool.query(`explain ${statement.text}`, statement.values);
    return result.rows.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n");
  }

  beforeEach(async () => {
    // A burst: 5 000 games due at the same instant, a few with a consumed tick.
    await database.pool.query(
      `insert into gamemaster.runtime_records
         (game_id, status, engine_endpoint, current_image_ref, current_engine_version, turn_schedule,
          current_turn, next_generation_at, skip_next_tick, engine_health, created_at, updated_at)
       select 'burst-' || i, 'running', 'http://engine/' || i, 'galaxy/game:1.4.2', '1.4.2',
              '0 * * * *', 0, $1, i % 1000 = 0, 'healthy', $1, $1
       from generate_series(1, 5000) as i`,
      [t0],
    );
    await database.pool.query("analyze gamemaster.runtime_records");
  });

  it("a batch claim reads the earliest due games off the claim index instead of sorting every due row", async () => {
    const plan = await planOf((store) =>
      store.claimDue({ now: later(1), limit: 256, owner: "a", leaseExpiresAt: later(15_000) }),
    );
    expect(plan).toContain("runtime_records_claim_idx");
    expect(plan).not.toMatch(/Sort|Seq Scan/);
  });

  it("the due ticks a forced turn consumed are read off their own index", async () => {
    const plan = await planOf((store) => store.listDueSkipped(later(1), 256));
    expect(plan).toContain("runtime_records_skipped_idx");
    expect(plan).not.toMatch(/Sort|Seq Scan/);
  });

  it("the recovery sweep, with a restarted owner's old leases, reads indexes only", async () => {
    const plan = await planOf((store) =>
      store.listExpiredLeases({
        now: later(1),
        unleasedBefore: t0,
        limit: 100,
        leftBy: { owner: "a", before: later(1) },
      }),
    );
    expect(plan).toContain("runtime_records_lease_idx");
    expect(plan).not.toMatch(/Seq Scan/);
  });

  it("renewing the leases held reads the leased rows only, not every runtime", async () => {
    const plan = await planOf((store) => store.renewLeases(["t-1", "t-2"], later(15_000)));
    expect(plan).toContain("runtime_records_lease_idx");
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
