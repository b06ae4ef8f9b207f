import { errorEnvelope } from "@galaxy/errors";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.js";
import { errorResponse } from "../schemas/common.js";
import { HealthzResponseSchema, ReadyzResponseSchema } from "../schemas/health.js";

/** What /readyz found: the names of the dependencies that are down. */
export interface ReadinessReport {
  down: string[];
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
  summary: "Readiness: PostgreSQL and Redis reachable, migrations applied.",
  responses: {
    200: {
      description: "Ready to serve.",
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
      return c.json({ status: "ready" as const }, 200);
    }
    return c.json(
      errorEnvelope("service_unavailable", `not ready: ${report.down.join(", ")}`),
      503,
    );
  });
}
