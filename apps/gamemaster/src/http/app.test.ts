import { beforeEach, describe, expect, it } from "vitest";
import { createTestApp, jsonRequest } from "../../test/support/app-harness.js";
import { seedRunningGame } from "../../test/support/fakes.js";

const registerBody = {
  engine_endpoint: "http://engine:8080/games/g1",
  members: [
    { user_id: "u1", race_name: "Aelinari" },
    { user_id: "u2", race_name: "Borg" },
  ],
  target_engine_version: "1.4.2",
  turn_schedule: "0 * * * *",
};

let t: ReturnType<typeof createTestApp>;

async function seedVersion() {
  const response = await t.app.request(
    "/api/v1/internal/engine-versions",
    jsonRequest("POST", { version: "1.4.2", image_ref: "galaxy/game:1.4.2" }),
  );
  expect(response.status).toBe(201);
}

beforeEach(() => {
  t = createTestApp();
});

describe("probes and meta routes", () => {
  it("answers /healthz", async () => {
    const response = await t.app.request("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz 200 when everything is up and 503 naming what is down", async () => {
    expect(await (await t.app.request("/readyz")).json()).toEqual({ status: "ready" });
    const down = createTestApp({ down: ["postgres", "redis"] });
    const response = await down.app.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { code: "service_unavailable", message: "not ready: postgres, redis" },
    });
  });

  it("serves /metrics as Prometheus text", async () => {
    const response = await t.app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
  });

  it("answers an unknown route with the not_found envelope", async () => {
    const response = await t.app.request("/api/v1/internal/nope");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("echoes a valid X-Request-Id and generates one otherwise", async () => {
    const echoed = await t.app.request("/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("abc-123");
    const generated = await t.app.request("/healthz");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("register runtime over HTTP", () => {
  it("registers with 201 and the snake_case record", async () => {
    await seedVersion();
    const response = await t.app.request(
      "/api/v1/internal/games/g1/runtime",
      jsonRequest("POST", registerBody, {
        "x-op-source": "lobby_internal",
        "x-source-ref": "lobby-req-9",
        "x-request-id": "req-42",
      }),
    );
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      game_id: "g1",
      status: "running",
      current_turn: 0,
      current_image_ref: "galaxy/game:1.4.2",
      next_generation_at: "2026-01-01T11:00:00.000Z",
      started_at: "2026-01-01T10:00:00.000Z",
      stopped_at: null,
      finished_at: null,
      engine_health: "",
      skip_next_tick: false,
    });
    expect(Object.keys(body).sort()).toEqual(
      [
        "game_id",
        "status",
        "engine_endpoint",
        "current_image_ref",
        "current_engine_version",
        "turn_schedule",
        "current_turn",
        "next_generation_at",
        "skip_next_tick",
        "engine_health",
        "created_at",
        "updated_at",
        "started_at",
        "stopped_at",
        "finished_at",
      ].sort(),
    );
    expect(t.operationLog.entries[0]).toMatchObject({
      opSource: "lobby_internal",
      sourceRef: "lobby-req-9",
    });
    const registered = t.logger.lines.find((line) => line.msg === "runtime registered");
    expect(registered?.obj).toMatchObject({ request_id: "req-42", game_id: "g1" });
  });

  it("audits an unlabelled or unknown caller as admin_rest", async () => {
    await seedVersion();
    await t.app.request(
      "/api/v1/internal/games/g1/runtime",
      jsonRequest("POST", registerBody, { "x-op-source": "scheduler" }),
    );
    expect(t.operationLog.entries[0]?.opSource).toBe("admin_rest");
  });

  it("refuses a second register with 409 conflict", async () => {
    await seedVersion();
    const path = "/api/v1/internal/games/g1/runtime";
    expect((await t.app.request(path, jsonRequest("POST", registerBody))).status).toBe(201);
    const second = await t.app.request(path, jsonRequest("POST", registerBody));
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("conflict");
  });

  const member = (user_id: string, race_name: string) => ({ user_id, race_name });
  it.each([
    ["an unknown field", { ...registerBody, actor: "Borg" }, 'unknown field "actor"'],
    [
      "an unknown member field",
      { ...registerBody, members: [{ ...member("u1", "A"), extra: 1 }] },
      'unknown field "members.0.extra"',
    ],
    ["a wrong type", { ...registerBody, members: "u1" }, "members"],
    [
      "a numeric user id",
      { ...registerBody, members: [{ user_id: 1, race_name: "A" }] },
      "members.0.user_id",
    ],
    ["a missing field", { ...registerBody, turn_schedule: undefined }, "turn_schedule: required"],
    ["empty members", { ...registerBody, members: [] }, "members: must not be empty"],
    ["a blank user id", { ...registerBody, members: [member("  ", "A")] }, "members.0.user_id"],
    [
      "a duplicate user",
      { ...registerBody, members: [member("u1", "A"), member("u1", "B")] },
      'members.1.user_id: duplicate user_id "u1"',
    ],
    [
      "a duplicate race",
      { ...registerBody, members: [member("u1", "A"), member("u2", "A")] },
      'members.1.race_name: duplicate race_name "A"',
    ],
    ["an invalid cron", { ...registerBody, turn_schedule: "0 0 * *" }, "turn_schedule"],
    ["a seconds cron", { ...registerBody, turn_schedule: "0 0 0 * * *" }, "turn_schedule"],
    [
      "an invalid semver",
      { ...registerBody, target_engine_version: "1.4" },
      "target_engine_version",
    ],
    ["a non-http endpoint", { ...registerBody, engine_endpoint: "ftp://x" }, "engine_endpoint"],
    ["malformed JSON", "{not json", "invalid request"],
    ["a JSON array", "[]", "invalid request"],
  ])(
    "refuses %s with 400 invalid_request, creates nothing and logs the refusal",
    async (_name, body, message) => {
      await seedVersion();
      const response = await t.app.request(
        "/api/v1/internal/games/g1/runtime",
        jsonRequest("POST", body),
      );
      expect(response.status).toBe(400);
      const envelope = (await response.json()) as { error: { code: string; message: string } };
      expect(envelope.error.code).toBe("invalid_request");
      expect(envelope.error.message).toContain(message);
      expect(t.runtimes.records.size).toBe(0);
      expect(t.runtimes.mappings).toHaveLength(0);
      expect(t.operationLog.entries).toEqual([
        expect.objectContaining({
          gameId: "g1",
          opKind: "register_runtime",
          outcome: "failure",
          errorCode: "invalid_request",
          errorMessage: envelope.error.message,
        }),
      ]);
      expect(t.engine.calls).toHaveLength(0);
      expect(t.lobbyEvents.snapshots).toHaveLength(0);
    },
  );

  it("refuses a malformed game id with 400 and files no entry (it names no game)", async () => {
    const response = await t.app.request(
      "/api/v1/internal/games/bad%20id/runtime",
      jsonRequest("POST", registerBody),
    );
    expect(response.status).toBe(400);
    expect(t.operationLog.entries).toHaveLength(0);
  });

  it("refuses an oversized body with 400 invalid_request and writes nothing", async () => {
    const small = createTestApp({ maxBodyBytes: 512 });
    const body = {
      ...registerBody,
      members: Array.from({ length: 50 }, (_, index) => ({
        user_id: `user-${index}`,
        race_name: `race-${index}`,
      })),
    };
    const response = await small.app.request(
      "/api/v1/internal/games/g1/runtime",
      jsonRequest("POST", body),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: "invalid_request", message: "request body too large (limit 512 bytes)" },
    });
    expect(small.runtimes.records.size).toBe(0);
    expect(small.operationLog.entries).toEqual([
      expect.objectContaining({ gameId: "g1", errorCode: "invalid_request" }),
    ]);
  });

  it("maps engine failures to their codes with a clean rollback", async () => {
    await seedVersion();
    const { GalaxyError } = await import("@galaxy/errors");
    t.engine.initResult = new GalaxyError("engine_validation_error", "bad races");
    const response = await t.app.request(
      "/api/v1/internal/games/g1/runtime",
      jsonRequest("POST", registerBody),
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      error: { code: "engine_validation_error", message: "bad races" },
    });
    expect(t.runtimes.records.size).toBe(0);
  });

  it("answers 500 internal_error without details for an unexpected failure", async () => {
    await seedVersion();
    t.runtimes.faults.failNext("get", new Error("secret stack detail"));
    const response = await t.app.request(
      "/api/v1/internal/games/g1/runtime",
      jsonRequest("POST", registerBody),
    );
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: "internal_error", message: "internal error" },
    });
    expect(text).not.toContain("secret");
  });
});

describe("runtime reads over HTTP", () => {
  beforeEach(async () => {
    await seedVersion();
    for (const id of ["g1", "g2", "g3"]) {
      const response = await t.app.request(
        `/api/v1/internal/games/${id}/runtime`,
        jsonRequest("POST", { ...registerBody, engine_endpoint: `http://engine/games/${id}` }),
      );
      expect(response.status).toBe(201);
    }
  });

  it("gets a runtime or answers 404 runtime_not_found", async () => {
    const found = await t.app.request("/api/v1/internal/games/g2/runtime");
    expect(((await found.json()) as { game_id: string }).game_id).toBe("g2");
    const missing = await t.app.request("/api/v1/internal/games/zz/runtime");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      "runtime_not_found",
    );
  });

  it("lists with paging and a status filter", async () => {
    const first = await t.app.request("/api/v1/internal/runtimes?limit=2");
    const page1 = (await first.json()) as { items: { game_id: string }[]; next_cursor: string };
    expect(page1.items.map((item) => item.game_id)).toEqual(["g1", "g2"]);
    const second = await t.app.request(
      `/api/v1/internal/runtimes?limit=2&cursor=${page1.next_cursor}`,
    );
    const page2 = (await second.json()) as { items: { game_id: string }[]; next_cursor: null };
    expect(page2).toMatchObject({ items: [{ game_id: "g3" }], next_cursor: null });
    const stopped = await t.app.request("/api/v1/internal/runtimes?status=stopped");
    expect(await stopped.json()).toEqual({ items: [], next_cursor: null });
  });

  it.each(["status=paused", "limit=0", "limit=201", "limit=abc", "cursor=%2A%2A"])(
    "refuses ?%s with 400",
    async (query) => {
      const response = await t.app.request(`/api/v1/internal/runtimes?${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        "invalid_request",
      );
    },
  );

  it("answers liveness", async () => {
    const response = await t.app.request("/api/v1/internal/games/g1/liveness");
    expect(await response.json()).toEqual({ ready: true, status: "running" });
    expect((await t.app.request("/api/v1/internal/games/nope/liveness")).status).toBe(404);
  });
});

describe("engine versions over HTTP", () => {
  const base = "/api/v1/internal/engine-versions";

  it("runs the CRUD cycle", async () => {
    await seedVersion();
    const created = await t.app.request(
      base,
      jsonRequest("POST", { version: "1.5.0", image_ref: "galaxy/game:1.5.0", options: { a: 1 } }),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      version: "1.5.0",
      image_ref: "galaxy/game:1.5.0",
      options: { a: 1 },
      status: "active",
    });
    const list = (await (await t.app.request(base)).json()) as { items: { version: string }[] };
    expect(list.items.map((item) => item.version)).toEqual(["1.4.2", "1.5.0"]);

    const patched = await t.app.request(
      `${base}/1.5.0`,
      jsonRequest("PATCH", { image_ref: "galaxy/game:1.5.0-fix" }),
    );
    expect(((await patched.json()) as { image_ref: string }).image_ref).toBe(
      "galaxy/game:1.5.0-fix",
    );

    const resolved = await t.app.request(`${base}/1.5.0/image-ref`);
    expect(await resolved.json()).toEqual({ image_ref: "galaxy/game:1.5.0-fix" });

    const deprecated = await t.app.request(`${base}/1.5.0`, { method: "DELETE" });
    expect(deprecated.status).toBe(200);
    expect(((await deprecated.json()) as { status: string }).status).toBe("deprecated");
    const activeOnly = (await (await t.app.request(`${base}?status=active`)).json()) as {
      items: unknown[];
    };
    expect(activeOnly.items).toHaveLength(1);

    const notResolvable = await t.app.request(`${base}/1.5.0/image-ref`);
    expect(notResolvable.status).toBe(404);
    expect(((await notResolvable.json()) as { error: { code: string } }).error.code).toBe(
      "engine_version_not_found",
    );

    const hard = await t.app.request(`${base}/1.5.0?hard=true`, { method: "DELETE" });
    expect(hard.status).toBe(204);
    expect((await t.app.request(`${base}/1.5.0`)).status).toBe(404);
  });

  it("refuses a hard delete while a live runtime uses the version", async () => {
    await seedVersion();
    await t.app.request("/api/v1/internal/games/g1/runtime", jsonRequest("POST", registerBody));
    const response = await t.app.request(`${base}/1.4.2?hard=true`, { method: "DELETE" });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "engine_version_in_use",
    );
  });

  it.each([
    [{ version: "1.4", image_ref: "galaxy/game" }, "version"],
    [{ version: "1.4.2", image_ref: "Not A Ref" }, "image_ref"],
    [{ version: "1.4.2", image_ref: "galaxy/game", extra: true }, 'unknown field "extra"'],
    [{ version: "1.4.2", image_ref: "galaxy/game", options: [] }, "options"],
    [{ version: "1.4.2" }, "image_ref: required"],
  ])("refuses create %j with 400", async (body, message) => {
    const response = await t.app.request(base, jsonRequest("POST", body));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      message,
    );
    expect(t.versions.versions.size).toBe(0);
  });

  it("refuses an empty PATCH and a bad status", async () => {
    await seedVersion();
    expect((await t.app.request(`${base}/1.4.2`, jsonRequest("PATCH", {}))).status).toBe(400);
    expect(
      (await t.app.request(`${base}/1.4.2`, jsonRequest("PATCH", { status: "retired" }))).status,
    ).toBe(400);
  });

  it("answers 409 conflict for a duplicate version", async () => {
    await seedVersion();
    const response = await t.app.request(
      base,
      jsonRequest("POST", { version: "1.4.2", image_ref: "galaxy/game:x" }),
    );
    expect(response.status).toBe(409);
  });
});

describe("runtime list filters", () => {
  async function seeded() {
    const t = createTestApp();
    await seedRunningGame(t.runtimes, "a", { nextGenerationAt: new Date("2026-01-01T09:00:00Z") });
    await seedRunningGame(t.runtimes, "b", {
      nextGenerationAt: new Date("2026-01-01T12:00:00Z"),
      currentEngineVersion: "1.5.0",
    });
    await seedRunningGame(t.runtimes, "c", { status: "stopped", nextGenerationAt: null });
    await seedRunningGame(t.runtimes, "d", {
      status: "generation_failed",
      nextGenerationAt: new Date("2026-01-01T08:00:00Z"),
    });
    return t;
  }

  async function ids(t: ReturnType<typeof createTestApp>, query: string): Promise<string[]> {
    const response = await t.app.request(`/api/v1/internal/runtimes?${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { game_id: string }[] };
    return body.items.map((item) => item.game_id);
  }

  it("keeps runtimes scheduled strictly before next_generation_before (unscheduled ones out)", async () => {
    const t = await seeded();
    expect(await ids(t, "next_generation_before=2026-01-01T10:00:00Z")).toEqual(["a", "d"]);
    expect(await ids(t, "next_generation_before=2026-01-01T09:00:00Z")).toEqual(["d"]);
  });

  it("filters by engine version and combines filters with AND", async () => {
    const t = await seeded();
    expect(await ids(t, "engine_version=1.5.0")).toEqual(["b"]);
    expect(await ids(t, "status=running&next_generation_before=2026-01-01T10:00:00Z")).toEqual([
      "a",
    ]);
    expect(await ids(t, "status=running&engine_version=1.4.2")).toEqual(["a"]);
  });

  it.each(["next_generation_before=soon", "engine_version="])(
    "refuses ?%s with 400",
    async (query) => {
      const t = await seeded();
      const response = await t.app.request(`/api/v1/internal/runtimes?${query}`);
      expect(response.status).toBe(400);
    },
  );
});
