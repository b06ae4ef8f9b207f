import { z } from "@hono/zod-openapi";

/** Answer of internalHealthz. */
export const HealthzResponseSchema = z
  .strictObject({ status: z.literal("ok") })
  .openapi("HealthzResponse");

/** Answer of internalReadyz when every dependency is reachable. */
export const ReadyzResponseSchema = z
  .strictObject({ status: z.literal("ready") })
  .openapi("ReadyzResponse");
