import { z } from "@hono/zod-openapi";
import { STOP_REASONS } from "../../ports/rtm-client.js";
import { GameIdParamsSchema, nonBlank } from "./common.js";

/** Why a runtime is stopped (docs/reference.md#admin-operations). */
export const StopReasonSchema = z
  .enum(STOP_REASONS, { error: `must be one of ${STOP_REASONS.join(", ")}` })
  .openapi("StopReason", { example: "admin_request" });

/** Body of internalStopRuntime. */
export const StopRuntimeRequestSchema = z
  .strictObject({ reason: StopReasonSchema })
  .openapi("StopRuntimeRequest");

/** Body of internalPatchRuntime. */
export const PatchRuntimeRequestSchema = z
  .strictObject({
    version: z.string().min(1).max(128).openapi({
      example: "1.4.3",
      description:
        "Target engine version: an active registry entry with the same major and minor as the runtime's current version.",
    }),
  })
  .openapi("PatchRuntimeRequest");

/** Path parameters of internalBanishRace. */
export const BanishRaceParamsSchema = GameIdParamsSchema.extend({
  race_name: nonBlank(128).openapi({
    param: { name: "race_name", in: "path" },
    example: "Borg",
    description: "A race mapped in this game.",
  }),
});
