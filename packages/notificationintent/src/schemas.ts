import { z } from "zod";

/** The Redis stream every producer publishes notification intents on. */
export const NOTIFICATION_INTENTS_STREAM = "notification:intents";

/** Every notification type this package knows, in catalog order. Frozen by the freeze test. */
export const NOTIFICATION_TYPES = [
  "game.turn.ready",
  "game.finished",
  "game.generation_failed",
  "runtime.image_pull_failed",
  "runtime.container_start_failed",
  "runtime.start_config_invalid",
  "lobby.runtime_paused_after_start",
] as const;

/** One of {@link NOTIFICATION_TYPES}. */
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Who receives an intent: the game's members (`user`) or the operators (`admin`). */
export type AudienceKind = "user" | "admin";

/** Delivery channels the notification service uses for a type. */
export type NotificationChannel = "push" | "email";

const nonEmpty = (field: string) => z.string().min(1, `${field} must be a non-empty string`);
const turn = (field: string) =>
  z.int(`${field} must be an integer`).min(0, `${field} must be >= 0`);
const epochMs = (field: string) =>
  z.int(`${field} must be an integer number of milliseconds`).min(0, `${field} must be >= 0`);

/** Payload of `game.turn.ready`. */
export const GameTurnReadyPayloadSchema = z.strictObject({
  game_id: nonEmpty("game_id"),
  turn_number: turn("turn_number"),
});

/** Payload of `game.finished`. */
export const GameFinishedPayloadSchema = z.strictObject({
  game_id: nonEmpty("game_id"),
  final_turn_number: turn("final_turn_number"),
});

/** Payload of `game.generation_failed`. */
export const GameGenerationFailedPayloadSchema = z.strictObject({
  game_id: nonEmpty("game_id"),
  turn_number: turn("turn_number"),
  error_code: nonEmpty("error_code"),
  error_message: z.string(),
});

/** Payload shared by the three `runtime.*` start-failure types. */
export const RuntimeStartFailurePayloadSchema = z.strictObject({
  game_id: nonEmpty("game_id"),
  image_ref: nonEmpty("image_ref"),
  error_code: nonEmpty("error_code"),
  error_message: z.string(),
  attempted_at_ms: epochMs("attempted_at_ms"),
});

/**
 * Payload of `lobby.runtime_paused_after_start`: the container RTM started runs, but Game Master
 * could not register it, so the Lobby paused the game.
 */
export const LobbyRuntimePausedAfterStartPayloadSchema = z.strictObject({
  game_id: nonEmpty("game_id"),
  image_ref: nonEmpty("image_ref"),
  engine_endpoint: nonEmpty("engine_endpoint"),
  error_code: nonEmpty("error_code"),
  error_message: z.string(),
  paused_at_ms: epochMs("paused_at_ms"),
});

const recipientId = z.string().min(1, "recipient user ids must be non-empty strings");

const userRecipients = z
  .array(recipientId)
  .min(1, "a user-audience intent needs at least one recipient")
  .refine((ids) => new Set(ids).size === ids.length, "recipient user ids must be unique");

const adminRecipients = z
  .array(z.string())
  .max(0, "an admin-audience intent has no recipient user ids");

const commonFields = {
  producer: nonEmpty("producer"),
  idempotency_key: nonEmpty("idempotency_key"),
  occurred_at_ms: epochMs("occurred_at_ms"),
};

const userFields = {
  ...commonFields,
  audience_kind: z.literal("user", 'audience_kind must be "user" for this type'),
  recipient_user_ids: userRecipients,
};

const adminFields = {
  ...commonFields,
  audience_kind: z.literal("admin", 'audience_kind must be "admin" for this type'),
  recipient_user_ids: adminRecipients,
};

/** A `game.turn.ready` intent. */
export const GameTurnReadyIntentSchema = z.strictObject({
  notification_type: z.literal("game.turn.ready"),
  ...userFields,
  payload: GameTurnReadyPayloadSchema,
});

/** A `game.finished` intent. */
export const GameFinishedIntentSchema = z.strictObject({
  notification_type: z.literal("game.finished"),
  ...userFields,
  payload: GameFinishedPayloadSchema,
});

/** A `game.generation_failed` intent. */
export const GameGenerationFailedIntentSchema = z.strictObject({
  notification_type: z.literal("game.generation_failed"),
  ...adminFields,
  payload: GameGenerationFailedPayloadSchema,
});

/** A `runtime.image_pull_failed` intent. */
export const RuntimeImagePullFailedIntentSchema = z.strictObject({
  notification_type: z.literal("runtime.image_pull_failed"),
  ...adminFields,
  payload: RuntimeStartFailurePayloadSchema,
});

/** A `runtime.container_start_failed` intent. */
export const RuntimeContainerStartFailedIntentSchema = z.strictObject({
  notification_type: z.literal("runtime.container_start_failed"),
  ...adminFields,
  payload: RuntimeStartFailurePayloadSchema,
});

/** A `runtime.start_config_invalid` intent. */
export const RuntimeStartConfigInvalidIntentSchema = z.strictObject({
  notification_type: z.literal("runtime.start_config_invalid"),
  ...adminFields,
  payload: RuntimeStartFailurePayloadSchema,
});

/** A `lobby.runtime_paused_after_start` intent. */
export const LobbyRuntimePausedAfterStartIntentSchema = z.strictObject({
  notification_type: z.literal("lobby.runtime_paused_after_start"),
  ...adminFields,
  payload: LobbyRuntimePausedAfterStartPayloadSchema,
});

/** Any notification intent, discriminated on `notification_type`. */
export const NotificationIntentSchema = z.discriminatedUnion("notification_type", [
  GameTurnReadyIntentSchema,
  GameFinishedIntentSchema,
  GameGenerationFailedIntentSchema,
  RuntimeImagePullFailedIntentSchema,
  RuntimeContainerStartFailedIntentSchema,
  RuntimeStartConfigInvalidIntentSchema,
  LobbyRuntimePausedAfterStartIntentSchema,
]);

/** Per-type intent schemas, keyed by notification type. */
export const INTENT_SCHEMAS = {
  "game.turn.ready": GameTurnReadyIntentSchema,
  "game.finished": GameFinishedIntentSchema,
  "game.generation_failed": GameGenerationFailedIntentSchema,
  "runtime.image_pull_failed": RuntimeImagePullFailedIntentSchema,
  "runtime.container_start_failed": RuntimeContainerStartFailedIntentSchema,
  "runtime.start_config_invalid": RuntimeStartConfigInvalidIntentSchema,
  "lobby.runtime_paused_after_start": LobbyRuntimePausedAfterStartIntentSchema,
} as const satisfies Record<NotificationType, unknown>;

/** Payload of `game.turn.ready`. */
export type GameTurnReadyPayload = z.infer<typeof GameTurnReadyPayloadSchema>;
/** Payload of `game.finished`. */
export type GameFinishedPayload = z.infer<typeof GameFinishedPayloadSchema>;
/** Payload of `game.generation_failed`. */
export type GameGenerationFailedPayload = z.infer<typeof GameGenerationFailedPayloadSchema>;
/** Payload of the three `runtime.*` start-failure types. */
export type RuntimeStartFailurePayload = z.infer<typeof RuntimeStartFailurePayloadSchema>;

/** A `game.turn.ready` intent. */
export type GameTurnReadyIntent = z.infer<typeof GameTurnReadyIntentSchema>;
/** A `game.finished` intent. */
export type GameFinishedIntent = z.infer<typeof GameFinishedIntentSchema>;
/** A `game.generation_failed` intent. */
export type GameGenerationFailedIntent = z.infer<typeof GameGenerationFailedIntentSchema>;
/** A `runtime.image_pull_failed` intent. */
export type RuntimeImagePullFailedIntent = z.infer<typeof RuntimeImagePullFailedIntentSchema>;
/** A `runtime.container_start_failed` intent. */
export type RuntimeContainerStartFailedIntent = z.infer<
  typeof RuntimeContainerStartFailedIntentSchema
>;
/** A `runtime.start_config_invalid` intent. */
export type RuntimeStartConfigInvalidIntent = z.infer<typeof RuntimeStartConfigInvalidIntentSchema>;

/** Payload of `lobby.runtime_paused_after_start`. */
export type LobbyRuntimePausedAfterStartPayload = z.infer<
  typeof LobbyRuntimePausedAfterStartPayloadSchema
>;
/** A `lobby.runtime_paused_after_start` intent. */
export type LobbyRuntimePausedAfterStartIntent = z.infer<
  typeof LobbyRuntimePausedAfterStartIntentSchema
>;

/** Any notification intent (in-memory form: arrays and the payload are real values, not JSON). */
export type NotificationIntent = z.infer<typeof NotificationIntentSchema>;

/** The intent of one given type. */
export type NotificationIntentOf<T extends NotificationType> = Extract<
  NotificationIntent,
  { notification_type: T }
>;

/** Static facts about one notification type (docs/reference.md#notification-intents table). */
export interface NotificationCatalogEntry {
  readonly audience: AudienceKind;
  readonly channels: readonly NotificationChannel[];
  /** Required payload fields, in wire order. */
  readonly payloadFields: readonly string[];
}

const runtimeFailureFields = [
  "game_id",
  "image_ref",
  "error_code",
  "error_message",
  "attempted_at_ms",
] as const;

/** Audience, channels and payload fields of every type, as documented in docs/reference.md#notification-intents. */
export const NOTIFICATION_CATALOG: Readonly<Record<NotificationType, NotificationCatalogEntry>> = {
  "game.turn.ready": {
    audience: "user",
    channels: ["push", "email"],
    payloadFields: ["game_id", "turn_number"],
  },
  "game.finished": {
    audience: "user",
    channels: ["push", "email"],
    payloadFields: ["game_id", "final_turn_number"],
  },
  "game.generation_failed": {
    audience: "admin",
    channels: ["email"],
    payloadFields: ["game_id", "turn_number", "error_code", "error_message"],
  },
  "runtime.image_pull_failed": {
    audience: "admin",
    channels: ["email"],
    payloadFields: runtimeFailureFields,
  },
  "runtime.container_start_failed": {
    audience: "admin",
    channels: ["email"],
    payloadFields: runtimeFailureFields,
  },
  "runtime.start_config_invalid": {
    audience: "admin",
    channels: ["email"],
    payloadFields: runtimeFailureFields,
  },
  "lobby.runtime_paused_after_start": {
    audience: "admin",
    channels: ["email"],
    payloadFields: [
      "game_id",
      "image_ref",
      "engine_endpoint",
      "error_code",
      "error_message",
      "paused_at_ms",
    ],
  },
};

/** True when `value` is one of {@link NOTIFICATION_TYPES}. */
export function isNotificationType(value: unknown): value is NotificationType {
  return typeof value === "string" && (NOTIFICATION_TYPES as readonly string[]).includes(value);
}
