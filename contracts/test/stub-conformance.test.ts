import { createEngineStubApp } from "@galaxy/engine-stub";
import { ERROR_CODES } from "@galaxy/errors";
import {
  createGmClient,
  createLobbyStubApp,
  LobbyService,
  LobbyState,
  StubTelemetry,
} from "@galaxy/lobby-stub";
import {
  createRtmStubApp,
  encodeHealthEvent,
  encodeJobResult,
  HEALTH_EVENT_TYPES as RTM_HEALTH_EVENT_TYPES,
  STOP_REASONS as RTM_STOP_REASONS,
  RtmStubState,
} from "@galaxy/rtm-stub";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { requireMessagePayload, requireParsedAsyncApi } from "./support/asyncapi.js";
import { createResponseChecker, type ResponseChecker } from "./support/conformance.js";
import { checkStreamEntry, createExampleValidator } from "./support/examples.js";
import { CONTRACT_FILES, contractPath, readYamlDocument } from "./support/files.js";
import { validateOpenApi } from "./support/openapi.js";
import { HEALTH_EVENT_TYPES, STOP_REASONS } from "./support/spec.js";

// docs/reference.md#neighbour-contracts: "the stubs implement these". These tests drive the stubs in-process and check every
// answer (status declared, body valid) against the contract documents.

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

describe("apps/engine-stub conforms to engine/engine-openapi.yaml", () => {
  let checker: ResponseChecker;

  beforeAll(async () => {
    checker = createResponseChecker(
      await validateOpenApi(readYamlDocument(CONTRACT_FILES.engineOpenApi)),
    );
  });

  it("answers the happy path GM drives with contract-shaped bodies", async () => {
    const app = createEngineStubApp({ finishAtTurn: 2 });
    const game = "/games/conformance-1";
    const calls: Array<[string, Response | Promise<Response>]> = [
      ["healthz", app.request("/healthz")],
      [
        "adminInitGame",
        await app.request(
          `${game}/api/v1/admin/init`,
          json("POST", { races: [{ race_name: "Aelinari" }, { race_name: "Borg" }] }),
        ),
      ],
      ["adminGetGameStatus", await app.request(`${game}/api/v1/admin/status`)],
      ["adminGenerateTurn", await app.request(`${game}/api/v1/admin/turn`, { method: "POST" })],
      [
        "executeCommands",
        await app.request(
          `${game}/api/v1/command`,
          json("POST", { actor: "Aelinari", cmd: [{ type: "rename_planet", planet: 1 }] }),
        ),
      ],
      [
        "putOrders",
        await app.request(
          `${game}/api/v1/order`,
          json("PUT", { actor: "Aelinari", orders: [{ type: "move_fleet", fleet: 1 }] }),
        ),
      ],
      ["getReport", await app.request(`${game}/api/v1/report?player=Aelinari&turn=1`)],
      [
        "adminBanishRace",
        await app.request(`${game}/api/v1/admin/race/banish`, json("POST", { race_name: "Borg" })),
      ],
      ["adminGenerateTurn", await app.request(`${game}/api/v1/admin/turn`, { method: "POST" })],
      ["healthz", app.request(`${game}/healthz`)],
    ];
    const problems: string[] = [];
    for (const [operationId, response] of calls) {
      const answer = await response;
      expect(answer.status, operationId).toBeLessThan(300);
      problems.push(...(await checker.check(operationId, answer)));
    }
    expect(problems).toEqual([]);
  });

  it("answers refusals and failures with declared statuses and the error envelope", async () => {
    const app = createEngineStubApp({ finishAtTurn: 1 });
    const game = "/games/conformance-2";
    await app.request(
      `${game}/api/v1/admin/init`,
      json("POST", { races: [{ race_name: "Aelinari" }] }),
    );
    const failures: Array<[string, () => Promise<Response>]> = [
      [
        "adminInitGame",
        async () => app.request(`${game}/api/v1/admin/init`, json("POST", { races: [], x: 1 })),
      ],
      ["adminGetGameStatus", async () => app.request("/games/unknown/api/v1/admin/status")],
      ["getReport", async () => app.request(`${game}/api/v1/report?player=Aelinari&turn=9`)],
      ["getReport", async () => app.request(`${game}/api/v1/report?player=Nobody&turn=0`)],
      [
        "executeCommands",
        async () =>
          app.request(`${game}/api/v1/command`, json("POST", { actor: "Nobody", cmd: [] })),
      ],
      [
        "putOrders",
        async () => app.request(`${game}/api/v1/order`, json("PUT", { actor: "Aelinari" })),
      ],
      [
        "adminBanishRace",
        async () =>
          app.request(`${game}/api/v1/admin/race/banish`, json("POST", { race_name: "Nobody" })),
      ],
      [
        "adminGenerateTurn",
        async () => {
          await app.request(`${game}/_stub/fail-next-turn`, { method: "POST" });
          return app.request(`${game}/api/v1/admin/turn`, { method: "POST" });
        },
      ],
      [
        "adminGenerateTurn",
        async () => {
          await app.request(`${game}/api/v1/admin/turn`, { method: "POST" });
          return app.request(`${game}/api/v1/admin/turn`, { method: "POST" });
        },
      ],
    ];
    const problems: string[] = [];
    for (const [operationId, call] of failures) {
      const answer = await call();
      expect(answer.status, operationId).toBeGreaterThanOrEqual(400);
      problems.push(...(await checker.check(operationId, answer)));
    }
    expect(problems).toEqual([]);
  });
});

describe("the response checker", () => {
  it("reports an undeclared status, a body that breaks the schema and a body that is not JSON", async () => {
    const checker = createResponseChecker(
      await validateOpenApi(readYamlDocument(CONTRACT_FILES.engineOpenApi)),
    );
    const turn = { turn: "1", finished: false, players: [], score: 3 };
    const asJson = { "content-type": "application/json" };
    expect([
      ...(await checker.check("adminGenerateTurn", new Response("{}", { status: 418 }))),
      ...(await checker.check(
        "adminGenerateTurn",
        new Response(JSON.stringify(turn), { headers: asJson }),
      )),
      ...(await checker.check("adminGenerateTurn", new Response("<html>oops</html>"))),
    ]).toEqual([
      "adminGenerateTurn answered 418, which the contract does not declare (body: {})",
      "adminGenerateTurn answered 200: / must NOT have additional properties; /turn must be integer",
      'adminGenerateTurn answered 200 with Content-Type "text/plain;charset=UTF-8", not application/json',
      "adminGenerateTurn answered 200 with a body that is not JSON: <html>oops</html>",
    ]);
  });

  it("reports a missing or malformed documented header and an error code the description does not name", async () => {
    const envelope = {
      type: "object",
      properties: {
        error: {
          type: "object",
          properties: { code: { type: "string" }, message: { type: "string" } },
          required: ["code", "message"],
        },
      },
      required: ["error"],
    };
    const api = {
      openapi: "3.1.0",
      paths: {
        "/things": {
          get: {
            operationId: "listThings",
            responses: {
              "200": {
                description: "The things.",
                headers: { "x-total": { required: true, schema: { type: "integer" } } },
                content: { "application/json": { schema: { type: "array" } } },
              },
              "404": {
                description: "runtime_not_found, or not_found: no such thing.",
                content: { "application/json": { schema: envelope } },
              },
            },
          },
        },
      },
    };
    const checker = createResponseChecker(api, { errorCodes: ["not_found", "runtime_not_found"] });
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      checker.check(
        "listThings",
        new Response(JSON.stringify(body), {
          status,
          headers: { "content-type": "application/json", ...headers },
        }),
      );
    const lost = (code: string) => ({ error: { code, message: "gone" } });
    expect([
      ...(await answer(200, [], { "x-total": "3" })),
      ...(await answer(404, lost("not_found"))),
      ...(await answer(404, lost("runtime_not_found"))),
    ]).toEqual([]);
    expect([
      ...(await answer(200, [])),
      ...(await answer(200, [], { "x-total": "three" })),
      ...(await answer(404, lost("engine_version_not_found"))),
    ]).toEqual([
      "listThings answered 200 without the header x-total",
      "listThings answered 200 header x-total: / must be integer",
      'listThings answered 404 with code "engine_version_not_found"; the contract names not_found, runtime_not_found',
    ]);
  });
});

describe("apps/rtm-stub conforms to the rtm contracts", () => {
  let checker: ResponseChecker;

  beforeAll(async () => {
    checker = createResponseChecker(
      await validateOpenApi(readYamlDocument(CONTRACT_FILES.rtmOpenApi)),
    );
  });

  function rtmApp() {
    return createRtmStubApp({
      state: new RtmStubState(),
      events: {
        publishHealthEvent: async () => "0-1",
        publishJobResult: async () => "0-1",
        publishIntent: async () => "0-1",
      },
    });
  }

  it("shares the stop reasons and health event types", () => {
    expect([...RTM_STOP_REASONS].sort()).toEqual([...STOP_REASONS].sort());
    expect([...RTM_HEALTH_EVENT_TYPES].sort()).toEqual([...HEALTH_EVENT_TYPES].sort());
  });

  it("answers stop and patch (and their failures) as rtm-internal-openapi.yaml declares", async () => {
    const app = rtmApp();
    const base = "/api/v1/internal/runtimes/conformance-1";
    const calls: Array<[string, () => Promise<Response>]> = [
      ["internalHealthz", async () => app.request("/healthz")],
      [
        "internalStopRuntime",
        async () => app.request(`${base}/stop`, json("POST", { reason: "admin_request" })),
      ],
      [
        "internalPatchRuntime",
        async () => app.request(`${base}/patch`, json("POST", { image_ref: "galaxy/game:1.4.3" })),
      ],
      [
        "internalStopRuntime",
        async () => app.request(`${base}/stop`, json("POST", { reason: "bored" })),
      ],
      [
        "internalPatchRuntime",
        async () => app.request(`${base}/patch`, json("POST", { image_ref: "x", force: true })),
      ],
      [
        "internalStopRuntime",
        async () => {
          await app.request("/_stub/fail-next", json("POST", { operation: "stop" }));
          return app.request(`${base}/stop`, json("POST", { reason: "timeout" }));
        },
      ],
      [
        "internalPatchRuntime",
        async () => {
          await app.request(
            "/_stub/fail-next",
            json("POST", { operation: "patch", error_code: "image_pull_failed" }),
          );
          return app.request(`${base}/patch`, json("POST", { image_ref: "galaxy/game:1.4.4" }));
        },
      ],
    ];
    const problems: string[] = [];
    for (const [operationId, call] of calls) {
      problems.push(...(await checker.check(operationId, await call())));
    }
    expect(problems).toEqual([]);
  });

  it("encodes job results and every health event type as the AsyncAPI documents declare", async () => {
    const jobs = await requireParsedAsyncApi(
      readYamlDocument(CONTRACT_FILES.rtmJobs),
      contractPath(CONTRACT_FILES.rtmJobs),
    );
    const events = await requireParsedAsyncApi(
      readYamlDocument(CONTRACT_FILES.gamemasterEvents),
      contractPath(CONTRACT_FILES.gamemasterEvents),
    );
    const validator = createExampleValidator("draft-07");
    const result = requireMessagePayload(jobs, "runtime:job_results", "job_result");
    const health = requireMessagePayload(events, "runtime:health_events", "runtime_health_event");
    const problems = [
      ...checkStreamEntry(
        validator,
        result,
        encodeJobResult({
          game_id: "g1",
          outcome: "success",
          engine_endpoint: "http://127.0.0.1:8090/games/g1",
          error_code: "",
          error_message: "",
          completed_at_ms: 1_767_225_600_000,
        }),
        "encodeJobResult(success)",
      ),
      ...checkStreamEntry(
        validator,
        result,
        encodeJobResult({
          game_id: "g1",
          outcome: "failure",
          engine_endpoint: "",
          error_code: "image_pull_failed",
          error_message: "manifest unknown",
          completed_at_ms: 1_767_225_600_000,
        }),
        "encodeJobResult(failure)",
      ),
      ...RTM_HEALTH_EVENT_TYPES.flatMap((eventType) =>
        checkStreamEntry(
          validator,
          health,
          encodeHealthEvent({
            game_id: "g1",
            container_id: "4f1d2c3b5a69",
            event_type: eventType,
            occurred_at_ms: 1_767_225_600_000,
            details: {},
          }),
          `encodeHealthEvent(${eventType})`,
        ),
      ),
    ];
    expect(problems).toEqual([]);
  });
});

describe("apps/lobby-stub conforms to lobby/lobby-internal-openapi.yaml", () => {
  let checker: ResponseChecker;

  beforeAll(async () => {
    checker = createResponseChecker(
      await validateOpenApi(readYamlDocument(CONTRACT_FILES.lobbyOpenApi)),
      { errorCodes: ERROR_CODES },
    );
  });

  /** A lobby stub with game conformance-1 (one active, one blocked, one removed member). */
  async function lobbyWithRoster() {
    const logger = pino({ level: "silent" });
    const telemetry = new StubTelemetry();
    const gm = createGmClient({
      baseUrl: "http://gm.invalid",
      timeoutMs: 100,
      fetch: async () => {
        throw new Error("GM is not part of this test");
      },
    });
    const service = new LobbyService({
      state: new LobbyState(),
      gm,
      telemetry,
      logger,
      startJobs: { publish: async () => {} },
      intents: { publish: async () => {} },
    });
    const app = createLobbyStubApp({ service, telemetry, logger });
    await app.request(
      "/api/v1/games",
      json("POST", {
        game_id: "conformance-1",
        name: "Conformance",
        target_engine_version: "1.2.3",
        turn_schedule: "0 * * * *",
      }),
    );
    for (const [userId, raceName] of [
      ["user-1", "Aelinari"],
      ["user-2", "Borg"],
      ["user-3", "Cylon"],
    ]) {
      await app.request(
        "/api/v1/games/conformance-1/members",
        json("POST", { user_id: userId, race_name: raceName }),
      );
    }
    await app.request("/api/v1/games/conformance-1/members/user-2/block", { method: "POST" });
    await app.request("/api/v1/games/conformance-1/members/user-3/remove", { method: "POST" });
    return app;
  }

  const roster = [
    { user_id: "user-1", race_name: "Aelinari", status: "active" },
    { user_id: "user-2", race_name: "Borg", status: "blocked" },
    { user_id: "user-3", race_name: "Cylon", status: "removed" },
  ];

  it("answers the memberships GM reads (and an unknown game) as declared", async () => {
    const app = await lobbyWithRoster();
    const answer = await app.request("/api/v1/internal/games/conformance-1/memberships");
    expect(answer.status).toBe(200);
    const body: unknown = await answer.clone().json();
    expect(body).toEqual({ memberships: expect.arrayContaining(roster) });
    expect([
      ...(await checker.check("internalListGameMemberships", answer)),
      ...(await checker.check(
        "internalListGameMemberships",
        await app.request("/api/v1/internal/games/unknown/memberships"),
      )),
      ...(await checker.check("internalHealthz", await app.request("/healthz"))),
    ]).toEqual([]);
  });

  it("answers the batch lookup (known, unknown and repeated games) as declared", async () => {
    const app = await lobbyWithRoster();
    const answer = await app.request(
      "/api/v1/internal/memberships/lookup",
      json("POST", { game_ids: ["conformance-1", "unknown", "conformance-1"] }),
    );
    expect(answer.status).toBe(200);
    const body: unknown = await answer.clone().json();
    expect(body).toEqual({
      games: [{ game_id: "conformance-1", memberships: expect.arrayContaining(roster) }],
    });
    expect(await checker.check("internalLookupMemberships", answer)).toEqual([]);
  });

  it("refuses a malformed batch lookup with a declared 400 invalid_request", async () => {
    const app = await lobbyWithRoster();
    const lookup = (body: string) =>
      app.request("/api/v1/internal/memberships/lookup", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    const problems: string[] = [];
    for (const body of [
      "{not json",
      "{}",
      JSON.stringify({ game_ids: [] }),
      JSON.stringify({ game_ids: Array.from({ length: 1001 }, () => "conformance-1") }),
      JSON.stringify({ game_ids: ["conformance-1", 7] }),
      JSON.stringify({ game_ids: [""] }),
    ]) {
      const answer = await lookup(body);
      expect(answer.status, body.slice(0, 40)).toBe(400);
      problems.push(...(await checker.check("internalLookupMemberships", answer)));
    }
    expect(problems).toEqual([]);
  });
});
