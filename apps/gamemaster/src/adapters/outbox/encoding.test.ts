import { describe, expect, it } from "vitest";
import { encodeGameFinished, encodeIntentEntry, encodeSnapshotUpdate } from "./encoding.js";

const stats = [
  { userId: "user-1", planets: 4, population: 1350 },
  { userId: "user-2", planets: 3, population: 990 },
];

describe("gm:lobby_events encoding", () => {
  it("encodes runtime_snapshot_update as flat strings", () => {
    expect(
      encodeSnapshotUpdate(
        {
          gameId: "game-1",
          currentTurn: 7,
          runtimeStatus: "running",
          engineHealthSummary: "healthy",
          playerTurnStats: stats,
          occurredAt: new Date(1_767_225_600_000),
        },
        "ev-1",
      ),
    ).toEqual({
      event_type: "runtime_snapshot_update",
      event_id: "ev-1",
      game_id: "game-1",
      current_turn: "7",
      runtime_status: "running",
      engine_health_summary: "healthy",
      player_turn_stats:
        '[{"user_id":"user-1","planets":4,"population":1350},{"user_id":"user-2","planets":3,"population":990}]',
      occurred_at_ms: "1767225600000",
    });
  });

  it("encodes game_finished as flat strings", () => {
    expect(
      encodeGameFinished(
        {
          gameId: "game-1",
          finalTurnNumber: 120,
          runtimeStatus: "finished",
          playerTurnStats: [],
          finishedAt: new Date(1_767_225_600_000),
        },
        "ev-2",
      ),
    ).toEqual({
      event_type: "game_finished",
      event_id: "ev-2",
      game_id: "game-1",
      final_turn_number: "120",
      runtime_status: "finished",
      player_turn_stats: "[]",
      finished_at_ms: "1767225600000",
    });
  });

  it("adds event_id to an intent's wire fields and keeps its idempotency key", () => {
    const fields = encodeIntentEntry(
      {
        notification_type: "game.turn.ready",
        producer: "gamemaster",
        audience_kind: "user",
        recipient_user_ids: ["user-1"],
        idempotency_key: "game.turn.ready:game-1:7",
        occurred_at_ms: 1_767_225_600_000,
        payload: { game_id: "game-1", turn_number: 7 },
      },
      "ev-3",
    );
    expect(fields.event_id).toBe("ev-3");
    expect(fields.idempotency_key).toBe("game.turn.ready:game-1:7");
    expect(fields.payload_json).toBe('{"game_id":"game-1","turn_number":7}');
  });

  it("rejects an invalid intent", () => {
    expect(() =>
      encodeIntentEntry(
        {
          notification_type: "game.turn.ready",
          producer: "gamemaster",
          audience_kind: "user",
          recipient_user_ids: [],
          idempotency_key: "k",
          occurred_at_ms: 1,
          payload: { game_id: "game-1", turn_number: 7 },
        },
        "ev-4",
      ),
    ).toThrow(/recipient_user_ids/);
  });
});
