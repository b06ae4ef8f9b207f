import type { NotificationIntent } from "@galaxy/notificationintent";
import { pino } from "pino";
import { createLobbyStubApp } from "../src/app.js";
import { createGmClient } from "../src/gm-client.js";
import { LobbyService, type StartJob } from "../src/service.js";
import { LobbyState } from "../src/state.js";
import { StubTelemetry } from "../src/telemetry.js";
import { FakeGm } from "./fake-gm.js";

/** An in-process lobby stub wired to a {@link FakeGm}; no sockets, no Redis. */
export function createHarness() {
  const fakeGm = new FakeGm();
  const telemetry = new StubTelemetry();
  const state = new LobbyState();
  const logger = pino({ level: "silent" });
  const gm = createGmClient({
    baseUrl: "http://gm.test",
    timeoutMs: 2_000,
    fetch: fakeGm.fetch,
    onCall: (record) => telemetry.recordCall(record),
  });
  const jobs: StartJob[] = [];
  const publisher = { failing: false, intentsFailing: false };
  const intents: NotificationIntent[] = [];
  const service = new LobbyService({
    state,
    gm,
    telemetry,
    logger,
    startJobs: {
      publish: async (job) => {
        if (publisher.failing) throw new Error("redis down");
        jobs.push(job);
      },
    },
    intents: {
      publish: async (intent) => {
        if (publisher.intentsFailing) throw new Error("redis down");
        intents.push(intent);
      },
    },
  });
  const app = createLobbyStubApp({ service, telemetry, logger });

  async function request(method: string, path: string, body?: unknown) {
    const response = await app.request(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
  }

  /** Creates a game with the given members (all active). */
  async function gameWithMembers(gameId: string, members: [string, string][]) {
    await request("POST", "/api/v1/games", {
      game_id: gameId,
      name: `Game ${gameId}`,
      target_engine_version: "1.2.3",
      turn_schedule: "0 * * * *",
    });
    for (const [userId, raceName] of members) {
      await request("POST", `/api/v1/games/${gameId}/members`, {
        user_id: userId,
        race_name: raceName,
      });
    }
  }

  return {
    fakeGm,
    telemetry,
    state,
    service,
    app,
    jobs,
    intents,
    publisher,
    request,
    gameWithMembers,
  };
}
