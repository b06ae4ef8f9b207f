import { z } from "@hono/zod-openapi";
import { registrationProblems } from "../../domain/registration.js";
import type { RuntimeRecord } from "../../domain/runtime-record.js";
import { RUNTIME_STATUSES } from "../../domain/runtime-status.js";
import { LIST_RUNTIMES_DEFAULT_LIMIT, LIST_RUNTIMES_MAX_LIMIT } from "../../services/runtimes.js";
import { isoOrNull, NullableTimestampSchema, nonBlank, TimestampSchema } from "./common.js";

/** Runtime status enum (docs/reference.md#runtime-status). */
export const RuntimeStatusSchema = z.enum(RUNTIME_STATUSES).openapi("RuntimeStatus");

/** One member of a register-runtime request. */
export const RegisterRuntimeMemberSchema = z
  .strictObject({
    user_id: nonBlank(128).openapi({ example: "user-1" }),
    race_name: nonBlank(128).openapi({ example: "Aelinari" }),
  })
  .openapi("RegisterRuntimeMember");

/** Body of internalRegisterRuntime (docs/reference.md#register-runtime). */
export const RegisterRuntimeRequestSchema = z
  .strictObject({
    engine_endpoint: z
      .string()
      .min(1)
      .max(2048)
      .openapi({ example: "http://galaxy-game-game-1:8080", format: "uri" }),
    members: z.array(RegisterRuntimeMemberSchema).min(1, { error: "must not be empty" }).max(1000),
    target_engine_version: z.string().min(1).max(128).openapi({ example: "1.4.2" }),
    turn_schedule: z
      .string()
      .min(1)
      .max(256)
      .openapi({ example: "0 */6 * * *", description: "Five-field cron, UTC." }),
  })
  .superRefine((body, ctx) => {
    const problems = registrationProblems({
      engineEndpoint: body.engine_endpoint,
      members: body.members.map((member) => ({
        userId: member.user_id,
        raceName: member.race_name,
      })),
      targetEngineVersion: body.target_engine_version,
      turnSchedule: body.turn_schedule,
    });
    for (const problem of problems) {
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
    }
  })
  .openapi("RegisterRuntimeRequest");

/** A runtime record as returned by the API. */
export const RuntimeRecordSchema = z
  .strictObject({
    game_id: z.string(),
    status: RuntimeStatusSchema,
    engine_endpoint: z.string(),
    current_image_ref: z.string(),
    current_engine_version: z.string(),
    turn_schedule: z.string(),
    current_turn: z.number().int(),
    next_generation_at: NullableTimestampSchema,
    skip_next_tick: z.boolean(),
    engine_health: z.string().openapi({ description: "Health summary, '' until known." }),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
    started_at: NullableTimestampSchema,
    stopped_at: NullableTimestampSchema,
    finished_at: NullableTimestampSchema,
  })
  .openapi("RuntimeRecord");

/** Answer of internalListRuntimes. */
export const RuntimeListSchema = z
  .strictObject({
    items: z.array(RuntimeRecordSchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next page; null on the last page." }),
  })
  .openapi("RuntimeList");

/** Query of internalListRuntimes. */
export const ListRuntimesQuerySchema = z.object({
  status: RuntimeStatusSchema.optional().openapi({ param: { name: "status", in: "query" } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIST_RUNTIMES_MAX_LIMIT)
    .optional()
    .openapi({
      param: { name: "limit", in: "query" },
      description: `Page size, 1..${LIST_RUNTIMES_MAX_LIMIT}, default ${LIST_RUNTIMES_DEFAULT_LIMIT}.`,
      type: "integer",
    }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "Opaque paging cursor." }),
  next_generation_before: z.iso
    .datetime({ offset: true, error: "must be an ISO-8601 timestamp" })
    .optional()
    .openapi({
      param: { name: "next_generation_before", in: "query" },
      example: "2026-01-01T12:00:00Z",
      description:
        "Only runtimes whose next_generation_at is strictly before this time (unscheduled runtimes are left out). With a past time: the overdue games.",
    }),
  engine_version: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .openapi({
      param: { name: "engine_version", in: "query" },
      example: "1.4.2",
      description: "Only runtimes whose current_engine_version is exactly this.",
    }),
});

/** Answer of internalGameLiveness. */
export const LivenessSchema = z
  .strictObject({ ready: z.boolean(), status: RuntimeStatusSchema })
  .openapi("GameLiveness");

/** Serialises a record for a response. */
export function toRuntimeRecordJson(record: RuntimeRecord): z.infer<typeof RuntimeRecordSchema> {
  return {
    game_id: record.gameId,
    status: record.status,
    engine_endpoint: record.engineEndpoint,
    current_image_ref: record.currentImageRef,
    current_engine_version: record.currentEngineVersion,
    turn_schedule: record.turnSchedule,
    current_turn: record.currentTurn,
    next_generation_at: isoOrNull(record.nextGenerationAt),
    skip_next_tick: record.skipNextTick,
    engine_health: record.engineHealth,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    started_at: isoOrNull(record.startedAt),
    stopped_at: isoOrNull(record.stoppedAt),
    finished_at: isoOrNull(record.finishedAt),
  };
}
