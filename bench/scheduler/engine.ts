/** The engine stub of a row: a fresh process with the row's N games initialised. */
import { resolve } from "node:path";
import { freePort } from "@galaxy/testkit";
import { Agent, request } from "undici";
import { log, mapLimit, RACES, ROOT } from "./common.js";
import { NodeProcess, waitForHttp } from "./processes.js";

export interface EngineStub {
  url: string;
  process: NodeProcess;
}

/**
 * Starts the engine stub and initialises `gameIds` on it. Every row gets its own (a turn moves a
 * game forward, and the stub's CPU and memory are reported per row).
 */
export async function startEngineStub(gameIds: readonly string[]): Promise<EngineStub> {
  const port = await freePort();
  const engine = new NodeProcess("engine stub", resolve(ROOT, "apps/engine-stub/src/main.ts"), {
    ENGINE_STUB_HTTP_PORT: String(port),
    ENGINE_STUB_HTTP_HOST: "127.0.0.1",
    // The stub keeps the last calls of every game for its test controls; a few are enough here.
    ENGINE_STUB_CALLS_LIMIT: "4",
    LOG_LEVEL: "warn",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, engine);
  log(`    initialising ${gameIds.length} games on the engine stub`);
  const pool = new Agent({ connections: 32 });
  const body = JSON.stringify({ races: RACES.map((race_name) => ({ race_name })) });
  try {
    await mapLimit(gameIds, 32, async (gameId) => {
      const response = await request(`${url}/games/${gameId}/api/v1/admin/init`, {
        method: "POST",
        dispatcher: pool,
        headers: { "content-type": "application/json" },
        body,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        throw new Error(`engine init ${gameId}: ${response.statusCode} ${text}`);
      }
    });
  } finally {
    await pool.close();
  }
  return { url, process: engine };
}
