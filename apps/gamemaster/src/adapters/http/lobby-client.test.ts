import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type GalaxyError, isGalaxyError } from "@galaxy/errors";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpLobbyClient, type LobbyCallOutcome } from "./lobby-client.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
const received: string[] = [];
const sockets = new Set<unknown>();
const observed: LobbyCallOutcome[] = [];
let client: HttpLobbyClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.url ?? "");
    sockets.add(req.socket);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  client = new HttpLobbyClient({
    baseUrl: base,
    timeoutMs: 300,
    observe: (outcome) => observed.push(outcome),
  });
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  observed.length = 0;
});

function json(status: number, value: unknown): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(typeof value === "string" ? value : JSON.stringify(value));
  };
}

async function failure(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    if (isGalaxyError(error)) return error;
    throw error;
  }
  throw new Error("expected failure");
}

describe("HttpLobbyClient", () => {
  it("reads the roster of a game (extra fields ignored, unknown statuses kept)", async () => {
    handler = json(200, {
      memberships: [
        { user_id: "u1", race_name: "Aelinari", status: "active", joined_at: "x" },
        { user_id: "u2", race_name: "Borg", status: "suspended" },
      ],
      etag: "ignored",
    });
    expect(await client.getMemberships("game 1")).toEqual([
      { userId: "u1", raceName: "Aelinari", status: "active" },
      { userId: "u2", raceName: "Borg", status: "suspended" },
    ]);
    expect(received).toEqual(["/api/v1/internal/games/game%201/memberships"]);
    expect(observed).toEqual(["ok"]);
  });

  it("treats 404 (a game Lobby does not know) as an empty roster", async () => {
    handler = json(404, { error: { code: "not_found", message: "game not found" } });
    expect(await client.getMemberships("ghost")).toEqual([]);
    expect(observed).toEqual(["not_found"]);
  });

  it.each([
    ["a 5xx", json(503, { error: { code: "service_unavailable", message: "db down" } })],
    ["an unexpected status", json(401, {})],
    ["invalid JSON", json(200, "<html>")],
    ["a body without memberships", json(200, { members: [] })],
    ["a member without user_id", json(200, { memberships: [{ race_name: "A", status: "x" }] })],
  ])("maps %s to service_unavailable", async (_name, answer) => {
    handler = answer;
    const error = await failure(client.getMemberships("g1"));
    expect([error.code, error.status, error.message]).toEqual([
      "service_unavailable",
      503,
      "cannot verify membership: Game Lobby is unavailable",
    ]);
    expect(observed).toEqual(["unavailable"]);
  });

  it("maps a timeout to service_unavailable within the deadline, keeping the reason in the cause", async () => {
    handler = () => undefined;
    const started = Date.now();
    const error = await failure(client.getMemberships("g1"));
    expect(error.code).toBe("service_unavailable");
    expect(String((error.cause as Error).message)).toContain("timed out after 300ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("maps a refused connection to service_unavailable", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const refused = new HttpLobbyClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 500 });
    const error = await failure(refused.getMemberships("g1"));
    expect(error.code).toBe("service_unavailable");
    expect(String((error.cause as Error).message)).toContain("ECONNREFUSED");
    await refused.close();
  });

  it("reuses its keep-alive connections across calls", async () => {
    handler = json(200, { memberships: [] });
    sockets.clear();
    for (let index = 0; index < 10; index += 1) {
      await client.getMemberships("g1");
    }
    // undici may open a second socket while the first is being released; it
    // never opens one per call.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  describe("lookupMemberships (the batch roster read)", () => {
    it("reads the rosters of many games in one call; a game Lobby does not know has no entry", async () => {
      let sent: unknown;
      handler = (req, res) => {
        let raw = "";
        req.on("data", (chunk) => {
          raw += chunk;
        });
        req.on("end", () => {
          sent = JSON.parse(raw);
          json(200, {
            games: [
              {
                game_id: "g1",
                memberships: [
                  { user_id: "u1", race_name: "Aelinari", status: "active" },
                  { user_id: "u2", race_name: "Borg", status: "blocked" },
                ],
              },
              { game_id: "g2", memberships: [] },
            ],
          })(req, res);
        });
      };
      const rosters = await client.lookupMemberships(["g1", "g2", "g1", "ghost"]);
      expect(sent).toEqual({ game_ids: ["g1", "g2", "ghost"] });
      expect(received).toEqual(["/api/v1/internal/memberships/lookup"]);
      expect(rosters).toEqual(
        new Map([
          [
            "g1",
            [
              { userId: "u1", raceName: "Aelinari", status: "active" },
              { userId: "u2", raceName: "Borg", status: "blocked" },
            ],
          ],
          ["g2", []],
        ]),
      );
      expect(observed).toEqual(["ok"]);
    });

    it("splits more games than the contract allows per call into several calls", async () => {
      const asked: number[] = [];
      handler = (req, res) => {
        let raw = "";
        req.on("data", (chunk) => {
          raw += chunk;
        });
        req.on("end", () => {
          const ids = (JSON.parse(raw) as { game_ids: string[] }).game_ids;
          asked.push(ids.length);
          json(200, { games: ids.map((game_id) => ({ game_id, memberships: [] })) })(req, res);
        });
      };
      const ids = Array.from({ length: 1_001 }, (_, index) => `g${index}`);
      const rosters = await client.lookupMemberships(ids);
      expect(asked).toEqual([1_000, 1]);
      expect(rosters?.size).toBe(1_001);
    });

    it.each([
      ["a 5xx", json(503, { error: { code: "service_unavailable", message: "db down" } })],
      ["an unexpected status", json(401, {})],
      ["invalid JSON", json(200, "<html>")],
      ["a body without games", json(200, { memberships: [] })],
      ["a game without game_id", json(200, { games: [{ memberships: [] }] })],
    ])("maps %s to service_unavailable", async (_name, answer) => {
      handler = answer;
      const error = await failure(client.lookupMemberships(["g1"]));
      expect([error.code, error.status]).toEqual(["service_unavailable", 503]);
      expect(observed).toEqual(["unavailable"]);
    });

    it.each([404, 405])(
      "answers null for a Lobby without the lookup (%i) and does not ask it again for a while",
      async (status) => {
        const older = new HttpLobbyClient({ baseUrl: base, timeoutMs: 300 });
        handler = json(status, { error: { code: "not_found", message: "no such route" } });
        expect(await older.lookupMemberships(["g1"])).toBeNull();
        expect(await older.lookupMemberships(["g2"])).toBeNull();
        expect(received).toEqual(["/api/v1/internal/memberships/lookup"]);
        await older.close();
      },
    );
  });
});
