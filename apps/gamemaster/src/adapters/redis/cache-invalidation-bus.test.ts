import { describe, expect, it } from "vitest";
import type { CacheInvalidation } from "../../ports/cache-invalidation.js";
import { decodeInvalidation, encodeInvalidation } from "./cache-invalidation-bus.js";

describe("cache invalidation messages", () => {
  it("round-trips every kind with its sender", () => {
    const kinds: CacheInvalidation[] = [
      { kind: "membership", gameId: "g-1" },
      { kind: "runtime", gameId: "g-2" },
      { kind: "runtime_all" },
      { kind: "runtimes", gameIds: ["g-3", "g-4"] },
    ];
    for (const invalidation of kinds) {
      expect(decodeInvalidation(encodeInvalidation(invalidation, "gm-a:1"))).toEqual({
        ok: true,
        from: "gm-a:1",
        invalidation,
      });
    }
  });

  it("writes the documented JSON", () => {
    expect(JSON.parse(encodeInvalidation({ kind: "runtime", gameId: "g" }, "a"))).toEqual({
      v: 1,
      from: "a",
      kind: "runtime",
      game_id: "g",
    });
  });

  it.each([
    ["not json", "not JSON"],
    ["42", "not an object"],
    ['{"v":2,"kind":"runtime","game_id":"g"}', "unknown version 2"],
    ['{"v":1,"kind":"runtime"}', "game_id missing"],
    ['{"v":1,"kind":"membership","game_id":""}', "game_id missing"],
    ['{"v":1,"kind":"engine_versions"}', 'unknown kind "engine_versions"'],
    ['{"v":1,"kind":"runtimes","game_ids":[]}', "game_ids missing or not a list of game ids"],
    ['{"v":1,"kind":"runtimes","game_ids":["g",""]}', "game_ids missing or not a list of game ids"],
  ])("refuses %s (%s)", (message, reason) => {
    expect(decodeInvalidation(message)).toEqual({ ok: false, reason });
  });
});
