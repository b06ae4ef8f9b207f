import { beforeEach, describe, expect, it } from "vitest";
import { FakeEventPublisher } from "../test/fakes.js";
import { createRtmStubApp } from "./app.js";
import { containerIdFor } from "./contracts.js";
import { RtmStubState, type StubCall } from "./state.js";

const NOW = 1_800_000_000_000;

let state: RtmStubState;
let events: FakeEventPublisher;
let app: ReturnType<typeof createRtmStubApp>;

function post(path: string, body: unknown): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

async function expectError(response: Promise<Response>, status: number, code: string) {
  const res = await response;
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return body.error.message;
}

async function calls(): Promise<StubCall[]> {
  const res = await app.request("/_stub/calls");
  return ((await res.json()) as { calls: StubCall[] }).calls;
}

beforeEach(() => {
  state = new RtmStubState();
  events = new FakeEventPublisher();
  app = createRtmStubApp({ state, events, now: () => NOW, lifecycleEventDelayMs: 0 });
});

async function healthEventsSoon(count: number) {
  for (let attempt = 0; attempt < 50 && events.healthEvents.length < count; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return events.healthEvents;
}

describe("rtm stub REST", () => {
  it("answers /healthz", async () => {
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("stops a runtime and records the call", async () => {
    const res = await post("/api/v1/internal/runtimes/g-1/stop", { reason: "admin_request" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ game_id: "g-1", status: "stopped" });
    expect(await calls()).toEqual([
      {
        kind: "rest",
        operation: "stop",
        game_id: "g-1",
        body: { reason: "admin_request" },
        outcome: "success",
        error_code: "",
        at: new Date(NOW).toISOString(),
      },
    ]);
  });

  it("patches a runtime and records the call", async () => {
    const res = await post("/api/v1/internal/runtimes/g-1/patch", {
      image_ref: "galaxy/game:1.2.4",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ game_id: "g-1", image_ref: "galaxy/game:1.2.4" });
    expect((await calls())[0]).toMatchObject({ operation: "patch", outcome: "success" });
  });

  it("rejects invalid stop and patch bodies with the invalid_request envelope", async () => {
    await expectError(post("/api/v1/internal/runtimes/g/stop", {}), 400, "invalid_request");
    await expectError(
      post("/api/v1/internal/runtimes/g/stop", { reason: "bored" }),
      400,
      "invalid_request",
    );
    const unknown = await expectError(
      post("/api/v1/internal/runtimes/g/stop", { reason: "cancelled", force: true }),
      400,
      "invalid_request",
    );
    expect(unknown).toContain("force");
    await expectError(post("/api/v1/internal/runtimes/g/patch", "{"), 400, "invalid_request");
    await expectError(
      post("/api/v1/internal/runtimes/g/patch", { image_ref: "" }),
      400,
      "invalid_request",
    );
    expect((await calls()).map((call) => call.kind === "rest" && call.outcome)).toEqual([
      "invalid",
      "invalid",
      "invalid",
      "invalid",
      "invalid",
    ]);
  });

  it("answers unknown routes with not_found", async () => {
    await expectError(Promise.resolve(app.request("/api/v1/nope")), 404, "not_found");
  });
});

describe("rtm stub container events (as the real RTM's Docker events)", () => {
  it("publishes container_exited after a successful stop", async () => {
    await post("/api/v1/internal/runtimes/g-1/stop", { reason: "cancelled" });
    expect(await healthEventsSoon(1)).toEqual([
      {
        game_id: "g-1",
        container_id: containerIdFor("g-1"),
        event_type: "container_exited",
        occurred_at_ms: NOW,
        details: { exit_code: 0, reason: "cancelled" },
      },
    ]);
  });

  it("publishes container_started after a successful patch", async () => {
    await post("/api/v1/internal/runtimes/g-1/patch", { image_ref: "galaxy/game:1.2.4" });
    expect(await healthEventsSoon(1)).toEqual([
      {
        game_id: "g-1",
        container_id: containerIdFor("g-1"),
        event_type: "container_started",
        occurred_at_ms: NOW,
        details: { image_ref: "galaxy/game:1.2.4" },
      },
    ]);
  });

  it("publishes nothing for a failed or invalid stop or patch", async () => {
    await post("/_stub/fail-next", { operation: "stop" });
    await post("/api/v1/internal/runtimes/g/stop", { reason: "admin_request" });
    await post("/api/v1/internal/runtimes/g/patch", { image_ref: "" });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(events.healthEvents).toEqual([]);
  });

  it("still answers the call when the event cannot be published", async () => {
    events.failNextPublish = true;
    const res = await post("/api/v1/internal/runtimes/g/stop", { reason: "admin_request" });
    expect(res.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(events.healthEvents).toEqual([]);
  });
});

describe("rtm stub controls", () => {
  it("fail-next stop fails exactly the next stop with 500 internal_error by default", async () => {
    const armed = await post("/_stub/fail-next", { operation: "stop" });
    expect(await armed.json()).toEqual({
      operation: "stop",
      error_code: "internal_error",
      status: 500,
      pending: 1,
    });
    await expectError(
      post("/api/v1/internal/runtimes/g/stop", { reason: "admin_request" }),
      500,
      "internal_error",
    );
    const ok = await post("/api/v1/internal/runtimes/g/stop", { reason: "admin_request" });
    expect(ok.status).toBe(200);
    expect((await calls()).map((call) => call.kind === "rest" && call.outcome)).toEqual([
      "failure",
      "success",
    ]);
  });

  it("fail-next patch answers with the chosen code and its status", async () => {
    await post("/_stub/fail-next", { operation: "patch", error_code: "engine_unreachable" });
    await expectError(
      post("/api/v1/internal/runtimes/g/patch", { image_ref: "img" }),
      502,
      "engine_unreachable",
    );
    await post("/_stub/fail-next", { operation: "patch", error_code: "docker_down", status: 503 });
    await expectError(
      post("/api/v1/internal/runtimes/g/patch", { image_ref: "img" }),
      503,
      "docker_down",
    );
    await post("/_stub/fail-next", { operation: "patch", error_code: "weird_code" });
    await expectError(
      post("/api/v1/internal/runtimes/g/patch", { image_ref: "img" }),
      500,
      "weird_code",
    );
  });

  it("queues several armed failures", async () => {
    await post("/_stub/fail-next", { operation: "stop" });
    const second = await post("/_stub/fail-next", { operation: "stop" });
    expect(((await second.json()) as { pending: number }).pending).toBe(2);
    for (let i = 0; i < 2; i += 1) {
      await expectError(
        post("/api/v1/internal/runtimes/g/stop", { reason: "timeout" }),
        500,
        "internal_error",
      );
    }
    expect((await post("/api/v1/internal/runtimes/g/stop", { reason: "timeout" })).status).toBe(
      200,
    );
  });

  it("fail-next start is armed with container_start_failed by default", async () => {
    const res = await post("/_stub/fail-next", { operation: "start" });
    expect(await res.json()).toEqual({
      operation: "start",
      error_code: "container_start_failed",
      pending: 1,
    });
    expect(state.pending().start).toBe(1);
  });

  it("rejects a bad fail-next body", async () => {
    await expectError(post("/_stub/fail-next", { operation: "restart" }), 400, "invalid_request");
    await expectError(
      post("/_stub/fail-next", { operation: "stop", x: 1 }),
      400,
      "invalid_request",
    );
  });

  it("publishes one health event with defaults", async () => {
    const res = await post("/_stub/health-events", { game_id: "g-1", event_type: "container_oom" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: "1-1" });
    expect(events.healthEvents).toEqual([
      {
        game_id: "g-1",
        container_id: containerIdFor("g-1"),
        event_type: "container_oom",
        occurred_at_ms: NOW,
        details: {},
      },
    ]);
  });

  it("publishes a health event with details, container id and time", async () => {
    await post("/_stub/health-events", {
      game_id: "g-1",
      event_type: "probe_failed",
      details: { consecutive_failures: 3 },
      container_id: "abc",
      occurred_at_ms: 5,
    });
    expect(events.healthEvents[0]).toEqual({
      game_id: "g-1",
      container_id: "abc",
      event_type: "probe_failed",
      occurred_at_ms: 5,
      details: { consecutive_failures: 3 },
    });
  });

  it("rejects an unknown health event type", async () => {
    await expectError(
      post("/_stub/health-events", { game_id: "g", event_type: "exploded" }),
      400,
      "invalid_request",
    );
    await expectError(
      post("/_stub/health-events", { game_id: "g", event_type: "probe_failed", details: [1] }),
      400,
      "invalid_request",
    );
    expect(events.healthEvents).toEqual([]);
  });

  it("clears calls and resets armed failures", async () => {
    await post("/api/v1/internal/runtimes/g/stop", { reason: "finished" });
    expect((await app.request("/_stub/calls", { method: "DELETE" })).status).toBe(204);
    expect(await calls()).toEqual([]);
    await post("/_stub/fail-next", { operation: "stop" });
    await post("/api/v1/internal/runtimes/g/stop", { reason: "finished" });
    await post("/_stub/fail-next", { operation: "stop" });
    expect((await app.request("/_stub/reset", { method: "POST" })).status).toBe(204);
    expect(await calls()).toEqual([]);
    expect(state.pending()).toEqual({ stop: 0, patch: 0, start: 0 });
  });
});
