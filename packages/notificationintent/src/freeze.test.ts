import { describe, expect, it } from "vitest";
import { INTENT_SCHEMAS, NOTIFICATION_CATALOG, NOTIFICATION_TYPES, WIRE_FIELDS } from "./index.js";

/*
 * The contract with the notification service. If this test fails, a type or a required field has
 * disappeared or been renamed: that is a breaking change for every consumer of
 * `notification:intents`. Adding a new type or an optional field is fine; update the lists below
 * only together with the consumers.
 */
const FROZEN_TYPES = {
  "game.turn.ready": { audience: "user", payload: ["game_id", "turn_number"] },
  "game.finished": { audience: "user", payload: ["game_id", "final_turn_number"] },
  "game.generation_failed": {
    audience: "admin",
    payload: ["game_id", "turn_number", "error_code", "error_message"],
  },
  "runtime.image_pull_failed": {
    audience: "admin",
    payload: ["game_id", "image_ref", "error_code", "error_message", "attempted_at_ms"],
  },
  "runtime.container_start_failed": {
    audience: "admin",
    payload: ["game_id", "image_ref", "error_code", "error_message", "attempted_at_ms"],
  },
  "runtime.start_config_invalid": {
    audience: "admin",
    payload: ["game_id", "image_ref", "error_code", "error_message", "attempted_at_ms"],
  },
  "lobby.runtime_paused_after_start": {
    audience: "admin",
    payload: [
      "game_id",
      "image_ref",
      "engine_endpoint",
      "error_code",
      "error_message",
      "paused_at_ms",
    ],
  },
} as const;

const FROZEN_WIRE_FIELDS = [
  "notification_type",
  "producer",
  "audience_kind",
  "recipient_user_ids",
  "idempotency_key",
  "occurred_at_ms",
  "payload_json",
];

function isOptional(schema: unknown): boolean {
  return (schema as { safeParse(v: unknown): { success: boolean } }).safeParse(undefined).success;
}

describe("notification intent contract freeze", () => {
  it("still knows every frozen notification type", () => {
    for (const type of Object.keys(FROZEN_TYPES)) {
      expect(NOTIFICATION_TYPES, `type ${type} disappeared`).toContain(type);
      expect(INTENT_SCHEMAS, `schema for ${type} disappeared`).toHaveProperty([type]);
    }
  });

  it("still encodes every frozen wire field", () => {
    for (const field of FROZEN_WIRE_FIELDS) {
      expect(WIRE_FIELDS, `wire field ${field} disappeared`).toContain(field);
    }
  });

  for (const [type, frozen] of Object.entries(FROZEN_TYPES)) {
    it(`keeps the audience and required payload fields of ${type}`, () => {
      const schema = INTENT_SCHEMAS[type as keyof typeof INTENT_SCHEMAS];
      const payloadShape = schema.shape.payload.shape as Record<string, unknown>;
      for (const field of frozen.payload) {
        expect(payloadShape, `${type}: payload field ${field} disappeared`).toHaveProperty([field]);
        expect(
          isOptional(payloadShape[field]),
          `${type}: payload field ${field} became optional`,
        ).toBe(false);
      }
      expect(schema.shape.audience_kind.value).toBe(frozen.audience);
      expect(NOTIFICATION_CATALOG[type as keyof typeof NOTIFICATION_CATALOG].audience).toBe(
        frozen.audience,
      );
      expect(NOTIFICATION_CATALOG[type as keyof typeof NOTIFICATION_CATALOG].payloadFields).toEqual(
        frozen.payload,
      );
      for (const field of FROZEN_WIRE_FIELDS.filter((f) => f !== "payload_json")) {
        expect(isOptional(schema.shape[field as keyof typeof schema.shape])).toBe(false);
      }
    });
  }

  it("documents push+email for member types and email for admin types", () => {
    expect(NOTIFICATION_CATALOG["game.turn.ready"].channels).toEqual(["push", "email"]);
    expect(NOTIFICATION_CATALOG["game.finished"].channels).toEqual(["push", "email"]);
    for (const type of NOTIFICATION_TYPES) {
      if (NOTIFICATION_CATALOG[type].audience === "admin") {
        expect(NOTIFICATION_CATALOG[type].channels).toEqual(["email"]);
      }
    }
  });
});
