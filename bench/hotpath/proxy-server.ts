/**
 * Targets (b) and (b′) of `pnpm bench:hotpath`: the thinnest proxies this stack allows —
 * @hono/node-server, one Hono route, the body parsed, one call through Game Master's own engine
 * client (same class, same keep-alive pool settings), the engine's body relayed. No validation, no
 * database, no membership check, no middleware, no logging, no metrics.
 *
 * - `/games/:gameId/commands` (b, the floor) reads the body from Node's request
 *   (`c.env.incoming`), as Game Master's hot path does;
 * - `/games/:gameId/commands-web` (b′) reads it the idiomatic Hono way, `c.req.json()`, which has
 *   @hono/node-server build a Web `Request` with its streams first.
 */
import { HttpEngineClient } from "@galaxy/gamemaster";
import { type HttpBindings, serve } from "@hono/node-server";
import { Hono } from "hono";

const port = Number(process.env.PROXY_PORT ?? "0");
const engineUrl = process.env.PROXY_ENGINE_URL ?? "http://127.0.0.1:8090";
const actor = process.env.PROXY_ACTOR ?? "Race1";

const engine = new HttpEngineClient({ timeoutMs: 5_000, turnTimeoutMs: 60_000 });
const app = new Hono<{ Bindings: HttpBindings }>();

function relay(body: string): Response {
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function readBody(incoming: HttpBindings["incoming"]): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    incoming.on("error", reject);
  });
}

app.post("/games/:gameId/commands", async (c) => {
  const body = JSON.parse(await readBody(c.env.incoming)) as { commands: unknown[] };
  const raw = await engine.command(
    `${engineUrl}/games/${c.req.param("gameId")}`,
    actor,
    body.commands,
  );
  return relay(raw.body);
});

app.post("/games/:gameId/commands-web", async (c) => {
  const body = await c.req.json<{ commands: unknown[] }>();
  const raw = await engine.command(
    `${engineUrl}/games/${c.req.param("gameId")}`,
    actor,
    body.commands,
  );
  return relay(raw.body);
});

app.get("/healthz", (c) => c.json({ status: "ok" }));

const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
process.on("SIGTERM", () => {
  server.close();
  void engine.close();
  process.exit(0);
});
