import { z } from "@hono/zod-openapi";
import { OP_KINDS, OP_SOURCES, type OperationRecord } from "../../domain/operation.js";
import {
  OPERATION_HISTORY_DEFAULT_LIMIT,
  OPERATION_HISTORY_MAX_LIMIT,
} from "../../services/operation-history.js";
import { TimestampSchema } from "./common.js";

/** Kind of an operation-log entry. */
export const OpKindSchema = z
  .enum(OP_KINDS, { error: `must be one of ${OP_KINDS.join(", ")}` })
  .openapi("OpKind");

const limitRange = { error: `must be an integer between 1 and ${OPERATION_HISTORY_MAX_LIMIT}` };

/** Query of internalListOperations. */
export const ListOperationsQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int(limitRange)
    .min(1, limitRange)
    .max(OPERATION_HISTORY_MAX_LIMIT, limitRange)
    .optional()
    .openapi({
      param: { name: "limit", in: "query" },
      description: `Page size, 1..${OPERATION_HISTORY_MAX_LIMIT}, default ${OPERATION_HISTORY_DEFAULT_LIMIT}.`,
      type: "integer",
    }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "Opaque paging cursor." }),
  op_kind: OpKindSchema.optional().openapi({ param: { name: "op_kind", in: "query" } }),
});

/** One operation-log entry. */
export const OperationEntrySchema = z
  .strictObject({
    id: z.number().int().openapi({ description: "Monotonic entry id (newer entries are larger)." }),
    game_id: z.string(),
    op_kind: OpKindSchema,
    op_source: z.enum(OP_SOURCES).openapi("OpSource"),
    source_ref: z.string().openapi({ description: "X-Source-Ref of the call, '' when none." }),
    outcome: z.enum(["success", "failure"]).openapi("OpOutcome"),
    error_code: z.string().openapi({ description: "'' on success." }),
    error_message: z.string().openapi({ description: "'' on success." }),
    started_at: TimestampSchema,
    finished_at: TimestampSchema,
  })
  .openapi("OperationEntry");

/** Answer of internalListOperations. */
export const OperationListSchema = z
  .strictObject({
    items: z.array(OperationEntrySchema),
    next_cursor: z.string().nullable().openapi({
      description: "Pass as `cursor` for the next (older) page; null on the last page.",
    }),
  })
  .openapi("OperationList");

/** Serialises an operation-log entry. */
export function toOperationEntryJson(entry: OperationRecord): z.infer<typeof OperationEntrySchema> {
  return {
    id: entry.id,
    game_id: entry.gameId,
    op_kind: entry.opKind,
    op_source: entry.opSource,
    source_ref: entry.sourceRef,
    outcome: entry.outcome,
    error_code: entry.errorCode,
    error_message: entry.errorMessage,
    started_at: entry.startedAt.toISOString(),
    finished_at: entry.finishedAt.toISOString(),
  };
}
