import { isGalaxyError } from "@galaxy/errors";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeLobby, lobbyDown } from "../../test/support/fakes.js";
import type { CacheInvalidation } from "../ports/cache-invalidation.js";
import { createCacheInvalidationHandler } from "../wiring.js";
import { MembershipCache } from "./membership-cache.js";

let lobby: FakeLobby;
let now: number;
let counts: { hits: number; misses: number };

let broadcasts: CacheInvalidation[];

function cache(options: { ttlMs?: number; maxGames?: number } = {}): MembershipCache {
  return new MembershipCache({
    lobby,
    invalidations: { publish: (invalidation) => broadcasts.push(invalidation) },
    ttlMs: options.ttlMs ?? 30_000,
    maxGames: options.maxGames ?? 10,
    now: () => now,
    telemetry: {
      recordMembershipCacheHit: () => {
        counts.hits += 1;
      },
      recordMembershipCacheMiss: () => {
        counts.misses += 1;
      },
    },
  });
}

beforeEach(() => {
  lobby = new FakeLobby();
  lobby.setRoster("g1", [
    ["u1", "Aelinari", "active"],
    ["u2", "Borg", "removed"],
    ["u3", "Cylon", "blocked"],
  ]);
  lobby.setRoster("g2", [["u9", "Dalek", "active"]]);
  now = 1_000;
  counts = { hits: 0, misses: 0 };
  broadcasts = [];
});

describe("MembershipCache", () => {
  it("loads a game's roster from Lobby on a miss and answers each user's status", async () => {
    const memberships = cache();
    expect(await memberships.resolve("g1", "u1")).toBe("active");
    expect(lobby.calls).toEqual(["g1"]);
    expect(await memberships.resolve("g1", "u2")).toBe("removed");
    expect(await memberships.resolve("g1", "u3")).toBe("blocked");
    expect(await memberships.resolve("g1", "nobody")).toBeNull();
    expect(counts).toEqual({ hits: 3, misses: 1 });
  });

  it("answers a hit from memory without calling Lobby", async () => {
    const memberships = cache();
    await memberships.resolve("g1", "u1");
    lobby.failure = lobbyDown();
    for (let index = 0; index < 5; index += 1) {
      expect(await memberships.resolve("g1", "u1")).toBe("active");
    }
    expect(lobby.calls).toHaveLength(1);
    expect(counts).toEqual({ hits: 5, misses: 1 });
  });

  it("keeps one roster per game (a user of another game is not a member here)", async () => {
    const memberships = cache();
    expect(await memberships.resolve("g1", "u9")).toBeNull();
    expect(await memberships.resolve("g2", "u9")).toBe("active");
    expect(await memberships.resolve("g2", "u1")).toBeNull();
    expect(lobby.calls).toEqual(["g1", "g2"]);
  });

  it("reloads a roster once its TTL has passed", async () => {
    const memberships = cache({ ttlMs: 30_000 });
    await memberships.resolve("g1", "u1");
    now += 29_999;
    await memberships.resolve("g1", "u1");
    expect(lobby.calls).toHaveLength(1);
    lobby.setRoster("g1", [["u1", "Aelinari", "blocked"]]);
    now += 1;
    expect(await memberships.resolve("g1", "u1")).toBe("blocked");
    expect(lobby.calls).toHaveLength(2);
  });

  it("does not answer from an expired roster when Lobby is down (fails closed)", async () => {
    const memberships = cache({ ttlMs: 1_000 });
    await memberships.resolve("g1", "u1");
    now += 1_000;
    lobby.failure = lobbyDown();
    const error = await memberships.resolve("g1", "u1").catch((caught: unknown) => caught);
    expect(isGalaxyError(error) && error.code).toBe("service_unavailable");
  });

  it("never reuses a roster with a TTL of 0", async () => {
    const memberships = cache({ ttlMs: 0 });
    await memberships.resolve("g1", "u1");
    await memberships.resolve("g1", "u1");
    expect(lobby.calls).toHaveLength(2);
    expect(memberships.size).toBe(0);
  });

  it("evicts the least recently used game beyond maxGames", async () => {
    for (const game of ["a", "b", "c"]) lobby.setRoster(game, [["u", "R", "active"]]);
    const memberships = cache({ maxGames: 2 });
    await memberships.resolve("a", "u");
    await memberships.resolve("b", "u");
    await memberships.resolve("a", "u"); // a is now more recent than b
    await memberships.resolve("c", "u"); // evicts b
    expect(memberships.size).toBe(2);
    expect(lobby.calls).toEqual(["a", "b", "c"]);
    await memberships.resolve("a", "u");
    await memberships.resolve("c", "u");
    expect(lobby.calls).toEqual(["a", "b", "c"]);
    await memberships.resolve("b", "u");
    expect(lobby.calls).toEqual(["a", "b", "c", "b"]);
  });

  it("reloads after invalidate(game_id) and leaves other games cached", async () => {
    const memberships = cache();
    await memberships.resolve("g1", "u1");
    await memberships.resolve("g2", "u9");
    lobby.setRoster("g1", [["u1", "Aelinari", "removed"]]);
    memberships.invalidate("g1");
    expect(await memberships.resolve("g1", "u1")).toBe("removed");
    expect(await memberships.resolve("g2", "u9")).toBe("active");
    expect(lobby.calls).toEqual(["g1", "g2", "g1"]);
  });

  it("accepts invalidate for a game it never cached", () => {
    const memberships = cache();
    expect(() => memberships.invalidate("unknown")).not.toThrow();
    expect(() => memberships.invalidate("unknown")).not.toThrow();
  });

  it("shares one Lobby call among 100 concurrent misses of one game", async () => {
    lobby.delayMs = 20;
    const memberships = cache();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        memberships.resolve("g1", index % 2 === 0 ? "u1" : "u3"),
      ),
    );
    expect(lobby.calls).toEqual(["g1"]);
    expect(answers.filter((answer) => answer === "active")).toHaveLength(50);
    expect(answers.filter((answer) => answer === "blocked")).toHaveLength(50);
    expect(counts.misses).toBe(100);
    await memberships.resolve("g1", "u1");
    expect(lobby.calls).toEqual(["g1"]);
  });

  it("fails every waiter of a failed load with service_unavailable, caches nothing and retries next time", async () => {
    lobby.delayMs = 10;
    lobby.failure = lobbyDown();
    const memberships = cache();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => memberships.resolve("g1", "u1")),
    );
    expect(lobby.calls).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      const reason = result.status === "rejected" ? result.reason : undefined;
      expect(isGalaxyError(reason) && reason.code).toBe("service_unavailable");
    }
    expect(memberships.size).toBe(0);
    lobby.failure = undefined;
    expect(await memberships.resolve("g1", "u1")).toBe("active");
    expect(lobby.calls).toHaveLength(2);
  });

  it("does not store a roster whose load was in flight when the game was invalidated", async () => {
    lobby.delayMs = 20;
    const memberships = cache();
    const early = memberships.resolve("g1", "u1");
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Lobby commits a roster change and calls the hook while the old roster is in flight.
    lobby.setRoster("g1", [["u1", "Aelinari", "blocked"]]);
    memberships.invalidate("g1");
    const late = memberships.resolve("g1", "u1");
    expect(await early).toBe("active"); // raced with the change: the old answer is acceptable
    expect(await late).toBe("blocked"); // arrived after the hook: a fresh load
    expect(lobby.calls).toEqual(["g1", "g1"]);
    expect(await memberships.resolve("g1", "u1")).toBe("blocked");
    expect(lobby.calls).toHaveLength(2);
  });

  it("treats a game Lobby does not know as a game without members", async () => {
    const memberships = cache();
    expect(await memberships.resolve("ghost", "u1")).toBeNull();
    expect(await memberships.resolve("ghost", "u1")).toBeNull();
    expect(lobby.calls).toEqual(["ghost"]);
  });

  it("lets a non-active row win when Lobby lists a user twice (fails closed)", async () => {
    lobby.setRoster("dup", [
      ["u1", "A", "blocked"],
      ["u1", "A", "active"],
      ["u2", "B", "active"],
      ["u2", "B", "removed"],
    ]);
    const memberships = cache();
    expect(await memberships.resolve("dup", "u1")).toBe("blocked");
    expect(await memberships.resolve("dup", "u2")).toBe("removed");
  });

  it("refuses a non-positive maxGames", () => {
    expect(() => cache({ maxGames: 0 })).toThrow(RangeError);
  });
});

describe("MembershipCache.members", () => {
  it("returns the whole roster from the same cache as resolve", async () => {
    const memberships = cache();
    const roster = await memberships.members("g1");
    expect([...roster.entries()]).toEqual([
      ["u1", "active"],
      ["u2", "removed"],
      ["u3", "blocked"],
    ]);
    expect(await memberships.resolve("g1", "u1")).toBe("active");
    expect(lobby.calls).toEqual(["g1"]);
  });

  it("fails closed with service_unavailable like resolve", async () => {
    lobby.failure = lobbyDown();
    const error = await cache()
      .members("g1")
      .catch((caught: unknown) => caught);
    expect(isGalaxyError(error) && error.code).toBe("service_unavailable");
  });

  it("tells the other replicas about Lobby's invalidation, but not about one it got from them", async () => {
    const memberships = cache();
    await memberships.resolve("g1", "u1");
    memberships.invalidate("g1");
    expect(broadcasts).toEqual([{ kind: "membership", gameId: "g1" }]);
    await memberships.resolve("g1", "u1");
    memberships.drop("g1");
    expect(broadcasts).toHaveLength(1);
    await memberships.resolve("g1", "u1");
    expect(lobby.calls).toEqual(["g1", "g1", "g1"]);
  });
});

describe("createCacheInvalidationHandler", () => {
  it("applies another replica's broadcast to the cache it names, and drops everything on resync", async () => {
    const memberships = cache();
    const dropped: string[] = [];
    const runtimeView = {
      invalidate: (gameId: string) => dropped.push(`runtime ${gameId}`),
      clear: () => dropped.push("runtime *"),
    };
    const handler = createCacheInvalidationHandler({ memberships, runtimeView });
    await memberships.resolve("g1", "u1");
    await memberships.resolve("g2", "u9");

    lobby.setRoster("g1", [["u1", "Aelinari", "removed"]]);
    handler.apply({ kind: "membership", gameId: "g1" });
    expect(await memberships.resolve("g1", "u1")).toBe("removed");
    expect(dropped).toEqual([]);

    handler.apply({ kind: "runtime", gameId: "g2" });
    handler.apply({ kind: "runtime_all" });
    expect(dropped).toEqual(["runtime g2", "runtime *"]);
    expect(memberships.size).toBe(2);

    handler.resync();
    expect(memberships.size).toBe(0);
    expect(dropped).toEqual(["runtime g2", "runtime *", "runtime *"]);
    // Applying a broadcast never re-broadcasts it.
    expect(broadcasts).toEqual([]);
  });

  describe("warm (a batch of due turns)", () => {
    it("reads the rosters of the games it lacks in one lookup; resolving them then asks Lobby nothing", async () => {
      lobby.lookupSupported = true;
      const memberships = cache();
      expect(await memberships.resolve("g2", "u9")).toBe("active");
      lobby.calls.length = 0;
      await memberships.warm(["g1", "g2", "g3", "g1"]);
      expect(lobby.lookups).toEqual([["g1", "g3"]]);
      expect(await memberships.resolve("g1", "u1")).toBe("active");
      expect(await memberships.resolve("g1", "u3")).toBe("blocked");
      expect(await memberships.resolve("g3", "anyone")).toBeNull();
      expect(lobby.calls).toEqual([]);
      expect(memberships.size).toBe(3);
    });

    it("a request made while the lookup runs joins it instead of calling Lobby", async () => {
      lobby.lookupSupported = true;
      lobby.delayMs = 30;
      const memberships = cache();
      const warming = memberships.warm(["g1"]);
      expect(await memberships.resolve("g1", "u1")).toBe("active");
      await warming;
      expect(lobby.calls).toEqual([]);
      expect(lobby.lookups).toHaveLength(1);
    });

    it("falls back to one call per game when Lobby has no lookup", async () => {
      const memberships = cache();
      await memberships.warm(["g1", "g2"]);
      expect(lobby.calls.sort()).toEqual(["g1", "g2"]);
      expect(await memberships.resolve("g1", "u2")).toBe("removed");
      expect(lobby.calls).toHaveLength(2);
    });

    it("a failed lookup leaves nothing cached and never rejects; the next request asks Lobby again", async () => {
      lobby.lookupSupported = true;
      lobby.failure = lobbyDown();
      const memberships = cache();
      await expect(memberships.warm(["g1"])).resolves.toBeUndefined();
      expect(memberships.size).toBe(0);
      lobby.failure = undefined;
      expect(await memberships.resolve("g1", "u1")).toBe("active");
    });

    it("a roster invalidated while the lookup runs is not stored", async () => {
      lobby.lookupSupported = true;
      lobby.delayMs = 30;
      const memberships = cache();
      const warming = memberships.warm(["g1"]);
      memberships.invalidate("g1");
      await warming;
      expect(memberships.size).toBe(0);
    });

    it("does nothing with a TTL of 0 (nothing it read would be kept)", async () => {
      lobby.lookupSupported = true;
      await cache({ ttlMs: 0 }).warm(["g1"]);
      expect(lobby.lookups).toEqual([]);
      expect(lobby.calls).toEqual([]);
    });
  });
});
