import { z } from "@hono/zod-openapi";

/** The error envelope every non-2xx answer carries (docs/reference.md#error-codes). */
export const ErrorEnvelopeSchema = z
  .strictObject({
    error: z
      .strictObject({
        code: z.string().openapi({ example: "invalid_request" }),
        message: z.string().openapi({ example: "invalid request: members: must not be empty" }),
      })
      .openapi("ErrorDetail"),
  })
  .openapi("ErrorEnvelope");

/** Game ids GM accepts: URL-, log- and Redis-safe, at most 128 characters. */
export const GAME_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The `{game_id}` path parameter. */
export const GameIdParamsSchema = z.object({
  game_id: z
    .string()
    .regex(GAME_ID_PATTERN, {
      error: "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
    })
    .openapi({
      param: { name: "game_id", in: "path" },
      example: "game-1",
      description: "Platform game id (owned by Game Lobby).",
    }),
});

/** The caller headers every internal operation reads (docs/reference.md#internal-rest). */
export const CallerHeadersSchema = z.object({
  "x-op-source": z
    .string()
    .optional()
    .openapi("OpSourceHeader", {
      param: { name: "x-op-source", in: "header" },
      description:
        "Who calls: lobby_internal, admin_rest or gateway. Missing or unknown → admin_rest.",
      example: "lobby_internal",
    }),
  "x-source-ref": z
    .string()
    .optional()
    .openapi("SourceRefHeader", {
      param: { name: "x-source-ref", in: "header" },
      description: "Opaque caller reference kept in the operation log.",
    }),
  "x-request-id": z
    .string()
    .optional()
    .openapi("RequestIdHeader", {
      param: { name: "x-request-id", in: "header" },
      description: "Request id echoed back and logged; generated when absent.",
    }),
});

/** A string that is not only whitespace. */
export function nonBlank(maxLength: number) {
  return z
    .string()
    .min(1, { error: "must not be empty" })
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .refine((value) => value.trim() !== "", { error: "must not be blank" });
}

/** An ISO-8601 UTC timestamp. */
export const TimestampSchema = z.iso.datetime().openapi({ example: "2026-01-01T12:00:00.000Z" });

/** An ISO-8601 UTC timestamp or null when unset. */
export const NullableTimestampSchema = TimestampSchema.nullable();

/** Serialises an optional date for a response. */
export function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** Error response entry of a route definition, listing the codes it may carry. */
export function errorResponse(description: string) {
  return {
    description,
    content: { "application/json": { schema: ErrorEnvelopeSchema } },
  };
}
