import {
  createErrorHandler,
  errorEnvelope,
  formatZodError,
  GalaxyError,
  notFoundHandler,
} from "@galaxy/errors";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import {
  ENGINE_OPERATIONS,
  type EngineOperation,
  EngineRuleError,
  type GameEntry,
  GameStore,
} from "./game-store.js";

/** The logging surface of the stub; a pino logger satisfies it. */
export interface EngineStubLogger {
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Options of {@link createEngineStubApp}. */
export interface EngineStubOptions {
  /** Turn at which every game finishes unless overridden per game; 0 (default) = never. */
  finishAtTurn?: number;
  /** How many calls each game's call log keeps (oldest dropped first); default 1000. */
  callsLimit?: number;
  logger?: EngineStubLogger;
}

/** Default size of each game's call log. */
export const DEFAULT_CALLS_LIMIT = 1000;

const MAX_DELAY_MS = 10 * 60 * 1000;

const raceName = z.string().min(1, "must be a non-empty string");

const InitBodySchema = z.strictObject({
  races: z.array(z.strictObject({ race_name: raceName })).min(1, "must list at least one race"),
});
const BanishBodySchema = z.strictObject({ race_name: raceName });
const CommandBodySchema = z.strictObject({ actor: raceName, cmd: z.array(z.unknown()) });
const OrderBodySchema = z.strictObject({ actor: raceName, orders: z.array(z.unknown()) });
const RosterOverrideSchema = z.strictObject({
  race_names: z.array(raceName),
});

const NOT_JSON = Symbol("not-json");
const GAME_PATH = /^\/games\/([^/]+)/;

function invalid(message: string): GalaxyError {
  return new GalaxyError("invalid_request", message);
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === NOT_JSON) throw invalid("request body must be valid JSON");
  const result = schema.safeParse(body);
  if (!result.success) throw invalid(`invalid request: ${formatZodError(result.error)}`);
  return result.data;
}

function ruleError(error: unknown): never {
  if (error instanceof EngineRuleError) {
    const code =
      error.kind === "not_found" ? "not_found" : error.kind === "conflict" ? "conflict" : null;
    throw new GalaxyError(code ?? "invalid_request", error.message);
  }
  throw error;
}

/** The envelope code an injected failure status is answered with. */
function faultCode(status: number): string {
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 503) return "service_unavailable";
  return status >= 500 ? "internal_error" : "invalid_request";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function intParam(
  value: string | undefined,
  name: string,
  options: { min: number; max: number; fallback?: number },
): number {
  if (value === undefined || value === "") {
    if (options.fallback !== undefined) return options.fallback;
    throw invalid(`query parameter ${name} is required`);
  }
  if (!/^-?[0-9]+$/.test(value)) throw invalid(`query parameter ${name} must be an integer`);
  const parsed = Number(value);
  if (parsed < options.min || parsed > options.max) {
    throw invalid(`query parameter ${name} must be between ${options.min} and ${options.max}`);
  }
  return parsed;
}

function operationParam(value: string | undefined): EngineOperation {
  if (value === undefined || !(ENGINE_OPERATIONS as readonly string[]).includes(value)) {
    throw invalid(`query parameter op must be one of ${ENGINE_OPERATIONS.join(", ")}`);
  }
  return value as EngineOperation;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text === "") return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function actorOf(body: unknown): string | null {
  if (typeof body === "object" && body !== null && "actor" in body) {
    const actor = (body as { actor: unknown }).actor;
    return typeof actor === "string" ? actor : null;
  }
  return null;
}

/**
 * Builds the fake Galaxy engine: many games in one process, each under `/games/{game_id}` with the
 * engine API (docs/reference.md#neighbour-contracts) relative to it, plus per-game test controls under `/games/{game_id}/_stub`.
 * All state is in memory and every answer is deterministic for a given game id and roster.
 */
export function createEngineStubApp(options: EngineStubOptions = {}): Hono {
  const defaultFinishAt = options.finishAtTurn ?? 0;
  const store = new GameStore(options.callsLimit ?? DEFAULT_CALLS_LIMIT);
  const logger = options.logger;
  const app = new Hono();

  app.onError(logger === undefined ? createErrorHandler() : createErrorHandler({ logger }));
  app.notFound(notFoundHandler);

  if (logger !== undefined) {
    app.use(async (c, next) => {
      const started = performance.now();
      await next();
      logger.debug(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          duration_ms: Math.round((performance.now() - started) * 10) / 10,
          game_id: GAME_PATH.exec(c.req.path)?.[1],
        },
        "request",
      );
    });
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  /**
   * Common prologue of every engine call: find the game, record the call, apply an armed delay
   * and fault. Returns the game, or a Response the handler must return as-is.
   */
  async function enter(
    c: Context,
    op: EngineOperation,
    path: string,
    body: unknown,
    actor: string | null,
    query?: Record<string, string>,
  ): Promise<GameEntry | Response> {
    const gameId = c.req.param("gameId") ?? "";
    const entry = op === "init" ? store.getOrCreate(gameId) : store.get(gameId);
    if (entry === undefined) {
      throw new GalaxyError("not_found", `game ${JSON.stringify(gameId)} not found`);
    }
    entry.record(c.req.method, path, query, body === NOT_JSON ? null : body, actor);
    const delay = entry.takeDelay(op);
    if (delay > 0) await sleep(delay);
    const fault = entry.takeFault(op);
    if (fault !== undefined) {
      if (fault.kind === "garbage") {
        return c.body("<html>this is not JSON</html>", 200, { "content-type": "application/json" });
      }
      return c.json(
        errorEnvelope(faultCode(fault.status), fault.message),
        fault.status as ContentfulStatusCode,
      );
    }
    if (!entry.initialized && op !== "init") {
      throw new GalaxyError("not_found", `game ${JSON.stringify(gameId)} is not initialised`);
    }
    return entry;
  }

  const engine = new Hono();

  engine.post("/api/v1/admin/init", async (c) => {
    const raw = await readJson(c);
    const entry = await enter(c, "init", "/api/v1/admin/init", raw, null);
    if (entry instanceof Response) return entry;
    const body = parseWith(InitBodySchema, raw);
    const names = body.races.map((race) => race.race_name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) throw invalid(`duplicate race_name ${JSON.stringify(duplicate)}`);
    return c.json(entry.init(names));
  });

  engine.get("/api/v1/admin/status", async (c) => {
    const entry = await enter(c, "status", "/api/v1/admin/status", null, null);
    if (entry instanceof Response) return entry;
    return c.json(entry.state());
  });

  engine.post("/api/v1/admin/turn", async (c) => {
    const entry = await enter(c, "turn", "/api/v1/admin/turn", null, null);
    if (entry instanceof Response) return entry;
    try {
      return c.json(entry.advance(defaultFinishAt));
    } catch (error) {
      return ruleError(error);
    }
  });

  engine.post("/api/v1/admin/race/banish", async (c) => {
    const raw = await readJson(c);
    const entry = await enter(c, "banish", "/api/v1/admin/race/banish", raw, null);
    if (entry instanceof Response) return entry;
    const body = parseWith(BanishBodySchema, raw);
    try {
      entry.banish(body.race_name);
    } catch (error) {
      ruleError(error);
    }
    return c.body(null, 204);
  });

  engine.post("/api/v1/command", async (c) => {
    const raw = await readJson(c);
    const entry = await enter(c, "command", "/api/v1/command", raw, actorOf(raw));
    if (entry instanceof Response) return entry;
    const body = parseWith(CommandBodySchema, raw);
    try {
      entry.requireActiveRace(body.actor);
    } catch (error) {
      ruleError(error);
    }
    return c.json({ actor: body.actor, accepted: body.cmd.length, turn: entry.turn });
  });

  engine.put("/api/v1/order", async (c) => {
    const raw = await readJson(c);
    const entry = await enter(c, "order", "/api/v1/order", raw, actorOf(raw));
    if (entry instanceof Response) return entry;
    const body = parseWith(OrderBodySchema, raw);
    try {
      entry.requireActiveRace(body.actor);
    } catch (error) {
      ruleError(error);
    }
    return c.json({ actor: body.actor, accepted: body.orders.length, turn: entry.turn });
  });

  engine.get("/api/v1/report", async (c) => {
    const query = c.req.query();
    const entry = await enter(c, "report", "/api/v1/report", null, query.player ?? null, query);
    if (entry instanceof Response) return entry;
    const player = query.player;
    if (player === undefined || player === "") throw invalid("query parameter player is required");
    const turn = intParam(query.turn, "turn", { min: 0, max: Number.MAX_SAFE_INTEGER });
    try {
      return c.json(entry.report(player, turn));
    } catch (error) {
      return ruleError(error);
    }
  });

  engine.get("/healthz", (c) => c.json({ status: "ok" }));

  // Test controls. They create the game entry when needed so a test can arm them before init.
  const controls = new Hono();

  controls.post("/fail-next-turn", (c) => {
    const entry = store.getOrCreate(c.req.param("gameId") ?? "");
    const status = intParam(c.req.query("status"), "status", { min: 400, max: 599, fallback: 500 });
    entry.faults.turn = {
      kind: "error",
      status,
      message: c.req.query("message") ?? "engine stub: injected turn failure",
      remaining: 1,
    };
    return c.json({ game_id: entry.gameId, op: "turn", fault: entry.faults.turn });
  });

  controls.post("/slow-next-turn", (c) => {
    const entry = store.getOrCreate(c.req.param("gameId") ?? "");
    const ms = intParam(c.req.query("ms"), "ms", { min: 0, max: MAX_DELAY_MS });
    entry.delays.turn = ms;
    return c.json({ game_id: entry.gameId, op: "turn", delay_ms: ms });
  });

  controls.post("/fail-next-call", (c) => {
    const entry = store.getOrCreate(c.req.param("gameId") ?? "");
    const op = operationParam(c.req.query("op"));
    const kind = c.req.query("kind") ?? "error";
    if (kind !== "error" && kind !== "garbage") {
      throw invalid("query parameter kind must be error or garbage");
    }
    const status =
      kind === "garbage"
        ? 200
        : intParam(c.req.query("status"), "status", { min: 400, max: 599, fallback: 500 });
    const times = intParam(c.req.query("times"), "times", { min: 1, max: 1_000_000, fallback: 1 });
    entry.faults[op] = {
      kind,
      status,
      message: c.req.query("message") ?? `engine stub: injected ${op} failure`,
      remaining: times,
    };
    return c.json({ game_id: entry.gameId, op, fault: entry.faults[op] });
  });

  controls.post("/slow-next-call", (c) => {
    const entry = store.getOrCreate(c.req.param("gameId") ?? "");
    const op = operationParam(c.req.query("op"));
    const ms = intParam(c.req.query("ms"), "ms", { min: 0, max: MAX_DELAY_MS });
    entry.delays[op] = ms;
    return c.json({ game_id: entry.gameId, op, delay_ms: ms });
  });

  controls.post("/finish-at", (c) => {
    const entry = store.getOrCreate(c.req.param("gameId") ?? "");
    const turn = intParam(c.req.query("turn"), "turn", { min: 0, max: Number.MAX_SAFE_INTEGER });
    entry.finishAtOverride = turn;
    return c.json({ game_id: entry.gameId, finish_at_turn: turn });
  });

  controls.post("/init-roster-override", async (c) => {
    const entry = store.getOrCreate(c.req.param("gameId") ?? "");
    const body = parseWith(RosterOverrideSchema, await readJson(c));
    entry.rosterOverride = body.race_names;
    return c.json({ game_id: entry.gameId, race_names: body.race_names });
  });

  controls.get("/calls", (c) => {
    const gameId = c.req.param("gameId") ?? "";
    return c.json({ game_id: gameId, calls: store.get(gameId)?.listCalls() ?? [] });
  });

  controls.delete("/calls", (c) => {
    store.get(c.req.param("gameId") ?? "")?.clearCalls();
    return c.body(null, 204);
  });

  controls.delete("/", (c) => {
    store.delete(c.req.param("gameId") ?? "");
    return c.body(null, 204);
  });

  app.route("/games/:gameId/_stub", controls);
  app.route("/games/:gameId", engine);

  app.get("/_stub/games", (c) => c.json({ games: store.ids() }));

  return app;
}
