import { describe, expect, it } from "vitest";
import { createTestApp, jsonRequest } from "../../../test/support/app-harness.js";
import { seedRunningGame } from "../../../test/support/fakes.js";

const GAME = "/api/v1/internal/games/g1";

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  return text === "" ? null : JSON.parse(text);
}

describe("admin routes", () => {
  it("force-next-turn answers the record after the turn and logs the caller's source", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    const response = await t.app.request(`${GAME}/runtime/force-next-turn`, {
      method: "POST",
      headers: { "x-op-source": "lobby_internal", "x-source-ref": "ticket-7" },
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      game_id: "g1",
      status: "running",
      current_turn: 1,
      skip_next_tick: true,
    });
    expect(t.operationLog.entries[0]).toMatchObject({
      opKind: "force_next_turn",
      opSource: "lobby_internal",
      sourceRef: "ticket-7",
    });
  });

  it("force-next-turn maps refusals and engine failures to the envelope", async () => {
    const t = createTestApp();
    const missing = await t.app.request(`${GAME}/runtime/force-next-turn`, { method: "POST" });
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: { code: "runtime_not_found" } });

    await seedRunningGame(t.runtimes, "g1", { status: "stopped" });
    const stopped = await t.app.request(`${GAME}/runtime/force-next-turn`, { method: "POST" });
    expect(stopped.status).toBe(409);
    expect(await json(stopped)).toMatchObject({ error: { code: "conflict" } });
  });

  it("stop validates the reason strictly", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    for (const body of [{}, { reason: "bored" }, { reason: "timeout", actor: "x" }]) {
      const response = await t.app.request(`${GAME}/runtime/stop`, jsonRequest("POST", body));
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ error: { code: "invalid_request" } });
    }
    expect(t.rtm.calls).toEqual([]);
    const ok = await t.app.request(
      `${GAME}/runtime/stop`,
      jsonRequest("POST", { reason: "orphan_cleanup" }),
    );
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ status: "stopped", next_generation_at: null });
  });

  it("stop answers 502 runtime_manager_unavailable when RTM fails and 409 once stopped", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    t.rtm.failNext("stop");
    const failed = await t.app.request(
      `${GAME}/runtime/stop`,
      jsonRequest("POST", { reason: "admin_request" }),
    );
    expect(failed.status).toBe(502);
    expect(await json(failed)).toMatchObject({ error: { code: "runtime_manager_unavailable" } });
    await t.app.request(`${GAME}/runtime/stop`, jsonRequest("POST", { reason: "admin_request" }));
    const again = await t.app.request(
      `${GAME}/runtime/stop`,
      jsonRequest("POST", { reason: "admin_request" }),
    );
    expect(again.status).toBe(409);
  });

  it("patch answers 422 semver_patch_only for a minor bump and 200 for a patch", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    for (const version of ["1.4.3", "1.5.0"]) {
      await t.versions.insert({
        version,
        imageRef: `galaxy/game:${version}`,
        options: {},
        status: "active",
        createdAt: t.clock.now(),
        updatedAt: t.clock.now(),
      });
    }
    const minor = await t.app.request(
      `${GAME}/runtime/patch`,
      jsonRequest("POST", { version: "1.5.0" }),
    );
    expect(minor.status).toBe(422);
    expect(await json(minor)).toMatchObject({ error: { code: "semver_patch_only" } });
    const patch = await t.app.request(
      `${GAME}/runtime/patch`,
      jsonRequest("POST", { version: "1.4.3" }),
    );
    expect(patch.status).toBe(200);
    expect(await json(patch)).toMatchObject({
      current_engine_version: "1.4.3",
      current_image_ref: "galaxy/game:1.4.3",
    });
    const unknownField = await t.app.request(
      `${GAME}/runtime/patch`,
      jsonRequest("POST", { version: "1.4.3", image_ref: "x" }),
    );
    expect(unknownField.status).toBe(400);
  });

  it("banish answers 204, 404 not_found for an unmapped race, 400 for a blank race", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    const ok = await t.app.request(`${GAME}/races/Borg/banish`, { method: "POST" });
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe("");
    const unmapped = await t.app.request(`${GAME}/races/Dalek/banish`, { method: "POST" });
    expect(unmapped.status).toBe(404);
    expect(await json(unmapped)).toMatchObject({ error: { code: "not_found" } });
    const blank = await t.app.request(`${GAME}/races/%20/banish`, { method: "POST" });
    expect(blank.status).toBe(400);
  });
});
