import { closeRedis, createRedis, xaddFlat } from "@galaxy/redisconn";
import { createIsolatedRedis, freePort, type IsolatedRedis } from "@galaxy/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Game, type LobbyStub, startLobbyStub } from "../src/index.js";
import { FakeGm } from "./fake-gm.js";
import { waitFor } from "./wait-for.js";

const START_JOBS = "runtime:start_jobs";
const JOB_RESULTS = "runtime:job_results";
const GM_EVENTS = "gm:lobby_events";

let isolated: IsolatedRedis;
let redis: Redis;
let fakeGm: FakeGm;
let gmServer: { url: string; close(): Promise<void> };
let stub: LobbyStub;
let gameCounter = 0;

beforeAll(async () => {
  isolated = await createIsolatedRedis("lobby-stub");
  redis = createRedis({ url: isolated.url, keyPrefix: isolated.keyPrefix });
  fakeGm = new FakeGm();
  gmServer = await fakeGm.listen();
  stub = await startLobbyStub({
    gmBaseUrl: gmServer.url,
    gmTimeoutMs: 2_000,
    redisUrl: isolated.url,
    redisKeyPrefix: isolated.keyPrefix,
    readerBlockMs: 200,
  });
});

afterAll(async () => {
  await stub?.close();
  await gmServer?.close();
  if (redis !== undefined) await closeRedis(redis);
  await isolated?.cleanup();
});

beforeEach(() => {
  fakeGm.down = false;
  for (const key of Object.keys(fakeGm.behaviours)) {
    delete fakeGm.behaviours[key as keyof typeof fakeGm.behaviours];
  }
});

async function http(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stub.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
}

async function newGame(members: [string, string][]): Promise<string> {
  gameCounter += 1;
  const gameId = `it-${gameCounter}`;
  const created = await http("POST", "/api/v1/games", {
    game_id: gameId,
    name: `Integration ${gameCounter}`,
    target_engine_version: "1.2.3",
    turn_schedule: "*/5 * * * *",
  });
  expect(created.status).toBe(201);
  for (const [userId, raceName] of members) {
    const added = await http("POST", `/api/v1/games/${gameId}/members`, {
      user_id: userId,
      race_name: raceName,
    });
    expect(added.status).toBe(201);
  }
  return gameId;
}

async function game(gameId: string): Promise<Game> {
  return (await http("GET", `/api/v1/games/${gameId}`)).body as Game;
}

async function startJobsFor(gameId: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(START_JOBS, "-", "+");
  return entries
    .map(([, flat]) => {
      const fields: Record<string, string> = {};
      for (let index = 0; index + 1 < flat.length; index += 2) {
        fields[flat[index] as string] = flat[index + 1] as string;
      }
      return fields;
    })
    .filter((fields) => fields.game_id === gameId);
}

async function publishResult(gameId: string, fields: Record<string, string> = {}) {
  await xaddFlat(redis, JOB_RESULTS, {
    game_id: gameId,
    outcome: "success",
    engine_endpoint: `http://engine-stub:8093/games/${gameId}`,
    error_code: "",
    error_message: "",
    completed_at_ms: String(Date.now()),
    ...fields,
  });
}

async function waitForStatus(gameId: string, status: Game["status"]): Promise<Game> {
  return waitFor(
    async () => {
      const current = await game(gameId);
      return current.status === status ? current : undefined;
    },
    { what: `${gameId} to become ${status}` },
  );
}

async function startedGame(members: [string, string][]): Promise<string> {
  const gameId = await newGame(members);
  const started = await http("POST", `/api/v1/games/${gameId}/start`);
  expect(started.status).toBe(202);
  return gameId;
}

describe("start flow over real Redis and a fake GM on a port", () => {
  it("publishes a start job, registers the runtime on success and runs", async () => {
    const gameId = await newGame([
      ["u1", "Zorgons"],
      ["u2", "Humans"],
      ["u3", "Elves"],
    ]);
    await http("POST", `/api/v1/games/${gameId}/members/u3/block`);
    const started = await http("POST", `/api/v1/games/${gameId}/start`);
    expect(started).toMatchObject({ status: 202, body: { status: "starting" } });

    const jobs = await startJobsFor(gameId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toEqual({
      game_id: gameId,
      image_ref: "galaxy/game:1.2.3",
      requested_at_ms: expect.stringMatching(/^\d+$/),
    });

    await publishResult(gameId);
    const running = await waitForStatus(gameId, "running");
    expect(running).toMatchObject({
      engine_endpoint: `http://engine-stub:8093/games/${gameId}`,
      runtime_status: "running",
    });
    expect(fakeGm.callsOf("register", gameId)).toMatchObject([
      {
        opSource: "lobby_internal",
        body: {
          engine_endpoint: `http://engine-stub:8093/games/${gameId}`,
          members: [
            { user_id: "u1", race_name: "Zorgons" },
            { user_id: "u2", race_name: "Humans" },
          ],
          target_engine_version: "1.2.3",
          turn_schedule: "*/5 * * * *",
        },
      },
    ]);
  });

  it("moves to start_failed on start_config_invalid without calling register-runtime", async () => {
    const gameId = await startedGame([["u1", "Zorgons"]]);
    await publishResult(gameId, {
      outcome: "failure",
      engine_endpoint: "",
      error_code: "start_config_invalid",
      error_message: "missing network",
    });
    const failed = await waitForStatus(gameId, "start_failed");
    expect(failed.start_error).toEqual({
      code: "start_config_invalid",
      message: "missing network",
    });
    expect(fakeGm.callsOf("register", gameId)).toEqual([]);
  });

  it("answers 503 and stays ready_to_start when GM is down at resolve time", async () => {
    const gameId = await newGame([["u1", "Zorgons"]]);
    fakeGm.down = true;
    const response = await http("POST", `/api/v1/games/${gameId}/start`);
    expect(response).toMatchObject({
      status: 503,
      body: { error: { code: "service_unavailable" } },
    });
    expect((await game(gameId)).status).toBe("ready_to_start");
    expect(await startJobsFor(gameId)).toEqual([]);
    // The fake resets the socket: the stub saw a network failure, not an HTTP answer.
    const calls = (await http("GET", "/_stub/calls")).body as { calls: { outcome: string }[] };
    expect(calls.calls.at(-1)).toMatchObject({ outcome: "unreachable" });
  });

  it("pauses when GM is down at register time and resumes by re-registering", async () => {
    const gameId = await startedGame([["u1", "Zorgons"]]);
    fakeGm.down = true;
    await publishResult(gameId);
    const paused = await waitForStatus(gameId, "paused");
    expect(paused.engine_endpoint).toBe(`http://engine-stub:8093/games/${gameId}`);
    expect(paused.start_error).toMatchObject({ code: "service_unavailable" });
    const calls = (await http("GET", `/_stub/calls?game_id=${gameId}`)).body as {
      calls: { operation: string; outcome: string }[];
    };
    expect(calls.calls.at(-1)).toMatchObject({
      operation: "internalRegisterRuntime",
      outcome: "unreachable",
    });

    const stillDown = await http("POST", `/api/v1/games/${gameId}/resume`);
    expect(stillDown).toMatchObject({
      status: 503,
      body: { error: { code: "service_unavailable" } },
    });
    expect((await game(gameId)).status).toBe("paused");

    fakeGm.down = false;
    const resumed = await http("POST", `/api/v1/games/${gameId}/resume`);
    expect(resumed).toMatchObject({ status: 200, body: { status: "running" } });
    expect(fakeGm.callsOf("liveness", gameId).at(-1)).toMatchObject({ opSource: "lobby_internal" });
    expect(fakeGm.runtimes.get(gameId)?.engine_endpoint).toBe(
      `http://engine-stub:8093/games/${gameId}`,
    );
  });

  it("calls the invalidate hook after roster changes and stays fail-open", async () => {
    const gameId = await startedGame([
      ["u1", "Zorgons"],
      ["u2", "Humans"],
    ]);
    await publishResult(gameId);
    await waitForStatus(gameId, "running");
    const before = (await http("GET", "/_stub/metrics")).body as Record<string, number>;

    await http("POST", `/api/v1/games/${gameId}/members`, { user_id: "u3", race_name: "Elves" });
    await http("POST", `/api/v1/games/${gameId}/members/u1/remove`);
    expect(fakeGm.callsOf("invalidate", gameId)).toHaveLength(2);

    fakeGm.down = true;
    const blocked = await http("POST", `/api/v1/games/${gameId}/members/u2/block`);
    expect(blocked.status).toBe(200);
    const after = (await http("GET", "/_stub/metrics")).body as Record<string, number>;
    expect((after.invalidate_calls ?? 0) - (before.invalidate_calls ?? 0)).toBe(3);
    expect((after.invalidate_failures ?? 0) - (before.invalidate_failures ?? 0)).toBe(1);
    const memberships = await http("GET", `/api/v1/internal/games/${gameId}/memberships`);
    expect(memberships.body).toEqual({
      memberships: [
        { user_id: "u1", race_name: "Zorgons", status: "removed" },
        { user_id: "u2", race_name: "Humans", status: "blocked" },
        { user_id: "u3", race_name: "Elves", status: "active" },
      ],
    });
  });
});

describe("gm:lobby_events consumer", () => {
  it("updates the view, skips a malformed entry and finishes the game", async () => {
    const gameId = await startedGame([["u1", "Zorgons"]]);
    await publishResult(gameId);
    await waitForStatus(gameId, "running");
    const stats = [{ user_id: "u1", planets: 4, population: 321 }];

    await xaddFlat(redis, GM_EVENTS, {
      event_type: "runtime_snapshot_update",
      game_id: gameId,
      current_turn: "3",
      runtime_status: "running",
      engine_health_summary: "healthy",
      player_turn_stats: JSON.stringify(stats),
      occurred_at_ms: String(Date.now()),
    });
    await waitFor(async () => (await game(gameId)).current_turn === 3, { what: "turn 3" });
    expect(await game(gameId)).toMatchObject({
      status: "running",
      engine_health_summary: "healthy",
      player_turn_stats: stats,
    });

    await xaddFlat(redis, GM_EVENTS, { event_type: "runtime_snapshot_update", game_id: gameId });
    await xaddFlat(redis, GM_EVENTS, {
      event_type: "game_finished",
      game_id: gameId,
      final_turn_number: "7",
      runtime_status: "finished",
      player_turn_stats: JSON.stringify(stats),
      finished_at_ms: "1800000000000",
    });
    const finished = await waitForStatus(gameId, "finished");
    expect(finished).toMatchObject({
      current_turn: 7,
      runtime_status: "finished",
      finished_at: new Date(1_800_000_000_000).toISOString(),
    });
    const metrics = (await http("GET", "/_stub/metrics")).body as Record<string, number>;
    expect(metrics.lobby_events_malformed).toBeGreaterThanOrEqual(1);
  });
});

describe("GM on a dead port", () => {
  it("answers 503 on start and keeps the game ready_to_start", async () => {
    const isolatedDead = await createIsolatedRedis("lobby-stub-dead");
    const deadStub = await startLobbyStub({
      gmBaseUrl: `http://127.0.0.1:${await freePort()}`,
      gmTimeoutMs: 1_000,
      redisUrl: isolatedDead.url,
      redisKeyPrefix: isolatedDead.keyPrefix,
      readerBlockMs: 200,
    });
    try {
      const base = deadStub.url;
      const post = (path: string, body?: unknown) =>
        fetch(`${base}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body ?? {}),
        });
      await post("/api/v1/games", {
        game_id: "dead",
        name: "Dead GM",
        target_engine_version: "1.2.3",
        turn_schedule: "0 * * * *",
      });
      await post("/api/v1/games/dead/members", { user_id: "u1", race_name: "Zorgons" });
      const response = await post("/api/v1/games/dead/start");
      expect(response.status).toBe(503);
      expect(deadStub.state.getGame("dead").status).toBe("ready_to_start");
    } finally {
      await deadStub.close();
      await isolatedDead.cleanup();
    }
  });
});
