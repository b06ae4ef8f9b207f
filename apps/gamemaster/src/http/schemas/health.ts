import { z } from "@hono/zod-openapi";

/** Answer of internalHealthz. */
export const HealthzResponseSchema = z
  .strictObject({ status: z.literal("ok") })
  .openapi("HealthzResponse");

/**
 * Answer of internalReadyz while Game Master can serve: `ready`, or
 * `degraded` when Redis is unreachable — requests and turns go on (they need
 * only PostgreSQL), events wait in the outbox (docs/decisions/072-readiness-with-redis-down.md).
 */
export const ReadyzResponseSchema = z
  .strictObject({
    status: z.enum(["ready", "degraded"]),
    degraded: z
      .array(z.string())
      .optional()
      .openapi({ description: "Dependencies that are down without taking GM out of rotation." }),
    outbox_backlog: z
      .number()
      .int()
      .optional()
      .openapi({ description: "Committed events not yet on their stream (when degraded)." }),
  })
  .openapi("ReadyzResponse");
