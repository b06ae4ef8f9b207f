import { startTcpProxy, type TcpProxy } from "@galaxy/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGameMaster, type TestGameMaster } from "./support/gamemaster.js";

let proxy: TcpProxy | undefined;
let t: TestGameMaster;

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  let last: T = await probe();
  while (!accept(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

beforeAll(async () => {
  t = await startTestGameMaster({
    label: "gm_pg_outage",
    // GM reaches PostgreSQL only through the proxy, migrations included.
    postgresUrl: async (url) => {
      const parsed = new URL(url);
      proxy = await startTcpProxy({ host: parsed.hostname, port: Number(parsed.port || "5432") });
      parsed.hostname = "127.0.0.1";
      parsed.port = String(proxy.port);
      return parsed.toString();
    },
    start: { readinessTimeoutMs: 500 },
  });
});

afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

describe("PostgreSQL outage", () => {
  it("reports 503 while PostgreSQL is unreachable and recovers by itself", async () => {
    const proxyInstance = proxy;
    if (proxyInstance === undefined) throw new Error("proxy not started");

    expect((await t.call("GET", "/readyz")).status).toBe(200);
    const created = await t.call("POST", "/api/v1/internal/engine-versions", {
      version: "1.0.0",
      image_ref: "galaxy/game:1.0.0",
    });
    expect(created.status).toBe(201);

    proxyInstance.cut();

    const notReady = await t.call("GET", "/readyz");
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({
      error: { code: "service_unavailable", message: "not ready: postgres" },
    });
    for (const [method, path] of [
      ["GET", "/api/v1/internal/engine-versions/1.0.0"],
      ["GET", "/api/v1/internal/runtimes"],
      ["GET", "/api/v1/internal/games/g1/runtime"],
    ] as const) {
      const response = await t.call(method, path);
      expect(response.status, path).toBe(503);
      expect(response.body).toEqual({
        error: { code: "service_unavailable", message: "database unavailable" },
      });
    }
    const write = await t.call("POST", "/api/v1/internal/engine-versions", {
      version: "1.0.1",
      image_ref: "galaxy/game:1.0.1",
    });
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({ error: { code: "service_unavailable" } });
    expect((await t.call("GET", "/healthz")).status).toBe(200);

    proxyInstance.restore();

    const ready = await eventually(
      () => t.call("GET", "/readyz"),
      (response) => response.status === 200,
    );
    expect(ready.status).toBe(200);
    const read = await t.call("GET", "/api/v1/internal/engine-versions/1.0.0");
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ version: "1.0.0" });
    // The write refused during the outage left nothing behind.
    expect((await t.call("GET", "/api/v1/internal/engine-versions/1.0.1")).status).toBe(404);
  });
});
