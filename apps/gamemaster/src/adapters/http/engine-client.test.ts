import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type GalaxyError, isGalaxyError } from "@galaxy/errors";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EngineCallOutcome, engineErrorMessage, HttpEngineClient } from "./engine-client.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
const received: { method: string; url: string; body: string }[] = [];
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/games/g1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

function json(status: number, value: unknown): Handler {
  return (_req, _body, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
}

const state = {
  turn: 0,
  finished: false,
  players: [{ race_name: "Borg", engine_player_uuid: "u-1", planets: 1, population: 100 }],
};

const observed: { operation: string; outcome: EngineCallOutcome }[] = [];
const client = new HttpEngineClient({
  timeoutMs: 300,
  turnTimeoutMs: 900,
  observe: (operation, outcome) => observed.push({ operation, outcome }),
});

async function failure(promise: Promise<unknown>): Promise<GalaxyError> {
  try {
    await promise;
  } catch (error) {
    if (isGalaxyError(error)) return error;
    throw error;
  }
  throw new Error("expected failure");
}

describe("HttpEngineClient", () => {
  it("posts the races to /admin/init and maps the StateResponse", async () => {
    handler = json(200, { ...state, extra_field: "ignored" });
    const result = await client.init(`${base}/`, ["Borg"]);
    expect(received[0]).toEqual({
      method: "POST",
      url: "/games/g1/api/v1/admin/init",
      body: JSON.stringify({ races: [{ race_name: "Borg" }] }),
    });
    expect(result).toEqual({
      turn: 0,
      finished: false,
      players: [{ raceName: "Borg", enginePlayerUuid: "u-1", planets: 1, population: 100 }],
    });
    expect(observed.at(-1)).toEqual({ operation: "init", outcome: "ok" });
  });

  it("maps an engine 4xx to engine_validation_error with the engine's message", async () => {
    handler = json(400, { error: { code: "bad_race", message: "race name too long" } });
    const error = await failure(client.init(base, ["Borg"]));
    expect([error.code, error.status, error.message]).toEqual([
      "engine_validation_error",
      422,
      "race name too long",
    ]);
    expect(observed.at(-1)).toEqual({ operation: "init", outcome: "validation_error" });
  });

  it("maps an engine 5xx to engine_unreachable", async () => {
    handler = json(503, { error: { code: "x", message: "internal details" } });
    const error = await failure(client.status(base));
    expect([error.code, error.status]).toEqual(["engine_unreachable", 502]);
    expect(error.message).not.toContain("internal details");
  });

  it("maps a timeout to engine_unreachable", async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const error = await failure(client.init(base, ["Borg"]));
    expect(error.code).toBe("engine_unreachable");
    expect(error.message).toContain("timed out after 300ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("gives /admin/turn its own, longer timeout", async () => {
    handler = (_req, _body, res) => {
      setTimeout(() => json(200, { ...state, turn: 1 })(_req, _body, res), 500);
    };
    expect((await client.turn(base)).turn).toBe(1);
  });

  it("maps a refused connection to engine_unreachable", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await failure(client.init(`http://127.0.0.1:${port}`, ["Borg"]));
    expect(error.code).toBe("engine_unreachable");
    expect(error.message).toContain("ECONNREFUSED");
  });

  it.each([
    ["invalid JSON", (_q: IncomingMessage, _b: string, res: ServerResponse) => res.end("<html>")],
    ["a missing field", json(200, { turn: 0, players: [] })],
    ["a wrong type", json(200, { ...state, turn: "0" })],
    ["a player without uuid", json(200, { ...state, players: [{ race_name: "Borg" }] })],
  ])("maps %s in a StateResponse to engine_protocol_violation", async (_name, answer) => {
    handler = answer;
    const error = await failure(client.init(base, ["Borg"]));
    expect([error.code, error.status]).toEqual(["engine_protocol_violation", 502]);
  });

  it("sends banish and accepts 204", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(204);
      res.end();
    };
    await client.banish(base, "Borg");
    expect(received[0]).toMatchObject({
      method: "POST",
      url: "/games/g1/api/v1/admin/race/banish",
      body: '{"race_name":"Borg"}',
    });
  });

  it("returns hot-path bodies verbatim", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end('{"ok":true,  "kept":"as is"}');
    };
    const command = await client.command(base, "Borg", [{ type: "x" }]);
    expect(command).toEqual({
      status: 200,
      contentType: "application/json; charset=utf-8",
      body: '{"ok":true,  "kept":"as is"}',
    });
    expect(received[0]).toMatchObject({
      method: "POST",
      url: "/games/g1/api/v1/command",
      body: '{"actor":"Borg","cmd":[{"type":"x"}]}',
    });
    await client.order(base, "Borg", [{ type: "y" }]);
    expect(received[1]).toMatchObject({
      method: "PUT",
      url: "/games/g1/api/v1/order",
      body: '{"actor":"Borg","orders":[{"type":"y"}]}',
    });
    await client.report(base, "Red Dwarves", 3);
    expect(received[2]).toMatchObject({
      method: "GET",
      url: "/games/g1/api/v1/report?player=Red+Dwarves&turn=3",
    });
  });
});

describe("engineErrorMessage", () => {
  it.each([
    ['{"error":{"code":"c","message":"nested"}}', "nested"],
    ['{"message":"flat"}', "flat"],
    ['{"error":"plain"}', "plain"],
    ["not json", "not json"],
    ["", "engine answered 400"],
    ["{}", "{}"],
  ])("%j → %j", (body, expected) => {
    expect(engineErrorMessage(body, 400)).toBe(expected);
  });
});

describe("HttpEngineClient hot path", () => {
  it.each([
    ["an empty body", ""],
    ["an HTML page", "<html>oops</html>"],
    ["a JSON array", "[1,2]"],
  ])("maps a 2xx with %s to engine_protocol_violation", async (_name, text) => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(text);
    };
    for (const call of [
      client.command(base, "Borg", [{}]),
      client.order(base, "Borg", []),
      client.report(base, "Borg", 1),
    ]) {
      const error = await failure(call);
      expect([error.code, error.status]).toEqual(["engine_protocol_violation", 502]);
    }
    expect(observed.at(-1)).toEqual({ operation: "report", outcome: "protocol_violation" });
  });

  it("relays a 2xx JSON object with surrounding whitespace", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(' {"a":1}\n');
    };
    expect((await client.command(base, "Borg", [{}])).body).toBe(' {"a":1}\n');
  });

  it("maps a 3xx to engine_protocol_violation without following it", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(302, { location: "http://127.0.0.1:9/elsewhere" });
      res.end();
    };
    const error = await failure(client.command(base, "Borg", [{}]));
    expect(error.code).toBe("engine_protocol_violation");
    expect(received).toHaveLength(1);
  });

  it("reuses keep-alive connections instead of opening one per call", async () => {
    handler = json(200, { ok: true });
    sockets.clear();
    for (let index = 0; index < 20; index += 1) {
      await client.command(base, "Borg", [{}]);
    }
    await Promise.all(Array.from({ length: 5 }, () => client.report(base, "Borg", 0)));
    // Sequential calls share one or two sockets; the concurrent burst adds at most its width.
    expect(sockets.size).toBeLessThanOrEqual(7);
  });

  it("closes its own connection pool", async () => {
    const own = new HttpEngineClient({ timeoutMs: 300, turnTimeoutMs: 300 });
    handler = json(200, { ok: true });
    await own.command(base, "Borg", [{}]);
    await own.close();
    await expect(own.command(base, "Borg", [{}])).rejects.toThrow();
  });
});
