import type { IncomingMessage } from "node:http";
import { serve } from "@hono/node-server";
import type { Context } from "hono";
import { Hono } from "hono";

/** The GM operations the lobby stub calls. */
export type FakeGmOperation = "resolve" | "register" | "liveness" | "invalidate";

/** An override for one operation: drop the connection, or answer with an error envelope. */
export type FakeGmBehaviour = "drop" | { status: number; code: string; message?: string };

/** One request the fake GM received. */
export interface FakeGmCall {
  operation: FakeGmOperation;
  method: string;
  path: string;
  gameId: string | null;
  opSource: string | null;
  body: unknown;
}

/** A runtime record as the fake GM keeps it. */
export interface FakeRuntime {
  game_id: string;
  status: string;
  engine_endpoint: string;
  current_turn: number;
  members: { user_id: string; race_name: string }[];
}

/**
 * A small in-memory stand-in for GM's internal REST surface: image-ref resolve, register-runtime,
 * liveness and invalidate. Usable in-process (`fetch`) or on a real port (`listen`).
 */
export class FakeGm {
  readonly versions = new Map<string, string>([["1.2.3", "galaxy/game:1.2.3"]]);
  readonly runtimes = new Map<string, FakeRuntime>();
  readonly calls: FakeGmCall[] = [];
  readonly behaviours: Partial<Record<FakeGmOperation, FakeGmBehaviour>> = {};
  /** Every operation behaves as "drop" while true. */
  down = false;
  readonly app: Hono;

  constructor() {
    const app = new Hono<{ Bindings: { incoming?: IncomingMessage } }>();
    app.get("/api/v1/internal/engine-versions/:version/image-ref", (c) =>
      this.#handle(c, "resolve", null, () => {
        const imageRef = this.versions.get(c.req.param("version"));
        if (imageRef === undefined) {
          return c.json(
            { error: { code: "engine_version_not_found", message: "engine version not found" } },
            404,
          );
        }
        return c.json({ image_ref: imageRef });
      }),
    );
    app.post("/api/v1/internal/games/:game_id/runtime", (c) =>
      this.#handle(c, "register", c.req.param("game_id"), (body) => {
        const gameId = c.req.param("game_id");
        if (this.runtimes.has(gameId)) {
          return c.json({ error: { code: "conflict", message: "runtime exists" } }, 409);
        }
        const input = body as { engine_endpoint: string; members: FakeRuntime["members"] };
        const runtime: FakeRuntime = {
          game_id: gameId,
          status: "running",
          engine_endpoint: input.engine_endpoint,
          current_turn: 0,
          members: input.members,
        };
        this.runtimes.set(gameId, runtime);
        return c.json(runtime);
      }),
    );
    app.get("/api/v1/internal/games/:game_id/liveness", (c) =>
      this.#handle(c, "liveness", c.req.param("game_id"), () => {
        const runtime = this.runtimes.get(c.req.param("game_id"));
        if (runtime === undefined) {
          return c.json({ error: { code: "runtime_not_found", message: "no runtime" } }, 404);
        }
        return c.json({ ready: runtime.status === "running", status: runtime.status });
      }),
    );
    app.post("/api/v1/internal/games/:game_id/memberships/invalidate", (c) =>
      this.#handle(c, "invalidate", c.req.param("game_id"), () => c.body(null, 204)),
    );
    this.app = app as unknown as Hono;
  }

  /** A `fetch` that routes into the fake in-process; "drop" throws like a refused connection. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const response = await this.app.request(request);
    if (response.headers.get("x-fake-gm-drop") === "1") throw new TypeError("fetch failed");
    return response;
  };

  /** Calls of one operation, optionally for one game. */
  callsOf(operation: FakeGmOperation, gameId?: string): FakeGmCall[] {
    return this.calls.filter(
      (call) => call.operation === operation && (gameId === undefined || call.gameId === gameId),
    );
  }

  /** Serves the fake on a free local port. */
  async listen(): Promise<{ url: string; close(): Promise<void> }> {
    return new Promise((resolve) => {
      const server = serve({ fetch: this.app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              if ("closeAllConnections" in server) server.closeAllConnections();
            }),
        });
      });
    });
  }

  async #handle(
    c: Context<{ Bindings: { incoming?: IncomingMessage } }>,
    operation: FakeGmOperation,
    gameId: string | null,
    respond: (body: unknown) => Response,
  ): Promise<Response> {
    const text = await c.req.text();
    this.calls.push({
      operation,
      method: c.req.method,
      path: c.req.path,
      gameId,
      opSource: c.req.header("x-op-source") ?? null,
      body: text === "" ? null : JSON.parse(text),
    });
    const behaviour = this.down ? "drop" : this.behaviours[operation];
    if (behaviour === "drop") {
      // On a real socket: reset the connection so the client sees a network error.
      c.env?.incoming?.socket.destroy();
      return c.body(null, 503, { "x-fake-gm-drop": "1" });
    }
    if (behaviour !== undefined) {
      return c.json(
        { error: { code: behaviour.code, message: behaviour.message ?? behaviour.code } },
        behaviour.status as 400,
      );
    }
    return respond(text === "" ? null : JSON.parse(text));
  }
}
