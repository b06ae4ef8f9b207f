import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHttpAgent } from "./http-call.js";
import {
  HttpRtmClient,
  type RtmCallOutcome,
  rtmAnswerError,
  rtmErrorDetail,
} from "./rtm-client.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let handler: Handler;
const received: { url: string; body: unknown }[] = [];
const sockets = new Set<unknown>();
const observed: string[] = [];
const agent = createHttpAgent();
let rtm: HttpRtmClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    let text = "";
    req.on("data", (chunk) => {
      text += String(chunk);
    });
    req.on("end", () => {
      received.push({ url: req.url ?? "", body: text === "" ? null : JSON.parse(text) });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  rtm = new HttpRtmClient({
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    timeoutMs: 1000,
    observe: (operation, outcome: RtmCallOutcome) => observed.push(`${operation}:${outcome}`),
    dispatcher: agent,
  });
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  observed.length = 0;
  sockets.clear();
});

function json(status: number, value: unknown): Handler {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(typeof value === "string" ? value : JSON.stringify(value));
  };
}

const envelope = (code: string, message: string) => ({ error: { code, message } });

describe("HttpRtmClient", () => {
  it("posts stop {reason} and patch {image_ref} over kept-alive connections of the shared pool", async () => {
    handler = json(200, { game_id: "g 1", status: "stopped" });
    await rtm.stop("g 1", "admin_request");
    await rtm.patch("g 1", "galaxy/game:1.4.3");
    expect(received).toEqual([
      { url: "/api/v1/internal/runtimes/g%201/stop", body: { reason: "admin_request" } },
      { url: "/api/v1/internal/runtimes/g%201/patch", body: { image_ref: "galaxy/game:1.4.3" } },
    ]);
    expect(observed).toEqual(["stop:ok", "patch:ok"]);
    for (let index = 0; index < 8; index += 1) {
      await rtm.stop("g 1", "admin_request");
    }
    // undici may open a second socket while the first is being released; it
    // never opens one per call.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it("treats an RTM 5xx as an outage: runtime_manager_unavailable carrying RTM's words", async () => {
    handler = json(500, envelope("internal_error", "docker is down"));
    await expect(rtm.stop("g1", "timeout")).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
      status: 502,
      message: "runtime manager stop answered 500 internal_error: docker is down",
    });
    expect(observed).toEqual(["stop:error"]);
  });

  it("keeps RTM's code and message on a refusal GM has the code for", async () => {
    handler = json(409, envelope("conflict", "container is being recreated"));
    await expect(rtm.patch("g1", "galaxy/game:1.4.3")).rejects.toMatchObject({
      code: "conflict",
      status: 409,
      message: "container is being recreated",
    });
    handler = json(422, envelope("semver_patch_only", "tag 1.5.0 is not a patch of 1.4.2"));
    await expect(rtm.patch("g1", "galaxy/game:1.5.0")).rejects.toMatchObject({
      code: "semver_patch_only",
      status: 422,
      message: "tag 1.5.0 is not a patch of 1.4.2",
    });
    expect(observed).toEqual(["patch:refused", "patch:refused"]);
  });

  it("maps an RTM 404 to not_found and an unknown refusal code to conflict", async () => {
    handler = json(404, envelope("not_found", "no container for game g1"));
    await expect(rtm.stop("g1", "admin_request")).rejects.toMatchObject({
      code: "not_found",
      message: "no container for game g1",
    });
    handler = json(422, envelope("image_ref_not_semver", "tag latest is not a semver"));
    await expect(rtm.patch("g1", "galaxy/game:latest")).rejects.toMatchObject({
      code: "conflict",
      message:
        "runtime manager refused patch: 422 image_ref_not_semver: tag latest is not a semver",
    });
  });

  it("maps a connection failure and a timeout to runtime_manager_unavailable", async () => {
    const port = (server.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = new HttpRtmClient({
      baseUrl: `http://127.0.0.1:${closedPort}`,
      timeoutMs: 200,
    });
    await expect(refused.patch("g1", "x")).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
      message: "runtime manager patch failed: ECONNREFUSED",
    });
    await refused.close();

    handler = () => {
      // Never answers.
    };
    await expect(rtm.stop("g1", "timeout")).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
      message: "runtime manager stop timed out after 1000ms",
    });
    expect(observed).toEqual(["stop:unreachable"]);
    expect(port).toBeGreaterThan(0);
  });
});

describe("rtmAnswerError", () => {
  it.each([
    [400, envelope("invalid_request", "reason: bad"), "invalid_request", "reason: bad"],
    [403, envelope("forbidden", "no"), "forbidden", "no"],
    [404, "", "not_found", "runtime manager does not know the game's container"],
    [404, envelope("runtime_not_found", "gone"), "not_found", "gone"],
    [
      409,
      envelope("not_found", "odd"),
      "conflict",
      "runtime manager refused stop: 409 not_found: odd",
    ],
    [409, "busy", "conflict", "runtime manager refused stop: 409 busy"],
    [408, "", "runtime_manager_unavailable", "runtime manager stop answered 408"],
    [429, "", "runtime_manager_unavailable", "runtime manager stop answered 429"],
    [
      503,
      envelope("docker_unavailable", "x"),
      "runtime_manager_unavailable",
      "runtime manager stop answered 503 docker_unavailable: x",
    ],
    [302, "", "runtime_manager_unavailable", "runtime manager stop answered 302"],
  ])("%i %j → %s", (status, body, code, message) => {
    const error = rtmAnswerError(
      "stop",
      status,
      typeof body === "string" ? body : JSON.stringify(body),
    );
    expect({ code: error.code, message: error.message }).toEqual({ code, message });
  });

  it("describes non-envelope answers by status and text", () => {
    expect(rtmErrorDetail(503, "")).toBe("503");
    expect(rtmErrorDetail(404, "no such runtime")).toBe("404 no such runtime");
    expect(rtmErrorDetail(409, '{"error":{"code":"conflict"}}')).toBe("409 conflict");
  });
});
