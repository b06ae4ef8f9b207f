import { z } from "@hono/zod-openapi";
import { MAX_PLAYER_ACTIONS } from "../../services/player-actions.js";
import { CallerHeadersSchema, GameIdParamsSchema } from "./common.js";

/** Longest user id accepted in `X-User-Id` (the same bound as register-runtime's members). */
export const MAX_USER_ID_LENGTH = 128;

/**
 * Headers of the hot path: the caller headers plus `X-User-Id`, the player
 * on whose behalf the Edge Gateway calls. A missing or blank one is
 * `invalid_request` (decision 060): the gateway always sets it, so its absence
 * is a malformed call rather than a user without rights.
 */
export const PlayerHeadersSchema = CallerHeadersSchema.extend({
  "x-user-id": z
    .string({ error: "is required" })
    .min(1, { error: "is required" })
    .max(MAX_USER_ID_LENGTH, { error: `must be at most ${MAX_USER_ID_LENGTH} characters` })
    .refine((value) => value.trim() !== "", { error: "must not be blank" })
    .openapi("UserIdHeader", {
      param: { name: "x-user-id", in: "header", required: true },
      description:
        "The acting player's user id, set by the Edge Gateway. GM derives the engine actor (the race) from its own player mapping of this user; a race or actor in the body is never trusted.",
      example: "user-1",
    }),
});

/**
 * One engine-defined command or order: a JSON object whose shape the engine
 * owns. GM forwards it unchanged; it is one of the few open objects of the
 * API (the contract tests list them).
 */
export const EngineDefinedObjectSchema = z
  .record(z.string(), z.unknown())
  .openapi("EngineDefinedObject", {
    description:
      "A JSON object whose shape the engine owns; GM forwards it to the engine unchanged.",
    example: { type: "rename_planet", planet: 17, name: "Nova" },
  });

/** Body of internalExecuteCommands. */
export const ExecuteCommandsRequestSchema = z
  .strictObject({
    commands: z
      .array(EngineDefinedObjectSchema)
      .min(1, { error: "must not be empty" })
      .max(MAX_PLAYER_ACTIONS, { error: `must have at most ${MAX_PLAYER_ACTIONS} items` })
      .openapi({
        description: `Engine-defined commands (1..${MAX_PLAYER_ACTIONS}), sent to the engine as \`cmd\` with the caller's race as \`actor\`.`,
      }),
  })
  .openapi("ExecuteCommandsRequest", {
    description:
      "Unknown fields are refused, so a body naming an `actor`, `race_name` or `user_id` is `invalid_request`: GM derives the actor itself.",
  });

/** Body of internalPutOrders. */
export const PutOrdersRequestSchema = z
  .strictObject({
    orders: z
      .array(EngineDefinedObjectSchema)
      .max(MAX_PLAYER_ACTIONS, { error: `must have at most ${MAX_PLAYER_ACTIONS} items` })
      .openapi({
        description: `Engine-defined orders (0..${MAX_PLAYER_ACTIONS}; an empty list clears the turn's orders), sent to the engine with the caller's race as \`actor\`.`,
      }),
  })
  .openapi("PutOrdersRequest", {
    description:
      "Unknown fields are refused, so a body naming an `actor`, `race_name` or `user_id` is `invalid_request`: GM derives the actor itself.",
  });

/** Largest turn number accepted in a report path (PostgreSQL `integer`). */
export const MAX_TURN = 2_147_483_647;

/** Path of internalGetReport. */
export const ReportParamsSchema = GameIdParamsSchema.extend({
  turn: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,9})$/, { error: "must be a non-negative integer" })
    .transform(Number)
    .refine((turn) => turn <= MAX_TURN, { error: `must be at most ${MAX_TURN}` })
    .openapi({
      param: { name: "turn", in: "path" },
      description: "Turn number (0 = the initial state).",
      example: "3",
    }),
});

/** A 2xx engine answer, relayed verbatim. */
export const EngineResultSchema = z.record(z.string(), z.unknown()).openapi("EngineResult", {
  description:
    "The engine's 2xx JSON body, relayed verbatim (not parsed or re-serialised by GM); its shape is engine-defined.",
  example: { actor: "Aelinari", accepted: 1, turn: 3 },
});
