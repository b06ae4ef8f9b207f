import { describe, expect, it } from "vitest";
import { HttpRtmClient, rtmErrorDetail } from "./rtm-client.js";

function client(answer: (url: string, init: RequestInit) => Promise<Response>) {
  const calls: { url: string; body: unknown }[] = [];
  const observed: string[] = [];
  const rtm = new HttpRtmClient({
    baseUrl: "http://rtm:8080/",
    timeoutMs: 50,
    observe: (operation, outcome) => observed.push(`${operation}:${outcome}`),
    fetch: async (input, init = {}) => {
      const url = String(input);
      calls.push({ url, body: JSON.parse(String(init.body)) });
      return answer(url, init);
    },
  });
  return { rtm, calls, observed };
}

describe("HttpRtmClient", () => {
  it("posts stop {reason} and patch {image_ref} to the runtime's paths", async () => {
    const t = client(async () => new Response('{"game_id":"g 1","status":"stopped"}'));
    await t.rtm.stop("g 1", "admin_request");
    await t.rtm.patch("g 1", "galaxy/game:1.4.3");
    expect(t.calls).toEqual([
      {
        url: "http://rtm:8080/api/v1/internal/runtimes/g%201/stop",
        body: { reason: "admin_request" },
      },
      {
        url: "http://rtm:8080/api/v1/internal/runtimes/g%201/patch",
        body: { image_ref: "galaxy/game:1.4.3" },
      },
    ]);
    expect(t.observed).toEqual(["stop:ok", "patch:ok"]);
  });

  it("maps an RTM error answer to runtime_manager_unavailable carrying RTM's code", async () => {
    const t = client(
      async () =>
        new Response('{"error":{"code":"internal_error","message":"docker is down"}}', {
          status: 500,
        }),
    );
    await expect(t.rtm.stop("g1", "timeout")).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
      message: "runtime manager stop answered 500 internal_error: docker is down",
    });
    expect(t.observed).toEqual(["stop:error"]);
  });

  it("maps a connection failure and a timeout to runtime_manager_unavailable", async () => {
    const refused = client(async () => {
      throw Object.assign(new TypeError("fetch failed"), {
        cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
      });
    });
    await expect(refused.rtm.patch("g1", "x")).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
      message: "runtime manager patch failed: ECONNREFUSED",
    });
    const slow = client(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    );
    await expect(slow.rtm.stop("g1", "timeout")).rejects.toMatchObject({
      code: "runtime_manager_unavailable",
      message: "runtime manager stop timed out after 50ms",
    });
    expect(slow.observed).toEqual(["stop:unreachable"]);
  });

  it("describes non-envelope answers by status and text", () => {
    expect(rtmErrorDetail(503, "")).toBe("503");
    expect(rtmErrorDetail(404, "no such runtime")).toBe("404 no such runtime");
    expect(rtmErrorDetail(409, '{"error":{"code":"conflict"}}')).toBe("409 conflict");
  });
});
