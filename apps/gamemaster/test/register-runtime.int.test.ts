import { type RunningEngineStub, startEngineStub } from "@galaxy/engine-stub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGameMaster, type TestGameMaster } from "./support/gamemaster.js";

let t: TestGameMaster;
let engine: RunningEngineStub;

const members = [
  { user_id: "user-1", race_name: "Aelinari" },
  { user_id: "user-2", race_name: "Borg" },
  { user_id: "user-3", race_name: "Cylon" },
];

function registerBody(gameId: string, overrides: Record<string, unknown> = {}) {
  return {
    engine_endpoint: engine.engineEndpoint(gameId),
    members,
    target_engine_version: "1.4.2",
    turn_schedule: "0 */6 * * *",
    ...overrides,
  };
}

async function stub(gameId: string, control: string, body?: unknown) {
  const response = await fetch(`${engine.url}/games/${gameId}/_stub/${control}`, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
}

async function rowsOf(gameId: string) {
  const records = await t.sql.query("SELECT * FROM gamemaster.runtime_records WHERE game_id = $1", [
    gameId,
  ]);
  const mappings = await t.sql.query(
    "SELECT * FROM gamemaster.player_mappings WHERE game_id = $1 ORDER BY user_id",
    [gameId],
  );
  const log = await t.sql.query(
    "SELECT * FROM gamemaster.operation_log WHERE game_id = $1 ORDER BY id",
    [gameId],
  );
  return { records: records.rows, mappings: mappings.rows, log: log.rows };
}

/** The lobby events stream, once the outbox relay has published every committed row. */
async function lobbyEvents(): Promise<Record<string, string>[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const left = await t.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM gamemaster.outbox",
    );
    if (left.rows[0]?.n === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const entries = await t.redis.xrange(t.config.streams.lobbyEvents, "-", "+");
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let index = 0; index + 1 < fields.length; index += 2) {
      record[fields[index] ?? ""] = fields[index + 1] ?? "";
    }
    return record;
  });
}

beforeAll(async () => {
  engine = await startEngineStub({ host: "127.0.0.1" });
  t = await startTestGameMaster({ label: "gm_register" });
  const created = await t.call("POST", "/api/v1/internal/engine-versions", {
    version: "1.4.2",
    image_ref: "registry.galaxy.internal/galaxy/game:1.4.2",
  });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await t?.close();
  await engine?.close();
});

describe("register-runtime against PostgreSQL, Redis and the engine stub", () => {
  it("registers a running runtime, stores mappings, logs and publishes a snapshot", async () => {
    const before = Date.now();
    const response = await t.call(
      "POST",
      "/api/v1/internal/games/game-ok/runtime",
      registerBody("game-ok"),
      {
        "x-op-source": "lobby_internal",
        "x-source-ref": "lobby:start:42",
      },
    );
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      game_id: "game-ok",
      status: "running",
      current_turn: 0,
      current_engine_version: "1.4.2",
      current_image_ref: "registry.galaxy.internal/galaxy/game:1.4.2",
      engine_endpoint: engine.engineEndpoint("game-ok"),
      engine_health: "",
    });
    const nextAt = Date.parse((response.body as { next_generation_at: string }).next_generation_at);
    expect(nextAt).toBeGreaterThan(before);
    expect(nextAt % (6 * 3600 * 1000)).toBe(0);

    const rows = await rowsOf("game-ok");
    expect(rows.records).toHaveLength(1);
    expect(rows.records[0]).toMatchObject({ status: "running", current_turn: 0 });
    expect(rows.mappings.map((row) => [row.user_id, row.race_name])).toEqual([
      ["user-1", "Aelinari"],
      ["user-2", "Borg"],
      ["user-3", "Cylon"],
    ]);
    for (const row of rows.mappings) {
      expect(row.engine_player_uuid).toMatch(/.+/);
    }
    expect(rows.log).toHaveLength(1);
    expect(rows.log[0]).toMatchObject({
      op_kind: "register_runtime",
      op_source: "lobby_internal",
      source_ref: "lobby:start:42",
      outcome: "success",
      error_code: "",
    });

    const events = (await lobbyEvents()).filter((event) => event.game_id === "game-ok");
    expect(events).toHaveLength(1);
    const snapshot = events[0] ?? {};
    expect(Object.keys(snapshot).sort()).toEqual(
      [
        "event_type",
        "event_id",
        "game_id",
        "current_turn",
        "runtime_status",
        "engine_health_summary",
        "player_turn_stats",
        "occurred_at_ms",
      ].sort(),
    );
    expect(snapshot).toMatchObject({
      event_type: "runtime_snapshot_update",
      game_id: "game-ok",
      current_turn: "0",
      runtime_status: "running",
      engine_health_summary: "",
    });
    const stats = JSON.parse(snapshot.player_turn_stats ?? "[]") as { user_id: string }[];
    expect(stats.map((entry) => entry.user_id)).toEqual(["user-1", "user-2", "user-3"]);
    for (const entry of stats) {
      expect(Object.keys(entry).sort()).toEqual(["planets", "population", "user_id"]);
    }
    expect(Number(snapshot.occurred_at_ms)).toBeGreaterThanOrEqual(before);
    expect(snapshot.event_id).toMatch(/^[0-9a-f-]{36}$/);

    const read = await t.call("GET", "/api/v1/internal/games/game-ok/runtime");
    expect(read.body).toEqual(response.body);
    expect((await t.call("GET", "/api/v1/internal/games/game-ok/liveness")).body).toEqual({
      ready: true,
      status: "running",
    });
  });

  it("refuses a second register with 409 conflict and leaves the first untouched", async () => {
    await t.call("POST", "/api/v1/internal/games/game-twice/runtime", registerBody("game-twice"));
    const again = await t.call(
      "POST",
      "/api/v1/internal/games/game-twice/runtime",
      registerBody("game-twice", { turn_schedule: "0 0 * * *" }),
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "conflict" } });
    const rows = await rowsOf("game-twice");
    expect(rows.records[0]?.turn_schedule).toBe("0 */6 * * *");
    expect(rows.log.map((row) => [row.outcome, row.error_code])).toEqual([
      ["success", ""],
      ["failure", "conflict"],
    ]);
  });

  it("lets exactly one of two concurrent registers of one game win", async () => {
    const [a, b] = await Promise.all([
      t.call("POST", "/api/v1/internal/games/game-race/runtime", registerBody("game-race")),
      t.call("POST", "/api/v1/internal/games/game-race/runtime", registerBody("game-race")),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const rows = await rowsOf("game-race");
    expect(rows.records).toHaveLength(1);
    expect(rows.records[0]?.status).toBe("running");
    expect(rows.mappings).toHaveLength(3);
  });

  const failures: [string, (gameId: string) => Promise<void>, number, string][] = [
    [
      "engine 4xx",
      (id) => stub(id, "fail-next-call?op=init&status=400&message=roster%20too%20big"),
      422,
      "engine_validation_error",
    ],
    [
      "engine 5xx",
      (id) => stub(id, "fail-next-call?op=init&status=500"),
      502,
      "engine_unreachable",
    ],
    [
      "engine timeout",
      (id) => stub(id, "slow-next-call?op=init&ms=3000"),
      502,
      "engine_unreachable",
    ],
    [
      "a garbage engine body",
      (id) => stub(id, "fail-next-call?op=init&kind=garbage"),
      502,
      "engine_protocol_violation",
    ],
    [
      "a wrong roster",
      (id) => stub(id, "init-roster-override", { race_names: ["Aelinari", "Borg", "Dalek"] }),
      502,
      "engine_protocol_violation",
    ],
    [
      "a short roster",
      (id) => stub(id, "init-roster-override", { race_names: ["Aelinari", "Borg"] }),
      502,
      "engine_protocol_violation",
    ],
  ];

  it.each(failures)("rolls back cleanly on %s", async (name, arm, status, code) => {
    const gameId = `game-${name.replaceAll(/[^a-z0-9]+/g, "-")}`;
    await arm(gameId);
    const response = await t.call(
      "POST",
      `/api/v1/internal/games/${gameId}/runtime`,
      registerBody(gameId),
      { "x-op-source": "lobby_internal" },
    );
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ error: { code } });
    if (code === "engine_validation_error") {
      expect(response.body).toMatchObject({ error: { message: "roster too big" } });
    }
    const rows = await rowsOf(gameId);
    expect(rows.records).toEqual([]);
    expect(rows.mappings).toEqual([]);
    expect(rows.log).toHaveLength(1);
    expect(rows.log[0]).toMatchObject({
      op_kind: "register_runtime",
      op_source: "lobby_internal",
      outcome: "failure",
      error_code: code,
    });
    expect((await lobbyEvents()).filter((event) => event.game_id === gameId)).toEqual([]);
    expect((await t.call("GET", `/api/v1/internal/games/${gameId}/runtime`)).status).toBe(404);
  });

  it("answers 404 engine_version_not_found for a missing version, writing only a log entry", async () => {
    const missing = await t.call(
      "POST",
      "/api/v1/internal/games/game-nover/runtime",
      registerBody("game-nover", { target_engine_version: "9.9.9" }),
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "engine_version_not_found" } });
    const rows = await rowsOf("game-nover");
    expect(rows.records).toEqual([]);
    expect(rows.log.map((row) => row.error_code)).toEqual(["engine_version_not_found"]);
  });

  it("registers a runtime whose version was deprecated after Lobby resolved it (decision 100)", async () => {
    await t.call("POST", "/api/v1/internal/engine-versions", {
      version: "0.9.0",
      image_ref: "galaxy/game:0.9.0",
    });
    const resolved = await t.call("GET", "/api/v1/internal/engine-versions/0.9.0/image-ref");
    expect(resolved.status).toBe(200);
    await t.call("DELETE", "/api/v1/internal/engine-versions/0.9.0");

    const registered = await t.call(
      "POST",
      "/api/v1/internal/games/game-deprecated/runtime",
      registerBody("game-deprecated", { target_engine_version: "0.9.0" }),
    );
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      status: "running",
      current_engine_version: "0.9.0",
      current_image_ref: "galaxy/game:0.9.0",
    });
    const rows = await rowsOf("game-deprecated");
    expect(rows.records.map((row) => row.status)).toEqual(["running"]);
    expect(rows.log.map((row) => row.outcome)).toEqual(["success"]);
    // Deprecation still stops new resolves.
    const again = await t.call("GET", "/api/v1/internal/engine-versions/0.9.0/image-ref");
    expect(again.status).toBe(404);
  });

  const member = (user_id: string, race_name: string) => ({ user_id, race_name });
  it.each([
    ["an unknown field", (id: string) => ({ ...registerBody(id), actor: "Borg" })],
    ["a wrong type", (id: string) => ({ ...registerBody(id), members: { user_id: "u" } })],
    ["empty members", (id: string) => ({ ...registerBody(id), members: [] })],
    [
      "a duplicate user",
      (id: string) => ({ ...registerBody(id), members: [member("u1", "A"), member("u1", "B")] }),
    ],
    [
      "a duplicate race",
      (id: string) => ({ ...registerBody(id), members: [member("u1", "A"), member("u2", "A")] }),
    ],
    ["an invalid cron", (id: string) => ({ ...registerBody(id), turn_schedule: "0 25 * * *" })],
    [
      "an invalid semver",
      (id: string) => ({ ...registerBody(id), target_engine_version: "1.4.2.1" }),
    ],
    ["malformed JSON", () => '{"engine_endpoint": '],
    [
      "an oversized body",
      (id: string) => ({
        ...registerBody(id),
        members: Array.from({ length: 9000 }, (_, index) =>
          member(`user-${index}-${"x".repeat(100)}`, `race-${index}`),
        ),
      }),
    ],
  ])("refuses %s with a 400 envelope, creates nothing and logs the failure", async (name, body) => {
    const gameId = `bad-${name.replaceAll(/[^a-z0-9]+/g, "-")}`;
    const response = await t.call(
      "POST",
      `/api/v1/internal/games/${gameId}/runtime`,
      body(gameId),
      { "x-op-source": "lobby_internal", "x-source-ref": "req-bad" },
    );
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: "invalid_request" } });
    const rows = await rowsOf(gameId);
    expect(rows.records).toEqual([]);
    expect(rows.mappings).toEqual([]);
    expect(rows.log).toHaveLength(1);
    expect(rows.log[0]).toMatchObject({
      op_kind: "register_runtime",
      op_source: "lobby_internal",
      outcome: "failure",
      source_ref: "req-bad",
      error_code: "invalid_request",
      error_message: (response.body as { error: { message: string } }).error.message,
    });
    const calls = await fetch(`${engine.url}/games/${gameId}/_stub/calls`);
    expect(((await calls.json()) as { calls: unknown[] }).calls).toEqual([]);
  });

  it("exposes register outcomes and engine latency in /metrics", async () => {
    const metrics = await t.call("GET", "/metrics");
    expect(metrics.status).toBe(200);
    const text = String(metrics.body);
    expect(text).toMatch(
      /gamemaster_register_runtime_total\{outcome="success",error_code=""\} \d+/,
    );
    expect(text).toMatch(
      /gamemaster_register_runtime_total\{outcome="failure",error_code="engine_unreachable"\} \d+/,
    );
    expect(text).toMatch(
      /gamemaster_engine_call_duration_seconds_count\{operation="init",outcome="ok"\} \d+/,
    );
    expect(text).toMatch(
      /gamemaster_lobby_events_published_total\{event_type="runtime_snapshot_update"\} \d+/,
    );
    expect(text).toMatch(/gamemaster_runtimes\{status="running"\} \d+/);
    expect(text).toMatch(
      /gamemaster_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/internal\/games\/:game_id\/runtime",status="201"\} \d+/,
    );
  });
});

describe("engine-version registry against PostgreSQL", () => {
  it("refuses a hard delete while a live runtime uses the version, allows it after", async () => {
    const blocked = await t.call("DELETE", "/api/v1/internal/engine-versions/1.4.2?hard=true");
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ error: { code: "engine_version_in_use" } });
    const created = await t.call("POST", "/api/v1/internal/engine-versions", {
      version: "2.0.0",
      image_ref: "galaxy/game:2.0.0",
    });
    expect(created.status).toBe(201);
    expect(
      (await t.call("DELETE", "/api/v1/internal/engine-versions/2.0.0?hard=true")).status,
    ).toBe(204);
  });

  it("resolves image refs of active versions only", async () => {
    expect((await t.call("GET", "/api/v1/internal/engine-versions/1.4.2/image-ref")).body).toEqual({
      image_ref: "registry.galaxy.internal/galaxy/game:1.4.2",
    });
    const deprecated = await t.call("GET", "/api/v1/internal/engine-versions/0.9.0/image-ref");
    expect(deprecated.status).toBe(404);
    expect(deprecated.body).toMatchObject({ error: { code: "engine_version_not_found" } });
  });
});
