import { describe, expect, it } from "vitest";
import { intents, NotificationIntentError } from "./index.js";

function errorOf(fn: () => unknown): NotificationIntentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(NotificationIntentError);
    return error as NotificationIntentError;
  }
  throw new Error("expected the constructor to throw");
}

describe("constructors", () => {
  it("builds a user-audience turn-ready intent with a deterministic idempotency key", () => {
    const input = {
      producer: "gamemaster",
      gameId: "g-1",
      turnNumber: 3,
      recipientUserIds: ["u-1"],
    };
    const first = intents.gameTurnReady(input);
    const second = intents.gameTurnReady(input);
    expect(first.audience_kind).toBe("user");
    expect(first.recipient_user_ids).toEqual(["u-1"]);
    expect(first.idempotency_key).toBe("game.turn.ready:g-1:3");
    expect(second.idempotency_key).toBe(first.idempotency_key);
    expect(first.payload).toEqual({ game_id: "g-1", turn_number: 3 });
  });

  it("defaults occurred_at_ms to now", () => {
    const before = Date.now();
    const intent = intents.gameFinished({
      producer: "gamemaster",
      gameId: "g-1",
      finalTurnNumber: 10,
      recipientUserIds: ["u-1"],
    });
    expect(intent.occurred_at_ms).toBeGreaterThanOrEqual(before);
    expect(intent.occurred_at_ms).toBeLessThanOrEqual(Date.now());
    expect(intent.idempotency_key).toBe("game.finished:g-1:10");
  });

  it("keys runtime failures by attempt time and defaults occurred_at to it", () => {
    const intent = intents.runtimeImagePullFailed({
      producer: "rtmanager",
      gameId: "g-9",
      imageRef: "galaxy/game:1.0.0",
      errorCode: "image_pull_failed",
      errorMessage: "not found",
      attemptedAt: 1_700_000_000_000,
    });
    expect(intent.audience_kind).toBe("admin");
    expect(intent.recipient_user_ids).toEqual([]);
    expect(intent.idempotency_key).toBe("runtime.image_pull_failed:g-9:1700000000000");
    expect(intent.occurred_at_ms).toBe(1_700_000_000_000);
    expect(intent.payload.attempted_at_ms).toBe(1_700_000_000_000);
  });

  it("keys generation failures by game and turn", () => {
    const intent = intents.gameGenerationFailed({
      producer: "gamemaster",
      gameId: "g-1",
      turnNumber: 4,
      errorCode: "engine_unreachable",
      errorMessage: "boom",
    });
    expect(intent.idempotency_key).toBe("game.generation_failed:g-1:4");
    expect(intent.audience_kind).toBe("admin");
  });

  it("honours an explicit idempotency key", () => {
    const intent = intents.gameGenerationFailed({
      producer: "gamemaster",
      gameId: "g-1",
      turnNumber: 4,
      errorCode: "engine_unreachable",
      errorMessage: "boom",
      idempotencyKey: "attempt-2",
    });
    expect(intent.idempotency_key).toBe("attempt-2");
  });

  it("rejects an empty recipient list for a user-audience type", () => {
    const error = errorOf(() =>
      intents.gameTurnReady({ producer: "gm", gameId: "g", turnNumber: 1, recipientUserIds: [] }),
    );
    expect(error.field).toBe("recipient_user_ids");
    expect(error.message).toMatch(/at least one recipient/);
  });

  it("rejects duplicate recipients", () => {
    const error = errorOf(() =>
      intents.gameTurnReady({
        producer: "gm",
        gameId: "g",
        turnNumber: 1,
        recipientUserIds: ["u", "u"],
      }),
    );
    expect(error.field).toBe("recipient_user_ids");
  });

  it("rejects a negative or fractional turn number", () => {
    expect(
      errorOf(() =>
        intents.gameTurnReady({
          producer: "gm",
          gameId: "g",
          turnNumber: -1,
          recipientUserIds: ["u"],
        }),
      ).field,
    ).toBe("payload.turn_number");
    expect(
      errorOf(() =>
        intents.gameFinished({
          producer: "gm",
          gameId: "g",
          finalTurnNumber: 1.5,
          recipientUserIds: ["u"],
        }),
      ).field,
    ).toBe("payload.final_turn_number");
  });

  it("rejects an empty game id and producer", () => {
    const error = errorOf(() =>
      intents.gameTurnReady({ producer: "", gameId: "", turnNumber: 1, recipientUserIds: ["u"] }),
    );
    expect(error.issues.map((issue) => issue.field).sort()).toEqual([
      "payload.game_id",
      "producer",
    ]);
    expect(error.message).toContain("producer must be a non-empty string");
  });

  it("rejects an invalid attempt time", () => {
    const error = errorOf(() =>
      intents.runtimeContainerStartFailed({
        producer: "rtm",
        gameId: "g",
        imageRef: "img",
        errorCode: "container_start_failed",
        errorMessage: "x",
        attemptedAt: new Date("not a date"),
      }),
    );
    expect(error.issues.map((issue) => issue.field)).toContain("payload.attempted_at_ms");
  });

  it("rejects an empty error code and image ref", () => {
    const error = errorOf(() =>
      intents.runtimeStartConfigInvalid({
        producer: "rtm",
        gameId: "g",
        imageRef: "",
        errorCode: "",
        errorMessage: "x",
        attemptedAt: 1,
      }),
    );
    expect(error.issues.map((issue) => issue.field).sort()).toEqual([
      "payload.error_code",
      "payload.image_ref",
    ]);
  });

  it("builds lobby.runtime_paused_after_start for the operators, keyed by the pause time", () => {
    const intent = intents.lobbyRuntimePausedAfterStart({
      producer: "lobby",
      gameId: "g-9",
      imageRef: "galaxy/game:1.4.2",
      engineEndpoint: "http://galaxy-game-g-9:8080",
      errorCode: "service_unavailable",
      errorMessage: "Game Master unreachable",
      pausedAt: 1_767_225_600_000,
    });
    expect(intent).toEqual({
      notification_type: "lobby.runtime_paused_after_start",
      producer: "lobby",
      audience_kind: "admin",
      recipient_user_ids: [],
      idempotency_key: "lobby.runtime_paused_after_start:g-9:1767225600000",
      occurred_at_ms: 1_767_225_600_000,
      payload: {
        game_id: "g-9",
        image_ref: "galaxy/game:1.4.2",
        engine_endpoint: "http://galaxy-game-g-9:8080",
        error_code: "service_unavailable",
        error_message: "Game Master unreachable",
        paused_at_ms: 1_767_225_600_000,
      },
    });
    const error = errorOf(() =>
      intents.lobbyRuntimePausedAfterStart({
        producer: "lobby",
        gameId: "g-9",
        imageRef: "img",
        engineEndpoint: "",
        errorCode: "e",
        errorMessage: "",
        pausedAt: 1,
      }),
    );
    expect(error.issues.map((issue) => issue.field)).toEqual(["payload.engine_endpoint"]);
  });

  it("rejects a negative occurred time", () => {
    const error = errorOf(() =>
      intents.gameGenerationFailed({
        producer: "gm",
        gameId: "g",
        turnNumber: 1,
        errorCode: "e",
        errorMessage: "m",
        occurredAt: -5,
      }),
    );
    expect(error.field).toBe("occurred_at_ms");
  });
});
