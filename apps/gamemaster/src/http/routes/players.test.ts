import { describe, expect, it } from "vitest";
import { createTestApp } from "../../../test/support/app-harness.js";
import { seedRunningGame } from "../../../test/support/fakes.js";

describe("GET /api/v1/internal/games/{game_id}/players", () => {
  it("lists user ↔ race with the last published stats, null where none was published", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    t.lastStats.remember("g1", [{ userId: "user-1", planets: 5, population: 510 }]);
    const response = await t.app.request("/api/v1/internal/games/g1/players");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: Record<string, unknown>[] };
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.find((p) => p.user_id === "user-1")).toEqual({
      user_id: "user-1",
      race_name: "Aelinari",
      engine_player_uuid: "uuid-Aelinari",
      stats: { planets: 5, population: 510 },
    });
    for (const other of body.items.filter((p) => p.user_id !== "user-1")) {
      expect(other.stats).toBeNull();
    }
    const races = body.items.map((p) => p.race_name as string);
    expect(races).toEqual([...races].sort());
  });

  it("answers runtime_not_found for an unknown game and invalid_request for a bad id", async () => {
    const t = createTestApp();
    const missing = await t.app.request("/api/v1/internal/games/nope/players");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "runtime_not_found" } });
    const bad = await t.app.request("/api/v1/internal/games/%20bad/players");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_request" } });
  });
});
