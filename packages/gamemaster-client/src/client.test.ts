import { isGalaxyError } from "@galaxy/errors";
import { describe, expect, it } from "vitest";
import { createGameMasterClient } from "./client.js";
import { GameMasterError } from "./errors.js";

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

function clientWith(respond: (seen: Seen) => Response | Promise<Response>, timeoutMs = 1_000) {
  const seen: Seen[] = [];
  const client = createGameMasterClient({
    baseUrl: "http://gm.test/",
    opSource: "admin_rest",
    sourceRef: "alice",
    timeoutMs,
    fetch: async (request) => {
      const text = await request.text();
      const entry: Seen = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: text === "" ? null : JSON.parse(text),
      };
      seen.push(entry);
      return await new Promise<Response>((resolve, reject) => {
        if (request.signal.aborted) reject(request.signal.reason);
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
        Promise.resolve(respond(entry)).then(resolve, reject);
      });
    },
  });
  return { client, seen };
}

const envelope = (code: string, message: string, status: number) =>
  Response.json({ error: { code, message } }, { status });

async function failure(promise: Promise<unknown>): Promise<GameMasterError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GameMasterError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("createGameMasterClient", () => {
  it("sends the caller headers, encodes path parameters and returns the typed body", async () => {
    const { client, seen } = clientWith(() => Response.json({ game_id: "g 1", status: "running" }));
    const record = await client.getRuntime("g 1");
    expect(record.status).toBe("running");
    expect(seen[0]?.url).toBe("http://gm.test/api/v1/internal/games/g%201/runtime");
    expect(seen[0]?.headers.get("x-op-source")).toBe("admin_rest");
    expect(seen[0]?.headers.get("x-source-ref")).toBe("alice");
  });

  it("builds the query of filtered lists and the JSON body of writes", async () => {
    const { client, seen } = clientWith(() => Response.json({ items: [], next_cursor: null }));
    await client.listRuntimes({ status: "running", engine_version: "1.4.2", limit: 5 });
    await client.listOperations("g1", { op_kind: "force_next_turn", cursor: "abc" });
    await client.stopRuntime("g1", "admin_request");
    await client.previewSchedule({ turn_schedule: "0 * * * *", count: 3 });
    expect(seen.map((entry) => `${entry.method} ${entry.url}`)).toEqual([
      "GET http://gm.test/api/v1/internal/runtimes?status=running&engine_version=1.4.2&limit=5",
      "GET http://gm.test/api/v1/internal/games/g1/operations?op_kind=force_next_turn&cursor=abc",
      "POST http://gm.test/api/v1/internal/games/g1/runtime/stop",
      "POST http://gm.test/api/v1/internal/schedules/preview",
    ]);
    expect(seen[2]?.body).toEqual({ reason: "admin_request" });
    expect(seen[2]?.headers.get("content-type")).toBe("application/json");
    expect(seen[3]?.body).toEqual({ turn_schedule: "0 * * * *", count: 3 });
  });

  it("hard-deletes with ?hard=true and resolves 204 answers to undefined", async () => {
    const { client, seen } = clientWith(() => new Response(null, { status: 204 }));
    await expect(client.deleteEngineVersion("1.0.0")).resolves.toBeUndefined();
    await expect(client.banishRace("g1", "Borg")).resolves.toBeUndefined();
    expect(seen.map((entry) => `${entry.method} ${entry.url}`)).toEqual([
      "DELETE http://gm.test/api/v1/internal/engine-versions/1.0.0?hard=true",
      "POST http://gm.test/api/v1/internal/games/g1/races/Borg/banish",
    ]);
  });

  it("turns an error envelope into a GalaxyError carrying its code, status and message", async () => {
    const { client } = clientWith(() =>
      envelope("runtime_not_found", 'runtime for game "g1" not found', 404),
    );
    const error = await failure(client.getRuntime("g1"));
    expect(isGalaxyError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "runtime_not_found",
      status: 404,
      httpStatus: 404,
      kind: "refused",
      message: 'runtime for game "g1" not found',
      operation: "GET /api/v1/internal/games/{game_id}/runtime",
    });
  });

  it("maps a code it does not know from the status and keeps the remote code", async () => {
    const { client } = clientWith(() => envelope("quota_exceeded", "too many", 429));
    const error = await failure(client.listRuntimes());
    expect(error).toMatchObject({ code: "invalid_request", remoteCode: "quota_exceeded" });
  });

  it("reports a non-JSON error body with the status", async () => {
    const { client } = clientWith(() => new Response("Bad Gateway", { status: 502 }));
    const error = await failure(client.getRuntime("g1"));
    expect(error).toMatchObject({
      code: "internal_error",
      httpStatus: 502,
      remoteCode: "http_502",
    });
    expect(error.message).toContain("Bad Gateway");
  });

  it("reports an unreachable GM as service_unavailable without an HTTP status", async () => {
    const client = createGameMasterClient({ baseUrl: "http://127.0.0.1:1", timeoutMs: 2_000 });
    const error = await failure(client.listRuntimes());
    expect(error).toMatchObject({
      code: "service_unavailable",
      kind: "unreachable",
      httpStatus: null,
    });
    expect(error.message).toMatch(/^GM unreachable at http:\/\/127\.0\.0\.1:1: /);
  });

  it("gives up after the timeout", async () => {
    const { client } = clientWith(() => new Promise<Response>(() => {}), 50);
    const error = await failure(client.forceNextTurn("g1"));
    expect(error).toMatchObject({
      kind: "unreachable",
      message: expect.stringMatching(/timeout$/),
    });
  });
});
