import { issuesFromZod, NotificationIntentError } from "./errors.js";
import {
  type GameFinishedIntent,
  type GameGenerationFailedIntent,
  type GameTurnReadyIntent,
  INTENT_SCHEMAS,
  type LobbyRuntimePausedAfterStartIntent,
  type NotificationIntentOf,
  type NotificationType,
  type RuntimeContainerStartFailedIntent,
  type RuntimeImagePullFailedIntent,
  type RuntimeStartConfigInvalidIntent,
} from "./schemas.js";

/** Fields every constructor accepts. */
export interface IntentMetaInput {
  /** Name of the publishing service, e.g. `gamemaster`. */
  producer: string;
  /** When the event happened; defaults to now (for `runtime.*` types: to `attemptedAt`). */
  occurredAt?: Date | number;
  /**
   * Overrides the deterministic default key. The default identifies the event (type + game +
   * turn or attempt time), so publishing the same event twice is de-duplicated downstream; pass
   * your own key only when two distinct events would otherwise share one.
   */
  idempotencyKey?: string;
}

/** Input of {@link intents.gameTurnReady}. */
export interface GameTurnReadyInput extends IntentMetaInput {
  gameId: string;
  turnNumber: number;
  recipientUserIds: readonly string[];
}

/** Input of {@link intents.gameFinished}. */
export interface GameFinishedInput extends IntentMetaInput {
  gameId: string;
  finalTurnNumber: number;
  recipientUserIds: readonly string[];
}

/** Input of {@link intents.gameGenerationFailed}. */
export interface GameGenerationFailedInput extends IntentMetaInput {
  gameId: string;
  /** The turn that failed to generate. */
  turnNumber: number;
  errorCode: string;
  errorMessage: string;
}

/** Input of the three `runtime.*` constructors. */
export interface RuntimeStartFailureInput extends IntentMetaInput {
  gameId: string;
  imageRef: string;
  errorCode: string;
  errorMessage: string;
  /** When the start attempt was made; part of the default idempotency key. */
  attemptedAt: Date | number;
}

/** Input of {@link intents.lobbyRuntimePausedAfterStart}. */
export interface LobbyRuntimePausedAfterStartInput extends IntentMetaInput {
  gameId: string;
  imageRef: string;
  /** Where the running container answers (from RTM's job result). */
  engineEndpoint: string;
  /** Why registering the runtime with Game Master failed. */
  errorCode: string;
  errorMessage: string;
  /** When the Lobby paused the game; part of the default idempotency key. */
  pausedAt: Date | number;
}

function toMs(value: Date | number | undefined, fallback: () => number): number {
  if (value === undefined) return fallback();
  return value instanceof Date ? value.getTime() : value;
}

function build<T extends NotificationType>(type: T, candidate: unknown): NotificationIntentOf<T> {
  const result = INTENT_SCHEMAS[type].safeParse(candidate);
  if (!result.success) {
    throw new NotificationIntentError(`invalid ${type} intent`, issuesFromZod(result.error));
  }
  return result.data as NotificationIntentOf<T>;
}

function runtimeFailure<
  T extends
    | "runtime.image_pull_failed"
    | "runtime.container_start_failed"
    | "runtime.start_config_invalid",
>(type: T, input: RuntimeStartFailureInput): NotificationIntentOf<T> {
  const attemptedAtMs = toMs(input.attemptedAt, () => Number.NaN);
  return build(type, {
    notification_type: type,
    producer: input.producer,
    audience_kind: "admin",
    recipient_user_ids: [],
    idempotency_key: input.idempotencyKey ?? `${type}:${input.gameId}:${attemptedAtMs}`,
    occurred_at_ms: toMs(input.occurredAt, () => attemptedAtMs),
    payload: {
      game_id: input.gameId,
      image_ref: input.imageRef,
      error_code: input.errorCode,
      error_message: input.errorMessage,
      attempted_at_ms: attemptedAtMs,
    },
  });
}

/**
 * Constructors for every notification type. Each validates its input against the type's schema
 * and throws {@link NotificationIntentError} naming the offending field.
 */
export const intents = {
  /** `game.turn.ready` for the game's active members. */
  gameTurnReady(input: GameTurnReadyInput): GameTurnReadyIntent {
    return build("game.turn.ready", {
      notification_type: "game.turn.ready",
      producer: input.producer,
      audience_kind: "user",
      recipient_user_ids: [...input.recipientUserIds],
      idempotency_key:
        input.idempotencyKey ?? `game.turn.ready:${input.gameId}:${input.turnNumber}`,
      occurred_at_ms: toMs(input.occurredAt, Date.now),
      payload: { game_id: input.gameId, turn_number: input.turnNumber },
    });
  },

  /** `game.finished` for the game's active members. */
  gameFinished(input: GameFinishedInput): GameFinishedIntent {
    return build("game.finished", {
      notification_type: "game.finished",
      producer: input.producer,
      audience_kind: "user",
      recipient_user_ids: [...input.recipientUserIds],
      idempotency_key:
        input.idempotencyKey ?? `game.finished:${input.gameId}:${input.finalTurnNumber}`,
      occurred_at_ms: toMs(input.occurredAt, Date.now),
      payload: { game_id: input.gameId, final_turn_number: input.finalTurnNumber },
    });
  },

  /** `game.generation_failed` for the operators. */
  gameGenerationFailed(input: GameGenerationFailedInput): GameGenerationFailedIntent {
    return build("game.generation_failed", {
      notification_type: "game.generation_failed",
      producer: input.producer,
      audience_kind: "admin",
      recipient_user_ids: [],
      idempotency_key:
        input.idempotencyKey ?? `game.generation_failed:${input.gameId}:${input.turnNumber}`,
      occurred_at_ms: toMs(input.occurredAt, Date.now),
      payload: {
        game_id: input.gameId,
        turn_number: input.turnNumber,
        error_code: input.errorCode,
        error_message: input.errorMessage,
      },
    });
  },

  /** `runtime.image_pull_failed` for the operators. */
  runtimeImagePullFailed(input: RuntimeStartFailureInput): RuntimeImagePullFailedIntent {
    return runtimeFailure("runtime.image_pull_failed", input);
  },

  /** `runtime.container_start_failed` for the operators. */
  runtimeContainerStartFailed(input: RuntimeStartFailureInput): RuntimeContainerStartFailedIntent {
    return runtimeFailure("runtime.container_start_failed", input);
  },

  /** `runtime.start_config_invalid` for the operators. */
  runtimeStartConfigInvalid(input: RuntimeStartFailureInput): RuntimeStartConfigInvalidIntent {
    return runtimeFailure("runtime.start_config_invalid", input);
  },

  /**
   * `lobby.runtime_paused_after_start` for the operators: a started container that Game Master
   * does not track yet (the Lobby resumes the game once Game Master answers).
   */
  lobbyRuntimePausedAfterStart(
    input: LobbyRuntimePausedAfterStartInput,
  ): LobbyRuntimePausedAfterStartIntent {
    const pausedAtMs = toMs(input.pausedAt, () => Number.NaN);
    return build("lobby.runtime_paused_after_start", {
      notification_type: "lobby.runtime_paused_after_start",
      producer: input.producer,
      audience_kind: "admin",
      recipient_user_ids: [],
      idempotency_key:
        input.idempotencyKey ?? `lobby.runtime_paused_after_start:${input.gameId}:${pausedAtMs}`,
      occurred_at_ms: toMs(input.occurredAt, () => pausedAtMs),
      payload: {
        game_id: input.gameId,
        image_ref: input.imageRef,
        engine_endpoint: input.engineEndpoint,
        error_code: input.errorCode,
        error_message: input.errorMessage,
        paused_at_ms: pausedAtMs,
      },
    });
  },
} as const;
