import { type RunningEngineStub, startEngineStub } from "@galaxy/engine-stub";
import { freePort } from "@galaxy/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGameMaster, type TestGameMaster } from "./support/gamemaster.js";

// GM pointed at a Redis port where nothing listens: readiness must say so, and
// register-runtime must still succeed (the snapshot is best effort after the CAS).

let t: TestGameMaster;
let engine: RunningEngineStub;

beforeAll(async () => {
  engine = await startEngineStub({ host: "127.0.0.1" });
  const deadPort = await freePort();
  t = await startTestGameMaster({
    label: "gm_redis_outage",
    env: { GAMEMASTER_REDIS_URL: `redis://127.0.0.1:${deadPort}/0` },
    start: { readinessTimeoutMs: 300 },
  });
});

afterAll(async () => {
  await t?.close();
  await engine?.close();
});

describe("Redis outage", () => {
  it("stays in rotation with redis shown as degraded in /readyz and still registers runtimes", async () => {
    const ready = await t.call("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: "degraded",
      degraded: ["redis", "cache_invalidation"],
      outbox_backlog: 0,
    });

    await t.call("POST", "/api/v1/internal/engine-versions", {
      version: "1.0.0",
      image_ref: "galaxy/game:1.0.0",
    });
    const started = Date.now();
    const response = await t.call("POST", "/api/v1/internal/games/g1/runtime", {
      engine_endpoint: engine.engineEndpoint("g1"),
      members: [{ user_id: "u1", race_name: "A" }],
      target_engine_version: "1.0.0",
      turn_schedule: "0 * * * *",
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: "running" });
    expect(Date.now() - started).toBeLessThan(10_000);
    const log = await t.sql.query(
      "SELECT outcome FROM gamemaster.operation_log WHERE game_id = 'g1'",
    );
    expect(log.rows).toEqual([{ outcome: "success" }]);
    // The snapshot waits in the outbox, visible in /readyz and /metrics.
    const degraded = await t.call("GET", "/readyz");
    expect(degraded.body).toMatchObject({ status: "degraded", outbox_backlog: 1 });
    const metrics = String((await t.call("GET", "/metrics")).body);
    expect(metrics).toMatch(/^gamemaster_outbox_backlog 1$/m);
    expect(metrics).toMatch(/^gamemaster_outbox_oldest_age_seconds \d/m);
  });
});
