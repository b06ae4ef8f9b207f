import { errorEnvelope } from "@galaxy/errors";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.js";
import { errorResponse } from "../schemas/common.js";
import { HealthzResponseSchema, ReadyzResponseSchema } from "../schemas/health.js";

/** What /readyz found. */
export interface ReadinessReport {
  /** Dependencies without which GM cannot serve (→ 503). */
  down: string[];
  /** Dependencies that are down while GM still serves (→ 200 `degraded`). */
  degraded?: string[];
  /** Unpublished outbox rows, shown when degraded. */
  outboxBacklog?: number;
}

/** Checks the dependencies /readyz reports on. */
export type ReadinessCheck = () => Promise<ReadinessReport>;

const healthzRoute = createRoute({
  operationId: "internalHealthz",
  method: "get",
  path: "/healthz",
  tags: ["probes"],
  summary: "Process liveness.",
  responses: {
    200: {
      description: "The process is up.",
      content: { "application/json": { schema: HealthzResponseSchema } },
    },
  },
});

const readyzRoute = createRoute({
  operationId: "internalReadyz",
  method: "get",
  path: "/readyz",
  tags: ["probes"],
  summary:
    "Readiness: PostgreSQL reachable and migrations applied; Redis down is reported as degraded (200).",
  responses: {
    200: {
      description: "Ready to serve (possibly degraded: Redis down, events queued in the outbox).",
      content: { "application/json": { schema: ReadyzResponseSchema } },
    },
    500: errorResponse("internal_error: unexpected failure (logged, no details)."),
    503: errorResponse("service_unavailable, naming what is down."),
  },
});

/** Registers /healthz and /readyz. */
export function registerHealthRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { readiness: ReadinessCheck },
): void {
  app.openapi(healthzRoute, (c) => c.json({ status: "ok" as const }, 200));

  app.openapi(readyzRoute, async (c) => {
    const report = await deps.readiness();
    if (report.down.length === 0) {
      const degraded = report.degraded ?? [];
      if (degraded.length === 0) {
        return c.json({ status: "ready" as const }, 200);
      }
      return c.json(
        {
          status: "degraded" as const,
          degraded,
          ...(report.outboxBacklog === undefined ? {} : { outbox_backlog: report.outboxBacklog }),
        },
        200,
      );
    }
    return c.json(
      errorEnvelope("service_unavailable", `not ready: ${report.down.join(", ")}`),
      503,
    );
  });
}
