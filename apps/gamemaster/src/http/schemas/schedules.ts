import { z } from "@hono/zod-openapi";
import type { PlannedActivation } from "../../domain/schedule.js";
import { SCHEDULE_PREVIEW_MAX_COUNT, turnScheduleProblem } from "../../domain/schedule.js";
import { SCHEDULE_PREVIEW_DEFAULT_COUNT } from "../../services/schedule-preview.js";
import { NullableTimestampSchema, TimestampSchema } from "./common.js";
import { RuntimeStatusSchema } from "./runtimes.js";

const countDescription = `How many activations, 1..${SCHEDULE_PREVIEW_MAX_COUNT}, default ${SCHEDULE_PREVIEW_DEFAULT_COUNT}.`;
const countRange = { error: `must be an integer between 1 and ${SCHEDULE_PREVIEW_MAX_COUNT}` };

/** Query of internalGetRuntimeSchedule. */
export const RuntimeScheduleQuerySchema = z.object({
  count: z.coerce
    .number()
    .int(countRange)
    .min(1, countRange)
    .max(SCHEDULE_PREVIEW_MAX_COUNT, countRange)
    .optional()
    .openapi({
      param: { name: "count", in: "query" },
      description: countDescription,
      type: "integer",
    }),
});

/** Why an activation generates no turn. */
export const SkipReasonSchema = z
  .enum(["skip_next_tick", "runtime_not_running"])
  .nullable()
  .openapi("ScheduleSkipReason", {
    description:
      "Null when a turn is generated. skip_next_tick: a forced turn set the flag, this regular tick is consumed without a turn. runtime_not_running: the scheduler only handles running games; this one needs an operator (force-next-turn) or a health event first.",
  });

/** One activation of a game's schedule. */
export const PlannedActivationSchema = z
  .strictObject({
    at: TimestampSchema,
    generates_turn: z.boolean(),
    skip_reason: SkipReasonSchema,
  })
  .openapi("PlannedActivation");

/** Answer of internalGetRuntimeSchedule. */
export const RuntimeScheduleSchema = z
  .strictObject({
    game_id: z.string(),
    status: RuntimeStatusSchema,
    turn_schedule: z.string(),
    current_turn: z.number().int(),
    next_generation_at: NullableTimestampSchema,
    skip_next_tick: z.boolean(),
    activations: z.array(PlannedActivationSchema).openapi({
      description:
        "The next activations from next_generation_at on, the earliest first; empty when the runtime is not scheduled (stopped, finished, or a schedule that never fires again).",
    }),
  })
  .openapi("RuntimeSchedule");

/** Body of internalPreviewSchedule. */
export const SchedulePreviewRequestSchema = z
  .strictObject({
    turn_schedule: z
      .string()
      .max(256)
      .openapi({ example: "0 */6 * * *", description: "Five-field cron, UTC." })
      .superRefine((value, ctx) => {
        const problem = turnScheduleProblem(value);
        if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
      }),
    count: z
      .number()
      .int(countRange)
      .min(1, countRange)
      .max(SCHEDULE_PREVIEW_MAX_COUNT, countRange)
      .optional()
      .openapi({ description: countDescription }),
    after: z.iso
      .datetime({ offset: true, error: "must be an ISO-8601 timestamp" })
      .optional()
      .openapi({
        example: "2026-01-01T00:00:00Z",
        description: "Reference time (exclusive); default now.",
      }),
  })
  .openapi("SchedulePreviewRequest");

/** Answer of internalPreviewSchedule. */
export const SchedulePreviewSchema = z
  .strictObject({
    turn_schedule: z.string(),
    after: TimestampSchema,
    activations: z.array(TimestampSchema).openapi({
      description:
        "Activation times strictly after `after`, the earliest first; empty for a schedule that never fires.",
    }),
  })
  .openapi("SchedulePreview");

/** Serialises a planned activation. */
export function toPlannedActivationJson(
  activation: PlannedActivation,
): z.infer<typeof PlannedActivationSchema> {
  return {
    at: activation.at.toISOString(),
    generates_turn: activation.generatesTurn,
    skip_reason: activation.skipReason,
  };
}
