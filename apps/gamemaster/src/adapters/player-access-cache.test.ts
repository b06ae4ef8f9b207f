import { beforeEach, describe, expect, it } from "vitest";
import type { PlayerAccess, PlayerAccessStore } from "../ports/player-access.js";
import { PlayerAccessCache } from "./player-access-cache.js";

/** A database stand-in: rows the test edits, a query log, and a gate to hold queries in flight. */
class Rows implements PlayerAccessStore {
  readonly runtimes = new Map<string, { status: PlayerAccess["status"]; endpoint: string }>();
  readonly races = new Map<string, string>();
  readonly queries: string[] = [];
  gate: Promise<void> | undefined;
  failure: Error | undefined;

  async getPlayerAccess(gameId: string, userId: string): Promise<PlayerAccess | null> {
    this.queries.push(`${gameId}/${userId}`);
    // The snapshot is taken when the query runs, before an answer travels back.
    const runtime = this.runtimes.get(gameId);
    const race = this.races.get(`${gameId}/${userId}`) ?? null;
    const failure = this.failure;
    await this.gate;
    if (failure !== undefined) throw failure;
    return runtime === undefined
      ? null
      : { status: runtime.status, engineEndpoint: runtime.endpoint, raceName: race };
  }
}

let rows: Rows;
let now: number;

function cache(options: { ttlMs?: number; maxGames?: number } = {}) {
  return new PlayerAccessCache({
    store: rows,
    ttlMs: options.ttlMs ?? 5_000,
    maxGames: options.maxGames ?? 10,
    now: () => now,
  });
}

function hold(): () => void {
  let release: () => void = () => undefined;
  rows.gate = new Promise<void>((resolve) => {
    release = () => {
      rows.gate = undefined;
      resolve();
    };
  });
  return release;
}

beforeEach(() => {
  rows = new Rows();
  rows.runtimes.set("g1", { status: "running", endpoint: "http://e/games/g1" });
  rows.races.set("g1/u1", "Aelinari");
  rows.races.set("g1/u2", "Borg");
  now = 0;
});

describe("PlayerAccessCache", () => {
  it("reads the database once per user, then answers from memory", async () => {
    const access = cache();
    const expected = {
      status: "running",
      engineEndpoint: "http://e/games/g1",
      raceName: "Aelinari",
    };
    expect(await access.getPlayerAccess("g1", "u1")).toEqual(expected);
    expect(await access.getPlayerAccess("g1", "u1")).toEqual(expected);
    expect((await access.getPlayerAccess("g1", "u2"))?.raceName).toBe("Borg");
    expect((await access.getPlayerAccess("g1", "nobody"))?.raceName).toBeNull();
    expect(await access.getPlayerAccess("g1", "nobody")).toMatchObject({ raceName: null });
    expect(rows.queries).toEqual(["g1/u1", "g1/u2", "g1/nobody"]);
  });

  it("remembers that a game has no runtime until a write creates one", async () => {
    const access = cache();
    expect(await access.getPlayerAccess("g9", "u1")).toBeNull();
    expect(await access.getPlayerAccess("g9", "u2")).toBeNull();
    expect(rows.queries).toEqual(["g9/u1"]);
    access.beginWrite("g9");
    rows.runtimes.set("g9", { status: "running", endpoint: "x" });
    access.endWrite("g9");
    expect(await access.getPlayerAccess("g9", "u1")).toMatchObject({ status: "running" });
  });

  it("re-reads after the TTL (a change made behind GM's back)", async () => {
    const access = cache({ ttlMs: 1_000 });
    await access.getPlayerAccess("g1", "u1");
    rows.runtimes.set("g1", { status: "stopped", endpoint: "http://e/games/g1" });
    now = 999;
    expect((await access.getPlayerAccess("g1", "u1"))?.status).toBe("running");
    now = 1_000;
    expect((await access.getPlayerAccess("g1", "u1"))?.status).toBe("stopped");
  });

  it("reads the database on every request with a TTL of 0", async () => {
    const access = cache({ ttlMs: 0 });
    await access.getPlayerAccess("g1", "u1");
    await access.getPlayerAccess("g1", "u1");
    expect(rows.queries).toHaveLength(2);
    expect(access.size).toBe(0);
  });

  it("sees a status change as soon as the write that made it has returned", async () => {
    const access = cache();
    await access.getPlayerAccess("g1", "u1");
    access.beginWrite("g1");
    rows.runtimes.set("g1", { status: "generation_in_progress", endpoint: "http://e/games/g1" });
    access.endWrite("g1");
    expect((await access.getPlayerAccess("g1", "u1"))?.status).toBe("generation_in_progress");
  });

  it("never stores a read that overlapped a write", async () => {
    const access = cache();
    const release = hold();
    const early = access.getPlayerAccess("g1", "u1"); // reads "running", held in flight
    access.beginWrite("g1");
    rows.runtimes.set("g1", { status: "generation_in_progress", endpoint: "x" });
    access.endWrite("g1");
    release();
    expect((await early)?.status).toBe("running"); // it raced with the write: acceptable
    expect((await access.getPlayerAccess("g1", "u1"))?.status).toBe("generation_in_progress");
  });

  it("does not let a request that arrives after a write join a read sent before it", async () => {
    const access = cache();
    const release = hold();
    const early = access.getPlayerAccess("g1", "u1");
    access.beginWrite("g1");
    rows.runtimes.set("g1", { status: "stopped", endpoint: "x" });
    access.endWrite("g1");
    const late = access.getPlayerAccess("g1", "u1");
    release();
    expect((await early)?.status).toBe("running");
    expect((await late)?.status).toBe("stopped");
    expect(rows.queries).toEqual(["g1/u1", "g1/u1"]);
  });

  it("does not cache while a write of the game is in progress", async () => {
    const access = cache();
    access.beginWrite("g1");
    await access.getPlayerAccess("g1", "u1");
    await access.getPlayerAccess("g1", "u1");
    expect(rows.queries).toHaveLength(2);
    access.endWrite("g1");
    await access.getPlayerAccess("g1", "u1");
    await access.getPlayerAccess("g1", "u1");
    expect(rows.queries).toHaveLength(3);
  });

  it("drops every game on a write it cannot attribute", async () => {
    rows.runtimes.set("g2", { status: "running", endpoint: "y" });
    const access = cache();
    await access.getPlayerAccess("g1", "u1");
    await access.getPlayerAccess("g2", "u1");
    access.beginWrite(null);
    access.endWrite(null);
    expect(access.size).toBe(0);
  });

  it("drops a game's view on another replica's invalidation, and keeps the read in flight from being stored", async () => {
    rows.runtimes.set("g2", { status: "running", endpoint: "y" });
    const access = cache();
    await access.getPlayerAccess("g1", "u1");
    await access.getPlayerAccess("g2", "u1");
    const release = hold();
    // Another replica stops g1: this replica's read was sent before, the broadcast arrives while it travels.
    const inFlight = access.getPlayerAccess("g1", "u2");
    rows.runtimes.set("g1", { status: "stopped", endpoint: "http://e/games/g1" });
    access.invalidate("g1");
    release();
    expect((await inFlight)?.status).toBe("running");
    expect((await access.getPlayerAccess("g1", "u1"))?.status).toBe("stopped");
    expect((await access.getPlayerAccess("g2", "u1"))?.status).toBe("running");
    expect(rows.queries).toEqual(["g1/u1", "g2/u1", "g1/u2", "g1/u1"]);
  });

  it("drops every view on clear (a missed broadcast)", async () => {
    const access = cache();
    await access.getPlayerAccess("g1", "u1");
    rows.runtimes.set("g1", { status: "finished", endpoint: "http://e/games/g1" });
    access.clear();
    expect(access.size).toBe(0);
    expect((await access.getPlayerAccess("g1", "u1"))?.status).toBe("finished");
  });

  it("shares one read among concurrent misses of the same user", async () => {
    const access = cache();
    const release = hold();
    const answers = Array.from({ length: 50 }, () => access.getPlayerAccess("g1", "u1"));
    release();
    expect(new Set((await Promise.all(answers)).map((a) => a?.raceName))).toEqual(
      new Set(["Aelinari"]),
    );
    expect(rows.queries).toEqual(["g1/u1"]);
  });

  it("caches nothing when the read fails", async () => {
    const access = cache();
    rows.failure = new Error("database unavailable");
    await expect(access.getPlayerAccess("g1", "u1")).rejects.toThrow("database unavailable");
    rows.failure = undefined;
    expect((await access.getPlayerAccess("g1", "u1"))?.raceName).toBe("Aelinari");
    expect(rows.queries).toHaveLength(2);
  });

  it("evicts the least recently used game beyond maxGames", async () => {
    for (const game of ["a", "b", "c"])
      rows.runtimes.set(game, { status: "running", endpoint: game });
    const access = cache({ maxGames: 2 });
    await access.getPlayerAccess("a", "u");
    await access.getPlayerAccess("b", "u");
    await access.getPlayerAccess("a", "u");
    await access.getPlayerAccess("c", "u"); // evicts b
    expect(access.size).toBe(2);
    await access.getPlayerAccess("a", "u");
    await access.getPlayerAccess("b", "u");
    expect(rows.queries).toEqual(["a/u", "b/u", "c/u", "b/u"]);
  });
});
