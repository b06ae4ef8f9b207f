import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectionReason,
  createHttpAgent,
  errorEnvelopeOf,
  httpCall,
  joinUrl,
} from "./http-call.js";

let server: Server;
let base: string;
const agent = createHttpAgent({ connectionsPerOrigin: 4 });
const sockets = new Set<unknown>();
const seen: { method: string; url: string; contentType: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = "";
    req.on("data", (chunk) => {
      body += String(chunk);
    });
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        contentType: req.headers["content-type"] ?? "",
        body,
      });
      if (req.url === "/slow") return; // never answers
      const status = req.url === "/teapot" ? 418 : 200;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ echo: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const unreachable = (message: string, cause: unknown) =>
  Object.assign(new Error(message), { cause, mapped: true });

describe("httpCall", () => {
  it("sends JSON, returns any status with the whole body, and reuses the pool's sockets", async () => {
    sockets.clear();
    const ok = await httpCall({
      dispatcher: agent,
      url: joinUrl(base, "/echo"),
      method: "POST",
      body: { a: 1 },
      timeoutMs: 2_000,
      label: "test echo",
      unreachable,
    });
    expect(ok).toEqual({
      status: 200,
      contentType: "application/json; charset=utf-8",
      body: JSON.stringify({ echo: '{"a":1}' }),
    });
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      url: "/echo",
      contentType: "application/json",
    });
    const refused = await httpCall({
      dispatcher: agent,
      url: joinUrl(base, "/teapot"),
      method: "GET",
      timeoutMs: 2_000,
      label: "test teapot",
      unreachable,
    });
    expect(refused.status).toBe(418);
    for (let index = 0; index < 5; index += 1) {
      await httpCall({
        dispatcher: agent,
        url: joinUrl(base, "/echo"),
        method: "GET",
        timeoutMs: 2_000,
        label: "test echo",
        unreachable,
      });
    }
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it("builds the client's own error for a timeout and for a refused connection", async () => {
    await expect(
      httpCall({
        dispatcher: agent,
        url: joinUrl(base, "/slow"),
        method: "GET",
        timeoutMs: 100,
        label: "test slow",
        unreachable,
      }),
    ).rejects.toMatchObject({ message: "test slow timed out after 100ms", mapped: true });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      httpCall({
        dispatcher: agent,
        url: `http://127.0.0.1:${port}/x`,
        method: "GET",
        timeoutMs: 2_000,
        label: "test closed",
        unreachable,
      }),
    ).rejects.toMatchObject({ message: "test closed failed: ECONNREFUSED", mapped: true });
  });
});

describe("helpers", () => {
  it("joinUrl ignores trailing slashes of the base", () => {
    expect(joinUrl("http://rtm:8080///", "/api")).toBe("http://rtm:8080/api");
  });

  it("connectionReason finds the first code in the cause chain", () => {
    const error = new Error("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "EHOSTUNREACH" }),
    });
    expect(connectionReason(error)).toBe("EHOSTUNREACH");
    expect(connectionReason(new Error("plain"))).toBe("plain");
  });

  it("errorEnvelopeOf reads a Galaxy envelope and nothing else", () => {
    expect(errorEnvelopeOf('{"error":{"code":"conflict","message":"busy"}}')).toEqual({
      code: "conflict",
      message: "busy",
    });
    expect(errorEnvelopeOf('{"error":{"code":"conflict"}}')).toEqual({
      code: "conflict",
      message: "",
    });
    expect(errorEnvelopeOf('{"error":"nope"}')).toBeNull();
    expect(errorEnvelopeOf("<html>")).toBeNull();
  });
});
