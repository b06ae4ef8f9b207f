import { describe, expect, it } from "vitest";
import { encodeGameFinished, encodeSnapshotUpdate } from "./lobby-events-publisher.js";

const stats = [
  { userId: "user-1", planets: 4, population: 1350 },
  { userId: "user-2", planets: 3, population: 990 },
];

describe("gm:lobby_events encoding (docs/reference.md#streams)", () => {
  it("encodes runtime_snapshot_update as flat strings", () => {
    expect(
      encodeSnapshotUpdate({
        gameId: "game-1",
        currentTurn: 7,
        runtimeStatus: "running",
        engineHealthSummary: "healthy",
        playerTurnStats: stats,
        occurredAt: new Date(1_767_225_600_000),
      }),
    ).toEqual({
      event_type: "runtime_snapshot_update",
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
      encodeGameFinished({
        gameId: "game-1",
        finalTurnNumber: 120,
        runtimeStatus: "finished",
        playerTurnStats: [],
        finishedAt: new Date(1_767_225_600_000),
      }),
    ).toEqual({
      event_type: "game_finished",
      game_id: "game-1",
      final_turn_number: "120",
      runtime_status: "finished",
      player_turn_stats: "[]",
      finished_at_ms: "1767225600000",
    });
  });
});
