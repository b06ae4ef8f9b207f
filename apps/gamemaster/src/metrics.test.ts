import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics.js";

describe("createMetrics", () => {
  it("renders every GM metric in its own registry", async () => {
    const metrics = createMetrics({
      defaultMetrics: false,
      countRuntimesByStatus: async () => ({ running: 3, finished: 1 }),
    });
    metrics.recordRegisterRuntime("failure", "engine_unreachable");
    metrics.observeEngineCall("init", "unreachable", 0.2);
    metrics.recordLobbyEventPublished("runtime_snapshot_update");
    metrics.observeHttpRequest("POST", "/api/v1/internal/games/:game_id/runtime", 502, 0.25);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'gamemaster_register_runtime_total{outcome="failure",error_code="engine_unreachable"} 1',
    );
    expect(text).toContain(
      'gamemaster_engine_call_duration_seconds_count{operation="init",outcome="unreachable"} 1',
    );
    expect(text).toContain(
      'gamemaster_lobby_events_published_total{event_type="runtime_snapshot_update"} 1',
    );
    expect(text).toContain('gamemaster_runtimes{status="running"} 3');
    expect(text).toContain('gamemaster_runtimes{status="starting"} 0');
    expect(text).toContain(
      'gamemaster_http_request_duration_seconds_count{method="POST",route="/api/v1/internal/games/:game_id/runtime",status="502"} 1',
    );
  });

  it("keeps serving the scrape when the runtime count fails", async () => {
    let fail = false;
    const metrics = createMetrics({
      defaultMetrics: false,
      countRuntimesByStatus: async () => {
        if (fail) throw new Error("database down");
        return { running: 2 };
      },
    });
    expect(await metrics.registry.metrics()).toContain('gamemaster_runtimes{status="running"} 2');
    fail = true;
    expect(await metrics.registry.metrics()).toContain('gamemaster_runtimes{status="running"} 2');
  });

  it("names the replica in gamemaster_instance_info", async () => {
    const metrics = createMetrics({ defaultMetrics: false, instanceId: "gm-b:17" });
    metrics.recordCacheInvalidation("received", "membership");
    const text = await metrics.registry.metrics();
    expect(text).toContain('gamemaster_instance_info{instance_id="gm-b:17"} 1');
    expect(text).toContain(
      'gamemaster_cache_invalidations_total{direction="received",kind="membership"} 1',
    );
  });

  it("lets two instances coexist in one process", () => {
    expect(() => {
      createMetrics();
      createMetrics();
    }).not.toThrow();
  });
});
