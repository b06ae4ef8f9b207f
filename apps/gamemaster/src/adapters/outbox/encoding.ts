import { encode as encodeIntent, type NotificationIntent } from "@galaxy/notificationintent";
import type { PlayerTurnStats } from "../../domain/runtime-record.js";
import type { GameFinishedEvent, RuntimeSnapshotUpdate } from "../../ports/lobby-events.js";

/** Discriminator of `gm:lobby_events` entries. */
export type LobbyEventType = "runtime_snapshot_update" | "game_finished";

function statsJson(stats: readonly PlayerTurnStats[]): string {
  return JSON.stringify(
    stats.map((entry) => ({
      user_id: entry.userId,
      planets: entry.planets,
      population: entry.population,
    })),
  );
}

/** Flat stream fields of a `runtime_snapshot_update` (contracts/asyncapi). */
export function encodeSnapshotUpdate(
  event: RuntimeSnapshotUpdate,
  eventId: string,
): Record<string, string> {
  return {
    event_type: "runtime_snapshot_update",
    event_id: eventId,
    game_id: event.gameId,
    current_turn: String(event.currentTurn),
    runtime_status: event.runtimeStatus,
    engine_health_summary: event.engineHealthSummary,
    player_turn_stats: statsJson(event.playerTurnStats),
    occurred_at_ms: String(event.occurredAt.getTime()),
  };
}

/** Flat stream fields of a `game_finished` (contracts/asyncapi). */
export function encodeGameFinished(
  event: GameFinishedEvent,
  eventId: string,
): Record<string, string> {
  return {
    event_type: "game_finished",
    event_id: eventId,
    game_id: event.gameId,
    final_turn_number: String(event.finalTurnNumber),
    runtime_status: event.runtimeStatus,
    player_turn_stats: statsJson(event.playerTurnStats),
    finished_at_ms: String(event.finishedAt.getTime()),
  };
}

/**
 * Flat stream fields of a notification intent: the wire fields of
 * `@galaxy/notificationintent` (validated, throws on an invalid intent) plus
 * `event_id`. The intent keeps its own `idempotency_key`.
 */
export function encodeIntentEntry(
  intent: NotificationIntent,
  eventId: string,
): Record<string, string> {
  return { ...encodeIntent(intent), event_id: eventId };
}
