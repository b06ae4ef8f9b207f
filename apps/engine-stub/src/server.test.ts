import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateResponse } from "./game-store.js";
import { type RunningEngineStub, startEngineStub } from "./server.js";

describe("startEngineStub over a real socket", () => {
  let stub: RunningEngineStub;

  beforeAll(async () => {
    stub = await startEngineStub({ finishAtTurn: 2 });
  });

  afterAll(async () => {
    await stub.close();
  });

  it("listens on 127.0.0.1 on a free port and serves a whole game", async () => {
    expect(stub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stub.port).toBeGreaterThan(0);
    const health = await fetch(`${stub.url}/healthz`);
    expect(health.status).toBe(200);

    const endpoint = stub.engineEndpoint("game-1");
    expect(endpoint).toBe(`${stub.url}/games/game-1`);
    const init = await fetch(`${endpoint}/api/v1/admin/init`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ races: [{ race_name: "Aelinari" }] }),
    });
    expect(init.status).toBe(200);
    const first = (await (
      await fetch(`${endpoint}/api/v1/admin/turn`, { method: "POST" })
    ).json()) as StateResponse;
    const second = (await (
      await fetch(`${endpoint}/api/v1/admin/turn`, { method: "POST" })
    ).json()) as StateResponse;
    expect(first).toMatchObject({ turn: 1, finished: false });
    expect(second).toMatchObject({ turn: 2, finished: true });

    const command = await fetch(`${endpoint}/api/v1/command`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ actor: "Aelinari", cmd: [] }),
    });
    expect(await command.json()).toEqual({ actor: "Aelinari", accepted: 0, turn: 2 });
  });

  it("closes promptly even with keep-alive connections open", async () => {
    const other = await startEngineStub();
    await fetch(`${other.url}/healthz`);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
  });
});
