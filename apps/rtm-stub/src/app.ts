import {
  createErrorHandler,
  ERROR_STATUS,
  errorEnvelope,
  formatZodError,
  GalaxyError,
  notFoundHandler,
} from "@galaxy/errors";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import {
  containerIdFor,
  FailNextControlSchema,
  HealthEventControlSchema,
  PatchBodySchema,
  StopBodySchema,
} from "./contracts.js";
import type { RtmEventPublisher } from "./events.js";
import type { RtmStubState } from "./state.js";
import type { RtmStubLogger } from "./worker.js";

/** Dependencies of {@link createRtmStubApp}. */
export interface RtmStubDeps {
  state: RtmStubState;
  events: RtmEventPublisher;
  logger?: RtmStubLogger;
  now?: () => number;
  /**
   * How long after answering a stop or patch the stub publishes the container's health event
   * (Docker's event reaches RTM's listener about when the call returns); default 50 ms.
   */
  lifecycleEventDelayMs?: number;
}

/** Default delay of the health event that follows a stop or a patch. */
export const DEFAULT_LIFECYCLE_EVENT_DELAY_MS = 50;

const DEFAULT_FAILURE_CODE = {
  stop: "internal_error",
  patch: "internal_error",
  start: "container_start_failed",
} as const;

async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await c.req.text();
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function validate<T>(schema: z.ZodType<T>, raw: { ok: true; value: unknown } | { ok: false }): T {
  if (!raw.ok) throw new GalaxyError("invalid_request", "request body must be valid JSON");
  const result = schema.safeParse(raw.value);
  if (!result.success) {
    throw new GalaxyError("invalid_request", `invalid request: ${formatZodError(result.error)}`);
  }
  return result.data;
}

function statusForCode(code: string): number {
  const known = (ERROR_STATUS as Readonly<Record<string, number>>)[code];
  return known !== undefined && known >= 400 ? known : 500;
}

/**
 * Builds the Runtime Manager stand-in's HTTP app: the two REST operations GM calls (stop, patch)
 * and the test controls under `/_stub`. The start-jobs worker shares `deps.state` with it.
 */
export function createRtmStubApp(deps: RtmStubDeps): Hono {
  const { state, events, logger } = deps;
  const now = deps.now ?? Date.now;
  const eventDelayMs = deps.lifecycleEventDelayMs ?? DEFAULT_LIFECYCLE_EVENT_DELAY_MS;

  // What the real RTM's Docker event listener reports after the call: the stopped container
  // exited; the patched one was started from the new image. Best effort, like Docker events.
  const reportLifecycle = (gameId: string, parsed: { reason: string } | { image_ref: string }) => {
    const event =
      "reason" in parsed
        ? {
            event_type: "container_exited" as const,
            details: { exit_code: 0, reason: parsed.reason },
          }
        : { event_type: "container_started" as const, details: { image_ref: parsed.image_ref } };
    setTimeout(() => {
      events
        .publishHealthEvent({
          game_id: gameId,
          container_id: containerIdFor(gameId),
          occurred_at_ms: now(),
          ...event,
        })
        .catch((error: unknown) =>
          logger?.warn(
            { err: error, game_id: gameId, event_type: event.event_type },
            "health event not published",
          ),
        );
    }, eventDelayMs).unref?.();
  };
  const app = new Hono();

  app.onError(logger === undefined ? createErrorHandler() : createErrorHandler({ logger }));
  app.notFound(notFoundHandler);

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  const operation = (name: "stop" | "patch") => async (c: Context) => {
    const gameId = c.req.param("gameId") ?? "";
    const raw = await readJson(c);
    const at = () => new Date(now()).toISOString();
    const body = raw.ok ? raw.value : null;
    let parsed: { reason: string } | { image_ref: string };
    try {
      parsed = name === "stop" ? validate(StopBodySchema, raw) : validate(PatchBodySchema, raw);
    } catch (error) {
      state.record({
        kind: "rest",
        operation: name,
        game_id: gameId,
        body,
        outcome: "invalid",
        error_code: "invalid_request",
        at: at(),
      });
      throw error;
    }
    const failure = state.takeFailure(name);
    if (failure !== undefined) {
      state.record({
        kind: "rest",
        operation: name,
        game_id: gameId,
        body,
        outcome: "failure",
        error_code: failure.errorCode,
        at: at(),
      });
      logger?.info({ game_id: gameId, error_code: failure.errorCode }, `injected ${name} failure`);
      return c.json(
        errorEnvelope(failure.errorCode, failure.errorMessage),
        failure.status as ContentfulStatusCode,
      );
    }
    state.record({
      kind: "rest",
      operation: name,
      game_id: gameId,
      body,
      outcome: "success",
      error_code: "",
      at: at(),
    });
    logger?.info({ game_id: gameId, body: parsed }, `runtime ${name}`);
    reportLifecycle(gameId, parsed);
    return "reason" in parsed
      ? c.json({ game_id: gameId, status: "stopped" })
      : c.json({ game_id: gameId, image_ref: parsed.image_ref });
  };

  app.post("/api/v1/internal/runtimes/:gameId/stop", operation("stop"));
  app.post("/api/v1/internal/runtimes/:gameId/patch", operation("patch"));

  app.post("/_stub/health-events", async (c) => {
    const body = validate(HealthEventControlSchema, await readJson(c));
    const id = await events.publishHealthEvent({
      game_id: body.game_id,
      container_id: body.container_id ?? containerIdFor(body.game_id),
      event_type: body.event_type,
      occurred_at_ms: body.occurred_at_ms ?? now(),
      details: body.details ?? {},
    });
    return c.json({ id });
  });

  app.post("/_stub/fail-next", async (c) => {
    const body = validate(FailNextControlSchema, await readJson(c));
    const errorCode = body.error_code ?? DEFAULT_FAILURE_CODE[body.operation];
    const status = body.status ?? statusForCode(errorCode);
    const pending = state.arm(body.operation, {
      errorCode,
      errorMessage: body.error_message ?? `rtm stub: injected ${body.operation} failure`,
      status,
    });
    return c.json({
      operation: body.operation,
      error_code: errorCode,
      ...(body.operation === "start" ? {} : { status }),
      pending,
    });
  });

  app.get("/_stub/calls", (c) => c.json({ calls: state.listCalls() }));

  app.delete("/_stub/calls", (c) => {
    state.clearCalls();
    return c.body(null, 204);
  });

  app.post("/_stub/reset", (c) => {
    state.reset();
    return c.body(null, 204);
  });

  return app;
}
