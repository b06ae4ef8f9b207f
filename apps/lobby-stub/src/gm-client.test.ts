import { describe, expect, it } from "vitest";
import { createGmClient, type GmCallRecord } from "./gm-client.js";

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string | null;
}

function clientWith(respond: (seen: Seen) => Response | Promise<Response>, timeoutMs = 1_000) {
  const seen: Seen[] = [];
  const records: GmCallRecord[] = [];
  const client = createGmClient({
    baseUrl: "http://gm.test/",
    timeoutMs,
    onCall: (record) => records.push(record),
    fetch: async (request) => {
      const text = await request.text();
      const entry: Seen = {
        url: request.url,
        method: request.method,
        headers: request.headers,
        body: text === "" ? null : text,
      };
      seen.push(entry);
      return await respond(entry);
    },
  });
  return { client, seen, records };
}

describe("createGmClient", () => {
  it("sends register-runtime as lobby_internal with a JSON body", async () => {
    const { client, seen, records } = clientWith(() =>
      Response.json({ status: "running", current_turn: 0 }),
    );
    const body = {
      engine_endpoint: "http://engine/games/g1",
      members: [{ user_id: "u1", race_name: "Zorgons" }],
      target_engine_version: "1.2.3",
      turn_schedule: "0 * * * *",
    };
    const result = await client.registerRuntime("g 1", body);
    expect(result).toEqual({
      kind: "ok",
      status: 200,
      body: { status: "running", current_turn: 0 },
    });
    expect(seen[0]?.url).toBe("http://gm.test/api/v1/internal/games/g%201/runtime");
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers.get("x-op-source")).toBe("lobby_internal");
    expect(seen[0]?.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(seen[0]?.body ?? "null")).toEqual(body);
    expect(records[0]).toMatchObject({
      operation: "internalRegisterRuntime",
      game_id: "g 1",
      status: 200,
      outcome: "ok",
    });
  });

  it("builds the image-ref, liveness and invalidate paths", async () => {
    const { client, seen } = clientWith(() => new Response(null, { status: 204 }));
    await client.resolveImageRef("1.2.3");
    await client.liveness("g1");
    await client.invalidateMemberships("g1");
    expect(seen.map((entry) => `${entry.method} ${entry.url}`)).toEqual([
      "GET http://gm.test/api/v1/internal/engine-versions/1.2.3/image-ref",
      "GET http://gm.test/api/v1/internal/games/g1/liveness",
      "POST http://gm.test/api/v1/internal/games/g1/memberships/invalidate",
    ]);
    expect(seen.every((entry) => entry.headers.get("x-op-source") === "lobby_internal")).toBe(true);
  });

  it("reads code and message out of GM's error envelope", async () => {
    const { client } = clientWith(() =>
      Response.json(
        { error: { code: "engine_version_not_found", message: "no such version" } },
        { status: 404 },
      ),
    );
    expect(await client.resolveImageRef("9.9.9")).toEqual({
      kind: "error",
      status: 404,
      code: "engine_version_not_found",
      message: "no such version",
    });
  });

  it("names the status when an error has no envelope", async () => {
    const { client } = clientWith(() => new Response("<html>bad gateway</html>", { status: 502 }));
    expect(await client.liveness("g1")).toMatchObject({
      kind: "error",
      status: 502,
      code: "http_502",
    });
  });

  it("turns a network failure into unreachable", async () => {
    const { client, records } = clientWith(() => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
    });
    const result = await client.invalidateMemberships("g1");
    expect(result).toEqual({ kind: "unreachable", message: "fetch failed: connect ECONNREFUSED" });
    expect(records[0]).toMatchObject({ outcome: "unreachable", status: null });
  });

  it("gives up after the timeout", async () => {
    const { client } = clientWith(() => new Promise<Response>(() => {}), 50);
    expect(await client.liveness("g1")).toEqual({ kind: "unreachable", message: "timeout" });
  });
});
