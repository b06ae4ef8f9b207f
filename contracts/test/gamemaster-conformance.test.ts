import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type RunningEngineStub, startEngineStub } from "@galaxy/engine-stub";
import { ERROR_CODES } from "@galaxy/errors";
import { type GameMasterHandle, loadConfig, startGameMaster } from "@galaxy/gamemaster";
import { type RunningRtmStub, startRtmStub } from "@galaxy/rtm-stub";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  type IsolatedDatabase,
  type IsolatedRedis,
  startTcpProxy,
  type TcpProxy,
} from "@galaxy/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResponseChecker, type ResponseChecker } from "./support/conformance.js";
import { CONTRACT_FILES, readYamlDocument } from "./support/files.js";
import { isObject } from "./support/json.js";
import { listOperations, validateOpenApi } from "./support/openapi.js";

// Game Master's real answers against contracts/gamemaster/internal-openapi.yaml: a real GM
// (in-process, real PostgreSQL and Redis, the engine and RTM stubs, a small Lobby) is driven
// through every operation — the success and every documented error status — and each answer's
// status, Content-Type, documented headers, body and error code (one the response's description
// names) are checked with the same parser and validator as the contract tests. The last test
// proves the coverage: every operation and every (operation, status) the contract documents was
// answered, except the statuses of NOT_PROVOKED.

const GAME = "/api/v1/internal/games";
const VERSIONS = "/api/v1/internal/engine-versions";

/**
 * Documented statuses no request can provoke deterministically, each with why. Every other
 * documented (operation, status) must be answered by the suite. Outages that the harness can
 * stage are staged instead: PostgreSQL cut at a TCP proxy (503), Lobby closed (503), the engine
 * stub's injected 5xx or a closed engine port (502), RTM's injected failure (502).
 */
const NOT_PROVOKED: Readonly<Record<string, string>> = {
  "500":
    "internal_error is a GM bug by definition (the catch-all handler); its body is the same ErrorEnvelope every provoked error is checked against",
};

interface Observed {
  operationId: string;
  status: number;
  code: string | undefined;
  problems: string[];
}

let database: IsolatedDatabase;
let redisIsolation: IsolatedRedis;
let proxy: TcpProxy;
let engine: RunningEngineStub;
let rtm: RunningRtmStub;
let lobby: { url: string; server: Server; rosters: Map<string, unknown[]> };
let gm: GameMasterHandle;
let checker: ResponseChecker;
let documented: Map<string, string[]>;
const observed: Observed[] = [];

/** Calls GM, checks the answer against the contract, records it; returns the parsed body. */
async function call(
  operationId: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    headers?: Record<string, string>;
    expect: number;
    /** The error code this case is about, when the status documents several. */
    code?: string;
  },
): Promise<unknown> {
  const response = await fetch(`${gm.url}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.body === undefined
      ? {}
      : {
          body: typeof options.body === "string" ? options.body : JSON.stringify(options.body),
        }),
  });
  const text = await response.clone().text();
  const problems = await checker.check(operationId, response);
  const parsed = parseBody(text);
  const code = errorCode(parsed);
  observed.push({ operationId, status: response.status, code, problems });
  // The status decides what state later steps find, so it stops the test; a body that breaks
  // the contract does not, so one run lists every such answer.
  expect(response.status, `${operationId} ${method} ${path}: ${text.slice(0, 300)}`).toBe(
    options.expect,
  );
  expect.soft(problems, `${operationId} ${response.status}`).toEqual([]);
  if (options.code !== undefined) expect.soft(code, `${operationId} ${path}`).toBe(options.code);
  return parsed;
}

function parseBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorCode(body: unknown): string | undefined {
  if (!isObject(body) || !isObject(body.error)) return undefined;
  return typeof body.error.code === "string" ? body.error.code : undefined;
}

/** A URL nothing listens on: a port taken from the OS and released. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const player = (userId: string) => ({ "x-user-id": userId, "x-op-source": "gateway" });

async function engineControl(gameId: string, control: string): Promise<void> {
  const response = await fetch(`${engine.url}/games/${gameId}/_stub/${control}`, {
    method: "POST",
  });
  expect(response.ok, control).toBe(true);
}

async function rtmFailNext(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${rtm.url}/_stub/fail-next`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
}

function register(gameId: string, overrides: Record<string, unknown> = {}) {
  return {
    engine_endpoint: engine.engineEndpoint(gameId),
    members: [
      { user_id: "alice", race_name: "Aelinari" },
      { user_id: "bob", race_name: "Borgh" },
    ],
    target_engine_version: "1.4.2",
    turn_schedule: "0 0 1 1 *",
    ...overrides,
  };
}

async function startLobby() {
  const rosters = new Map<string, unknown[]>();
  const server = createServer((req, res) => {
    const match = /^\/api\/v1\/internal\/games\/([^/]+)\/memberships$/.exec(req.url ?? "");
    const roster = match?.[1] === undefined ? undefined : rosters.get(match[1]);
    res.writeHead(roster === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(
      JSON.stringify(
        roster === undefined
          ? { error: { code: "not_found", message: "no such game" } }
          : { memberships: roster },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, rosters };
}

beforeAll(async () => {
  const api = await validateOpenApi(readYamlDocument(CONTRACT_FILES.gamemasterOpenApi));
  checker = createResponseChecker(api, { errorCodes: ERROR_CODES });
  documented = new Map(
    listOperations(api).map((entry) => [
      entry.operationId ?? `${entry.method} ${entry.path}`,
      isObject(entry.operation.responses) ? Object.keys(entry.operation.responses) : [],
    ]),
  );

  database = await createIsolatedDatabase("contract_gm");
  redisIsolation = await createIsolatedRedis("contract_gm");
  const pgUrl = new URL(database.url);
  proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || "5432") });
  pgUrl.hostname = "127.0.0.1";
  pgUrl.port = String(proxy.port);
  engine = await startEngineStub({ host: "127.0.0.1" });
  rtm = await startRtmStub({
    redisUrl: redisIsolation.url,
    keyPrefix: redisIsolation.keyPrefix,
    engineBaseUrl: engine.url,
    blockMs: 200,
  });
  lobby = await startLobby();
  const config = loadConfig({
    GAMEMASTER_HTTP_PORT: "0",
    GAMEMASTER_POSTGRES_URL: pgUrl.toString(),
    GAMEMASTER_POSTGRES_MAX_CONNECTIONS: "4",
    GAMEMASTER_REDIS_URL: redisIsolation.url,
    GAMEMASTER_REDIS_KEY_PREFIX: redisIsolation.keyPrefix,
    GAMEMASTER_LOBBY_BASE_URL: lobby.url,
    GAMEMASTER_RTM_BASE_URL: rtm.url,
    GAMEMASTER_ENGINE_TIMEOUT: "2s",
    GAMEMASTER_ENGINE_TURN_TIMEOUT: "5s",
    GAMEMASTER_RTM_TIMEOUT: "2s",
    GAMEMASTER_LOBBY_TIMEOUT: "1s",
    // Every membership answer is asked for again, so a Lobby outage shows on the next call.
    GAMEMASTER_MEMBERSHIP_CACHE_TTL: "0",
    GAMEMASTER_LOG_LEVEL: "silent",
  });
  gm = await startGameMaster(config, {
    host: "127.0.0.1",
    logger: pino({ level: "silent" }),
    readinessTimeoutMs: 500,
  });
}, 60_000);

afterAll(async () => {
  await gm?.close();
  await new Promise((resolve) => lobby?.server.close(resolve));
  await rtm?.close();
  await engine?.close();
  await proxy?.close();
  await redisIsolation?.cleanup();
  await database?.drop();
}, 60_000);

describe("Game Master answers as contracts/gamemaster/internal-openapi.yaml says", () => {
  it("probes and the engine-version registry", async () => {
    await call("internalHealthz", "GET", "/healthz", { expect: 200 });
    await call("internalReadyz", "GET", "/readyz", { expect: 200 });

    const create = "internalCreateEngineVersion";
    await call(create, "POST", VERSIONS, {
      body: { version: "1.4.2", image_ref: "galaxy/game:1.4.2", options: { seed: 1 } },
      expect: 201,
    });
    for (const version of ["1.4.3", "1.5.0", "9.0.0"]) {
      await call(create, "POST", VERSIONS, {
        body: { version, image_ref: `galaxy/game:${version}` },
        expect: 201,
      });
    }
    await call(create, "POST", VERSIONS, {
      body: { version: "1.4.2", image_ref: "galaxy/game:1.4.2" },
      expect: 409,
    });
    await call(create, "POST", VERSIONS, { body: { version: "1.4", image_ref: "x" }, expect: 400 });

    await call("internalListEngineVersions", "GET", VERSIONS, { expect: 200 });
    await call("internalListEngineVersions", "GET", `${VERSIONS}?status=bogus`, { expect: 400 });
    await call("internalGetEngineVersion", "GET", `${VERSIONS}/1.4.2`, { expect: 200 });
    await call("internalGetEngineVersion", "GET", `${VERSIONS}/7.7.7`, { expect: 404 });
    const update = "internalUpdateEngineVersion";
    await call(update, "PATCH", `${VERSIONS}/1.4.3`, { body: { options: { a: 1 } }, expect: 200 });
    await call(update, "PATCH", `${VERSIONS}/1.4.3`, { body: {}, expect: 400 });
    await call(update, "PATCH", `${VERSIONS}/7.7.7`, { body: { options: {} }, expect: 404 });
    const resolve = "internalResolveEngineVersionImageRef";
    await call(resolve, "GET", `${VERSIONS}/1.4.2/image-ref`, { expect: 200 });
    await call(resolve, "GET", `${VERSIONS}/7.7.7/image-ref`, { expect: 404 });
    const remove = "internalDeprecateEngineVersion";
    await call(remove, "DELETE", `${VERSIONS}/9.0.0`, { expect: 200 });
    await call(remove, "DELETE", `${VERSIONS}/9.0.0?hard=true`, { expect: 204 });
    await call(remove, "DELETE", `${VERSIONS}/9.0.0`, { expect: 404 });
  });

  it("register-runtime and the runtime views", async () => {
    const reg = "internalRegisterRuntime";
    const lobbyHeaders = { "x-op-source": "lobby_internal" };
    await call(reg, "POST", `${GAME}/g1/runtime`, {
      body: register("g1"),
      headers: lobbyHeaders,
      expect: 201,
    });
    await call(reg, "POST", `${GAME}/g1/runtime`, { body: register("g1"), expect: 409 });
    await call(reg, "POST", `${GAME}/g2/runtime`, {
      body: register("g2", { members: [] }),
      expect: 400,
    });
    await call(reg, "POST", `${GAME}/g3/runtime`, {
      body: register("g3", { target_engine_version: "7.7.7" }),
      expect: 404,
    });
    await engineControl("g4", "fail-next-call?op=init&status=400&message=roster%20too%20big");
    await call(reg, "POST", `${GAME}/g4/runtime`, { body: register("g4"), expect: 422 });
    await engineControl("g5", "fail-next-call?op=init&status=500");
    await call(reg, "POST", `${GAME}/g5/runtime`, {
      body: register("g5"),
      expect: 502,
      code: "engine_unreachable",
    });
    await call(reg, "POST", `${GAME}/g6/runtime`, {
      body: register("g6", { engine_endpoint: await closedPortUrl() }),
      expect: 502,
      code: "engine_unreachable",
    });
    // A game the patch (1.4.2 → 1.4.3) and the stop below work on, and one for the hot path.
    await call(reg, "POST", `${GAME}/p1/runtime`, { body: register("p1"), expect: 201 });
    await call(reg, "POST", `${GAME}/s1/runtime`, { body: register("s1"), expect: 201 });

    await call("internalGetRuntime", "GET", `${GAME}/g1/runtime`, { expect: 200 });
    await call("internalGetRuntime", "GET", `${GAME}/bad%20id/runtime`, { expect: 400 });
    await call("internalGetRuntime", "GET", `${GAME}/nope/runtime`, { expect: 404 });
    await call("internalListRuntimes", "GET", "/api/v1/internal/runtimes?limit=2", { expect: 200 });
    await call("internalListRuntimes", "GET", "/api/v1/internal/runtimes?limit=0", { expect: 400 });
    await call("internalGameLiveness", "GET", `${GAME}/g1/liveness`, { expect: 200 });
    await call("internalGameLiveness", "GET", `${GAME}/bad%20id/liveness`, { expect: 400 });
    await call("internalGameLiveness", "GET", `${GAME}/nope/liveness`, { expect: 404 });
    const schedule = "internalGetRuntimeSchedule";
    await call(schedule, "GET", `${GAME}/g1/runtime/schedule?count=3`, { expect: 200 });
    await call(schedule, "GET", `${GAME}/g1/runtime/schedule?count=0`, { expect: 400 });
    await call(schedule, "GET", `${GAME}/nope/runtime/schedule`, { expect: 404 });
    const preview = "internalPreviewSchedule";
    await call(preview, "POST", "/api/v1/internal/schedules/preview", {
      body: { turn_schedule: "*/15 * * * *", count: 3, after: "2026-01-01T00:00:00Z" },
      expect: 200,
    });
    await call(preview, "POST", "/api/v1/internal/schedules/preview", {
      body: { turn_schedule: "0 25 * * *" },
      expect: 400,
    });
    await call("internalListOperations", "GET", `${GAME}/g1/operations?limit=5`, { expect: 200 });
    await call("internalListOperations", "GET", `${GAME}/g1/operations?limit=0`, { expect: 400 });
    await call("internalListGamePlayers", "GET", `${GAME}/g1/players`, { expect: 200 });
    await call("internalListGamePlayers", "GET", `${GAME}/bad%20id/players`, { expect: 400 });
    await call("internalListGamePlayers", "GET", `${GAME}/nope/players`, { expect: 404 });
  });

  it("the player hot path", async () => {
    lobby.rosters.set("g1", [
      { user_id: "alice", race_name: "Aelinari", status: "active" },
      { user_id: "bob", race_name: "Borgh", status: "removed" },
    ]);
    const routes = [
      ["internalExecuteCommands", "POST", `${GAME}/g1/commands`, { commands: [{ type: "scan" }] }],
      ["internalPutOrders", "PUT", `${GAME}/g1/orders`, { orders: [{ type: "move", fleet: 1 }] }],
      ["internalGetReport", "GET", `${GAME}/g1/reports/0`, undefined],
    ] as const;
    const engineOp = { internalExecuteCommands: "command", internalPutOrders: "order" } as const;
    for (const [operationId, method, path, body] of routes) {
      const op = operationId === "internalGetReport" ? "report" : engineOp[operationId];
      const send = (headers: Record<string, string>, expectStatus: number, payload = body) =>
        call(operationId, method, path, {
          ...(payload === undefined ? {} : { body: payload }),
          headers,
          expect: expectStatus,
        });
      await send(player("alice"), 200);
      await send(player("bob"), 403);
      await call(operationId, method, path.replace("/g1/", "/nope/"), {
        ...(body === undefined ? {} : { body }),
        headers: player("alice"),
        expect: 404,
      });
      if (body === undefined) {
        await call(operationId, method, `${GAME}/g1/reports/minus-one`, {
          headers: player("alice"),
          expect: 400,
        });
      } else {
        await send(player("alice"), 400, { ...body, actor: "Borgh" } as never);
      }
      await engineControl("g1", `fail-next-call?op=${op}&status=400&message=unknown%20planet`);
      await send(player("alice"), 422);
      await engineControl("g1", `fail-next-call?op=${op}&status=500`);
      await send(player("alice"), 502);
    }
  });

  it("admin operations", async () => {
    const force = "internalForceNextTurn";
    await call(force, "POST", `${GAME}/g1/runtime/force-next-turn`, { expect: 200 });
    await call(force, "POST", `${GAME}/bad%20id/runtime/force-next-turn`, { expect: 400 });
    await call(force, "POST", `${GAME}/nope/runtime/force-next-turn`, { expect: 404 });
    await engineControl("g1", "fail-next-turn?status=400&message=no");
    await call(force, "POST", `${GAME}/g1/runtime/force-next-turn`, { expect: 422 });
    await engineControl("g1", "fail-next-turn?status=500");
    await call(force, "POST", `${GAME}/g1/runtime/force-next-turn`, { expect: 502 });
    // generation_failed → force retries it.
    await call(force, "POST", `${GAME}/g1/runtime/force-next-turn`, { expect: 200 });

    const banish = "internalBanishRace";
    await call(banish, "POST", `${GAME}/g1/races/Borgh/banish`, { expect: 204 });
    await call(banish, "POST", `${GAME}/g1/races/${"x".repeat(300)}/banish`, { expect: 400 });
    await call(banish, "POST", `${GAME}/g1/races/Nobody/banish`, { expect: 404 });
    await engineControl("g1", "fail-next-call?op=banish&status=400");
    await call(banish, "POST", `${GAME}/g1/races/Aelinari/banish`, { expect: 422 });
    await engineControl("g1", "fail-next-call?op=banish&status=500");
    await call(banish, "POST", `${GAME}/g1/races/Aelinari/banish`, { expect: 502 });

    const patch = "internalPatchRuntime";
    await call(patch, "POST", `${GAME}/p1/runtime/patch`, {
      body: { version: "1.4.3" },
      expect: 200,
    });
    await call(patch, "POST", `${GAME}/p1/runtime/patch`, {
      body: { version: "1.4" },
      expect: 400,
    });
    await call(patch, "POST", `${GAME}/nope/runtime/patch`, {
      body: { version: "1.4.3" },
      expect: 404,
    });
    await call(patch, "POST", `${GAME}/p1/runtime/patch`, {
      body: { version: "1.5.0" },
      expect: 422,
    });
    await rtmFailNext({ operation: "patch", error_code: "internal_error" });
    await call(patch, "POST", `${GAME}/p1/runtime/patch`, {
      body: { version: "1.4.2" },
      expect: 502,
    });

    const stop = "internalStopRuntime";
    await call(stop, "POST", `${GAME}/s1/runtime/stop`, { body: { reason: "bored" }, expect: 400 });
    await call(stop, "POST", `${GAME}/nope/runtime/stop`, {
      body: { reason: "admin_request" },
      expect: 404,
    });
    await rtmFailNext({ operation: "stop", error_code: "internal_error" });
    await call(stop, "POST", `${GAME}/s1/runtime/stop`, {
      body: { reason: "admin_request" },
      expect: 502,
    });
    await call(stop, "POST", `${GAME}/s1/runtime/stop`, {
      body: { reason: "admin_request" },
      expect: 200,
    });
    await call(stop, "POST", `${GAME}/s1/runtime/stop`, {
      body: { reason: "admin_request" },
      expect: 409,
    });
    // A stopped runtime: no turns, no patch, no banish, no player actions.
    await call(force, "POST", `${GAME}/s1/runtime/force-next-turn`, { expect: 409 });
    await call(patch, "POST", `${GAME}/s1/runtime/patch`, {
      body: { version: "1.4.3" },
      expect: 409,
    });
    await call(banish, "POST", `${GAME}/s1/races/Aelinari/banish`, { expect: 409 });
    lobby.rosters.set("s1", [{ user_id: "alice", race_name: "Aelinari", status: "active" }]);
    await call("internalExecuteCommands", "POST", `${GAME}/s1/commands`, {
      body: { commands: [{ type: "scan" }] },
      headers: player("alice"),
      expect: 409,
    });
    await call("internalPutOrders", "PUT", `${GAME}/s1/orders`, {
      body: { orders: [{ type: "move", fleet: 1 }] },
      headers: player("alice"),
      expect: 409,
    });
    await call("internalGetReport", "GET", `${GAME}/s1/reports/0`, {
      headers: player("alice"),
      expect: 409,
    });
    // A version a live runtime uses cannot be deleted.
    await call("internalDeprecateEngineVersion", "DELETE", `${VERSIONS}/1.4.2?hard=true`, {
      expect: 409,
    });

    const invalidate = "internalInvalidateMemberships";
    await call(invalidate, "POST", `${GAME}/g1/memberships/invalidate`, { expect: 204 });
    await call(invalidate, "POST", `${GAME}/bad%20id/memberships/invalidate`, { expect: 400 });
  });

  it("outages: Lobby down answers 503 on the hot path, PostgreSQL down answers 503 everywhere", async () => {
    await new Promise((resolve) => lobby.server.close(resolve));
    lobby.server.closeAllConnections();
    for (const [operationId, method, path, body] of [
      ["internalExecuteCommands", "POST", `${GAME}/g1/commands`, { commands: [{ type: "scan" }] }],
      ["internalPutOrders", "PUT", `${GAME}/g1/orders`, { orders: [{ type: "move", fleet: 1 }] }],
      ["internalGetReport", "GET", `${GAME}/g1/reports/0`, undefined],
    ] as const) {
      await call(operationId, method, path, {
        ...(body === undefined ? {} : { body }),
        headers: player("alice"),
        expect: 503,
      });
    }

    proxy.cut();
    try {
      const down: [string, string, string, unknown?][] = [
        ["internalReadyz", "GET", "/readyz"],
        ["internalListEngineVersions", "GET", VERSIONS],
        ["internalCreateEngineVersion", "POST", VERSIONS, { version: "2.0.0", image_ref: "x:2" }],
        ["internalGetEngineVersion", "GET", `${VERSIONS}/1.4.2`],
        ["internalUpdateEngineVersion", "PATCH", `${VERSIONS}/1.4.2`, { options: {} }],
        ["internalDeprecateEngineVersion", "DELETE", `${VERSIONS}/1.4.3`],
        ["internalResolveEngineVersionImageRef", "GET", `${VERSIONS}/1.4.2/image-ref`],
        ["internalRegisterRuntime", "POST", `${GAME}/d1/runtime`, register("d1")],
        ["internalGetRuntime", "GET", `${GAME}/g1/runtime`],
        ["internalListRuntimes", "GET", "/api/v1/internal/runtimes"],
        ["internalGameLiveness", "GET", `${GAME}/g1/liveness`],
        ["internalGetRuntimeSchedule", "GET", `${GAME}/g1/runtime/schedule`],
        ["internalListOperations", "GET", `${GAME}/g1/operations`],
        ["internalListGamePlayers", "GET", `${GAME}/g1/players`],
        ["internalForceNextTurn", "POST", `${GAME}/g1/runtime/force-next-turn`],
        ["internalStopRuntime", "POST", `${GAME}/g1/runtime/stop`, { reason: "admin_request" }],
        ["internalPatchRuntime", "POST", `${GAME}/p1/runtime/patch`, { version: "1.4.2" }],
        ["internalBanishRace", "POST", `${GAME}/g1/races/Aelinari/banish`],
      ];
      for (const [operationId, method, path, body] of down) {
        await call(operationId, method, path, {
          ...(body === undefined ? {} : { body }),
          expect: 503,
        });
      }
    } finally {
      proxy.restore();
    }
  });

  it("answered every documented operation and (operation, status) but NOT_PROVOKED, all conforming", () => {
    const seen = new Set(observed.map((o) => `${o.operationId} ${o.status}`));
    const gaps = [...documented].flatMap(([operationId, statuses]) => [
      ...(observed.some((o) => o.operationId === operationId)
        ? []
        : [`${operationId}: never called`]),
      ...statuses
        .filter((status) => !(status in NOT_PROVOKED) && !seen.has(`${operationId} ${status}`))
        .map((status) => `${operationId} ${status}: never answered`),
    ]);
    expect(gaps, "documented operations and (operation, status) pairs not exercised").toEqual([]);
    // An allow-listed status no operation documents any more is a stale entry.
    const stale = Object.keys(NOT_PROVOKED).filter(
      (status) => ![...documented.values()].some((statuses) => statuses.includes(status)),
    );
    expect(stale, "NOT_PROVOKED statuses the contract no longer documents").toEqual([]);
    expect(observed.flatMap((o) => o.problems)).toEqual([]);
  });
});
