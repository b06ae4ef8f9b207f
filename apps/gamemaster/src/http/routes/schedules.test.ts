import { describe, expect, it } from "vitest";
import { createTestApp, jsonRequest } from "../../../test/support/app-harness.js";
import { seedRunningGame } from "../../../test/support/fakes.js";

const GAME = "/api/v1/internal/games/g1";
const PREVIEW = "/api/v1/internal/schedules/preview";

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe("GET /games/{game_id}/runtime/schedule", () => {
  it("lists the next activations from next_generation_at, each generating a turn", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    const response = await t.app.request(`${GAME}/runtime/schedule?count=3`);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      game_id: "g1",
      status: "running",
      turn_schedule: "0 * * * *",
      current_turn: 0,
      next_generation_at: "2026-01-01T11:00:00.000Z",
      skip_next_tick: false,
      activations: [
        { at: "2026-01-01T11:00:00.000Z", generates_turn: true, skip_reason: null },
        { at: "2026-01-01T12:00:00.000Z", generates_turn: true, skip_reason: null },
        { at: "2026-01-01T13:00:00.000Z", generates_turn: true, skip_reason: null },
      ],
    });
  });

  it("after force-next-turn shows the activation the skip rule eats as skipped", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    const forced = await t.app.request(`${GAME}/runtime/force-next-turn`, { method: "POST" });
    expect(forced.status).toBe(200);
    const body = await json(await t.app.request(`${GAME}/runtime/schedule?count=2`));
    expect(body).toMatchObject({ current_turn: 1, skip_next_tick: true });
    expect(body.activations).toEqual([
      { at: "2026-01-01T11:00:00.000Z", generates_turn: false, skip_reason: "skip_next_tick" },
      { at: "2026-01-01T12:00:00.000Z", generates_turn: true, skip_reason: null },
    ]);
  });

  it("marks the activations of a runtime the scheduler does not pick up", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1", { status: "generation_failed" });
    const body = await json(await t.app.request(`${GAME}/runtime/schedule?count=1`));
    expect(body.activations).toEqual([
      { at: "2026-01-01T11:00:00.000Z", generates_turn: false, skip_reason: "runtime_not_running" },
    ]);
  });

  it("is empty for a stopped runtime (not scheduled)", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1", { status: "stopped", nextGenerationAt: null });
    const body = await json(await t.app.request(`${GAME}/runtime/schedule`));
    expect(body).toMatchObject({ status: "stopped", next_generation_at: null, activations: [] });
  });

  it("defaults to 10 activations and refuses a count outside 1..100", async () => {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "g1");
    const body = await json(await t.app.request(`${GAME}/runtime/schedule`));
    expect(body.activations).toHaveLength(10);
    for (const count of ["0", "101", "ten", "1.5"]) {
      const response = await t.app.request(`${GAME}/runtime/schedule?count=${count}`);
      expect(response.status, count).toBe(400);
      expect(await json(response)).toMatchObject({ error: { code: "invalid_request" } });
    }
  });

  it("answers runtime_not_found for an unknown game", async () => {
    const t = createTestApp();
    const response = await t.app.request(`${GAME}/runtime/schedule`);
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ error: { code: "runtime_not_found" } });
  });
});

describe("POST /schedules/preview", () => {
  it("lists the activations of an expression after the given time", async () => {
    const t = createTestApp();
    const response = await t.app.request(
      PREVIEW,
      jsonRequest("POST", {
        turn_schedule: "0 */6 * * *",
        count: 3,
        after: "2026-03-01T05:00:00+02:00",
      }),
    );
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      turn_schedule: "0 */6 * * *",
      after: "2026-03-01T03:00:00.000Z",
      activations: [
        "2026-03-01T06:00:00.000Z",
        "2026-03-01T12:00:00.000Z",
        "2026-03-01T18:00:00.000Z",
      ],
    });
  });

  it("defaults `after` to now and `count` to 10", async () => {
    const t = createTestApp();
    const body = await json(
      await t.app.request(PREVIEW, jsonRequest("POST", { turn_schedule: "0 * * * *" })),
    );
    expect(body.after).toBe("2026-01-01T10:00:00.000Z");
    expect(body.activations).toHaveLength(10);
    expect((body.activations as string[])[0]).toBe("2026-01-01T11:00:00.000Z");
  });

  it("answers an empty list for a schedule that never fires", async () => {
    const t = createTestApp();
    const body = await json(
      await t.app.request(PREVIEW, jsonRequest("POST", { turn_schedule: "0 0 30 2 *" })),
    );
    expect(body.activations).toEqual([]);
  });

  it("names the field and the parser's reason for an invalid expression", async () => {
    const t = createTestApp();
    const response = await t.app.request(
      PREVIEW,
      jsonRequest("POST", { turn_schedule: "0 25 * * *" }),
    );
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body).toEqual({
      error: {
        code: "invalid_request",
        message: expect.stringMatching(/^invalid request: turn_schedule: hour field: .*25/),
      },
    });
  });

  it("refuses a count outside 1..100, a bad `after`, an unknown field and a missing schedule", async () => {
    const t = createTestApp();
    const bodies = [
      { turn_schedule: "0 * * * *", count: 101 },
      { turn_schedule: "0 * * * *", count: 0 },
      { turn_schedule: "0 * * * *", after: "yesterday" },
      { turn_schedule: "0 * * * *", game_id: "g1" },
      {},
    ];
    for (const body of bodies) {
      const response = await t.app.request(PREVIEW, jsonRequest("POST", body));
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await json(response)).toMatchObject({ error: { code: "invalid_request" } });
    }
  });
});
