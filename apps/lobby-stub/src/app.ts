import { randomUUID } from "node:crypto";
import { validate as validateCron } from "@galaxy/cronutil";
import {
  createErrorHandler,
  errorEnvelope,
  findInvalidText,
  formatZodError,
  GalaxyError,
  invalidTextMessage,
  isGalaxyError,
  jsonDepth,
  jsonTooDeep,
  notFoundHandler,
} from "@galaxy/errors";
import type { Context } from "hono";
import { Hono } from "hono";
import type { Logger } from "pino";
import { z } from "zod";
import type { LobbyService } from "./service.js";
import type { StubTelemetry } from "./telemetry.js";

/** Dependencies of {@link createLobbyStubApp}. */
export interface LobbyStubAppDeps {
  service: LobbyService;
  telemetry: StubTelemetry;
  logger: Logger;
}

const idSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    "must be 1-64 letters, digits, '-' or '_' and start with a letter or digit",
  );

/** Body of `POST /api/v1/games`. */
export const CreateGameSchema = z.strictObject({
  game_id: idSchema.optional(),
  name: z.string().trim().min(1).max(200),
  target_engine_version: z
    .string()
    .regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/, "must be a version such as 1.2.3"),
  // The same parser Game Master schedules with: a schedule GM would refuse at register-runtime
  // is refused here, when the game is created, instead of after RTM started its container.
  turn_schedule: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .superRefine((expr, ctx) => {
      const result = validateCron(expr);
      if (!result.valid) ctx.addIssue({ code: "custom", message: result.error.message });
    }),
  min_players: z.number().int().min(1).max(1_000).optional(),
});

/** Body of `POST /api/v1/games/{game_id}/members`. */
export const AddMemberSchema = z.strictObject({
  user_id: idSchema,
  race_name: z.string().trim().min(1).max(64),
});

/** Most game ids one batch roster lookup may name. */
export const MAX_LOOKUP_GAME_IDS = 1_000;

/** Body of `POST /api/v1/internal/memberships/lookup`. */
export const LookupMembershipsSchema = z.strictObject({
  // Any non-empty string, like the per-game path segment: an id Lobby does not know is simply
  // left out of the answer, so there is nothing to gain from refusing an unusual one.
  game_ids: z
    .array(z.string().min(1, "must not be empty"))
    .min(1, "must hold at least 1 game id")
    .max(MAX_LOOKUP_GAME_IDS, `must hold at most ${MAX_LOOKUP_GAME_IDS} game ids`),
});

const GAME_PATH = /\/games\/([^/]+)/;

// Action endpoints take no body; an empty object is tolerated for clients that always send one.
const EmptyBodySchema = z.strictObject({});

/** Largest request body the stub reads (its bodies are a few hundred bytes). */
export const MAX_BODY_BYTES = 65_536;
/** Deepest JSON body the stub parses (its own bodies are 1 level). */
export const MAX_BODY_DEPTH = 8;
/**
 * Largest batch roster lookup body: 1000 ids of GM's longest game id (128 characters) come to
 * about 131 KB, which the default limit would refuse.
 */
export const MAX_LOOKUP_BODY_BYTES = 262_144;

/**
 * Reads, bounds and validates a JSON body. Game and member names travel on
 * to GM (PostgreSQL) and Redis, so the same rules as GM's apply: a size and
 * depth limit checked before parsing, and no NUL or unpaired surrogate in any
 * string — each `400 invalid_request` naming what is wrong.
 */
async function readBody<T extends z.ZodType>(
  c: Context,
  schema: T,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<z.infer<T>> {
  const declared = Number(c.req.header("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    c.header("connection", "close");
    throw new GalaxyError("invalid_request", `request body too large (limit ${maxBytes} bytes)`);
  }
  const text = await c.req.text();
  if (Buffer.byteLength(text) > maxBytes) {
    throw new GalaxyError("invalid_request", `request body too large (limit ${maxBytes} bytes)`);
  }
  if (jsonDepth(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
    throw jsonTooDeep(MAX_BODY_DEPTH);
  }
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new GalaxyError("invalid_request", "invalid request: body is not valid JSON");
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new GalaxyError("invalid_request", `invalid request: ${formatZodError(parsed.error)}`);
  }
  const found = findInvalidText(parsed.data);
  if (found !== undefined) {
    throw new GalaxyError("invalid_request", invalidTextMessage(found, "body"));
  }
  return parsed.data;
}

/**
 * Builds the lobby stub's Hono app: the game/member REST API, the start and resume flows, the
 * memberships endpoints GM reads (per game and in batches), `/healthz`, and the `/_stub/*`
 * test controls.
 */
export function createLobbyStubApp(deps: LobbyStubAppDeps): Hono {
  const { service, telemetry, logger } = deps;
  const app = new Hono();
  const errorHandler = createErrorHandler({ logger });

  app.onError((error, c) => {
    // Resolving the image ref is about the game's content, not the addressed resource: a 404
    // here would read as "no such game", so the start route answers 422 with GM's code.
    if (isGalaxyError(error) && error.code === "engine_version_not_found") {
      return c.json(errorEnvelope(error.code, error.message), 422);
    }
    return errorHandler(error, c);
  });
  app.notFound(notFoundHandler);

  app.use(async (c, next) => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    const startedAt = performance.now();
    c.header("x-request-id", requestId);
    await next();
    if (c.req.path === "/healthz") return;
    logger.info(
      {
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        game_id: GAME_PATH.exec(c.req.path)?.[1] ?? undefined,
        duration_ms: Math.round(performance.now() - startedAt),
      },
      "request",
    );
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.post("/api/v1/games", async (c) => {
    const body = await readBody(c, CreateGameSchema);
    const game = service.createGame({
      game_id: body.game_id ?? `game-${randomUUID()}`,
      name: body.name,
      target_engine_version: body.target_engine_version,
      turn_schedule: body.turn_schedule,
      min_players: body.min_players ?? 1,
    });
    return c.json(game, 201);
  });

  app.get("/api/v1/games", (c) => {
    const status = c.req.query("status");
    const games = service.listGames();
    return c.json({
      games: status === undefined ? games : games.filter((game) => game.status === status),
    });
  });

  app.get("/api/v1/games/:game_id", (c) => c.json(service.getGame(c.req.param("game_id"))));

  app.post("/api/v1/games/:game_id/members", async (c) => {
    const body = await readBody(c, AddMemberSchema);
    const game = await service.addMember(c.req.param("game_id"), body.user_id, body.race_name);
    return c.json(game, 201);
  });

  app.post("/api/v1/games/:game_id/members/:user_id/remove", async (c) => {
    await readBody(c, EmptyBodySchema);
    return c.json(await service.removeMember(c.req.param("game_id"), c.req.param("user_id")));
  });

  app.post("/api/v1/games/:game_id/members/:user_id/block", async (c) => {
    await readBody(c, EmptyBodySchema);
    return c.json(await service.blockMember(c.req.param("game_id"), c.req.param("user_id")));
  });

  app.post("/api/v1/games/:game_id/start", async (c) => {
    await readBody(c, EmptyBodySchema);
    return c.json(await service.startGame(c.req.param("game_id")), 202);
  });

  app.post("/api/v1/games/:game_id/resume", async (c) => {
    await readBody(c, EmptyBodySchema);
    return c.json(await service.resumeGame(c.req.param("game_id")));
  });

  app.get("/api/v1/internal/games/:game_id/memberships", (c) =>
    c.json({ memberships: service.memberships(c.req.param("game_id")) }),
  );

  app.post("/api/v1/internal/memberships/lookup", async (c) => {
    const body = await readBody(c, LookupMembershipsSchema, MAX_LOOKUP_BODY_BYTES);
    return c.json({ games: service.lookupMemberships(body.game_ids) });
  });

  app.get("/_stub/metrics", (c) => c.json(telemetry.counters()));

  app.get("/_stub/calls", (c) => c.json({ calls: telemetry.calls(c.req.query("game_id")) }));

  app.post("/_stub/reset-telemetry", (c) => {
    telemetry.reset();
    return c.body(null, 204);
  });

  return app;
}
