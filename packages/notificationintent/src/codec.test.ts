import { describe, expect, it } from "vitest";
import {
  decode,
  encode,
  eventIdOf,
  intents,
  isNotificationIntentError,
  type NotificationIntent,
  type NotificationIntentError,
} from "./index.js";

const at = new Date("2030-01-02T03:04:05.678Z");
const attemptedAt = new Date("2030-01-02T03:00:00.000Z");

const samples: Record<string, NotificationIntent> = {
  "game.turn.ready": intents.gameTurnReady({
    producer: "gamemaster",
    gameId: "g-1",
    turnNumber: 7,
    recipientUserIds: ["u-1", "u-2"],
    occurredAt: at,
  }),
  "game.finished": intents.gameFinished({
    producer: "gamemaster",
    gameId: "g-1",
    finalTurnNumber: 42,
    recipientUserIds: ["u-1"],
    occurredAt: at,
  }),
  "game.generation_failed": intents.gameGenerationFailed({
    producer: "gamemaster",
    gameId: "g-1",
    turnNumber: 8,
    errorCode: "engine_unreachable",
    errorMessage: "engine timed out after 30s",
    occurredAt: at,
  }),
  "runtime.image_pull_failed": intents.runtimeImagePullFailed({
    producer: "rtmanager",
    gameId: "g-2",
    imageRef: "galaxy/game:1.2.3",
    errorCode: "image_pull_failed",
    errorMessage: "manifest unknown",
    attemptedAt,
  }),
  "runtime.container_start_failed": intents.runtimeContainerStartFailed({
    producer: "rtmanager",
    gameId: "g-2",
    imageRef: "galaxy/game:1.2.3",
    errorCode: "container_start_failed",
    errorMessage: "port already allocated",
    attemptedAt: attemptedAt.getTime(),
    occurredAt: at,
  }),
  "runtime.start_config_invalid": intents.runtimeStartConfigInvalid({
    producer: "rtmanager",
    gameId: "g-2",
    imageRef: "galaxy/game:1.2.3",
    errorCode: "start_config_invalid",
    errorMessage: "",
    attemptedAt,
  }),
  "lobby.runtime_paused_after_start": intents.lobbyRuntimePausedAfterStart({
    producer: "lobby",
    gameId: "g-3",
    imageRef: "galaxy/game:1.2.3",
    engineEndpoint: "http://galaxy-game-g-3:8080",
    errorCode: "service_unavailable",
    errorMessage: "Game Master unreachable",
    pausedAt: attemptedAt,
  }),
};

function expectDecodeError(fields: Record<string, string>, field: string): NotificationIntentError {
  try {
    decode(fields);
  } catch (error) {
    expect(isNotificationIntentError(error)).toBe(true);
    const typed = error as NotificationIntentError;
    expect(typed.field).toBe(field);
    return typed;
  }
  throw new Error("decode did not throw");
}

describe("encode/decode", () => {
  for (const [type, intent] of Object.entries(samples)) {
    it(`round-trips ${type}`, () => {
      const fields = encode(intent);
      expect(Object.values(fields).every((value) => typeof value === "string")).toBe(true);
      expect(fields.notification_type).toBe(type);
      expect(decode(fields)).toEqual(intent);
    });
  }

  it("encodes arrays and the payload as JSON strings and the time as integer ms", () => {
    const fields = encode(samples["game.turn.ready"] as NotificationIntent);
    expect(fields).toEqual({
      notification_type: "game.turn.ready",
      producer: "gamemaster",
      audience_kind: "user",
      recipient_user_ids: '["u-1","u-2"]',
      idempotency_key: "game.turn.ready:g-1:7",
      occurred_at_ms: String(at.getTime()),
      payload_json: '{"game_id":"g-1","turn_number":7}',
    });
  });

  it("encodes admin intents with an empty recipient list", () => {
    const fields = encode(samples["runtime.image_pull_failed"] as NotificationIntent);
    expect(fields.audience_kind).toBe("admin");
    expect(fields.recipient_user_ids).toBe("[]");
    expect(JSON.parse(fields.payload_json ?? "")).toEqual({
      game_id: "g-2",
      image_ref: "galaxy/game:1.2.3",
      error_code: "image_pull_failed",
      error_message: "manifest unknown",
      attempted_at_ms: attemptedAt.getTime(),
    });
  });

  it("refuses to encode a hand-built invalid intent", () => {
    const bad = { ...samples["game.finished"], recipient_user_ids: [] } as NotificationIntent;
    expect(() => encode(bad)).toThrow(/recipient_user_ids/);
  });

  const good = () => encode(samples["game.turn.ready"] as NotificationIntent);

  it("rejects a missing field naming it", () => {
    const { producer: _dropped, ...rest } = good();
    expectDecodeError(rest, "producer");
  });

  it("rejects an unknown field naming it", () => {
    expectDecodeError({ ...good(), actor: "x" }, "actor");
  });

  it("accepts the envelope's event_id next to the intent and exposes it with eventIdOf", () => {
    const fields = { ...good(), event_id: "0193c0de-7e57-7000-8000-000000000001" };
    expect(decode(fields)).toEqual(decode(good()));
    expect(eventIdOf(fields)).toBe("0193c0de-7e57-7000-8000-000000000001");
    expect(eventIdOf(good())).toBeNull();
  });

  it("rejects an unknown notification type", () => {
    const error = expectDecodeError(
      { ...good(), notification_type: "game.exploded" },
      "notification_type",
    );
    expect(error.message).toContain("game.exploded");
  });

  it("rejects a non-integer occurred_at_ms", () => {
    expectDecodeError({ ...good(), occurred_at_ms: "12.5" }, "occurred_at_ms");
    expectDecodeError({ ...good(), occurred_at_ms: "-1" }, "occurred_at_ms");
    expectDecodeError({ ...good(), occurred_at_ms: "" }, "occurred_at_ms");
  });

  it("rejects malformed recipient JSON", () => {
    expectDecodeError({ ...good(), recipient_user_ids: "u-1,u-2" }, "recipient_user_ids");
    expectDecodeError({ ...good(), recipient_user_ids: '{"a":1}' }, "recipient_user_ids");
  });

  it("rejects malformed payload JSON", () => {
    expectDecodeError({ ...good(), payload_json: "{" }, "payload_json");
    expectDecodeError({ ...good(), payload_json: "[1]" }, "payload_json");
  });

  it("names the bad payload field with the payload_json prefix", () => {
    expectDecodeError(
      { ...good(), payload_json: '{"game_id":"g-1","turn_number":"7"}' },
      "payload_json.turn_number",
    );
    expectDecodeError({ ...good(), payload_json: '{"game_id":"g-1"}' }, "payload_json.turn_number");
    expectDecodeError(
      { ...good(), payload_json: '{"game_id":"g-1","turn_number":7,"extra":1}' },
      "payload_json.extra",
    );
  });

  it("rejects an audience that does not match the type", () => {
    expectDecodeError({ ...good(), audience_kind: "admin" }, "audience_kind");
    const admin = encode(samples["game.generation_failed"] as NotificationIntent);
    expectDecodeError({ ...admin, recipient_user_ids: '["u-1"]' }, "recipient_user_ids");
  });

  it("rejects a user intent without recipients", () => {
    expectDecodeError({ ...good(), recipient_user_ids: "[]" }, "recipient_user_ids");
  });
});
