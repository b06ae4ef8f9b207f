import { xaddFlat } from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import type { PlayerTurnStats } from "../../domain/runtime-record.js";
import type {
  GameFinishedEvent,
  LobbyEventsPublisher,
  RuntimeSnapshotUpdate,
} from "../../ports/lobby-events-publisher.js";

/** Options of {@link RedisLobbyEventsPublisher}. */
export interface RedisLobbyEventsPublisherOptions {
  redis: Redis;
  /** Stream name (`gm:lobby_events` by default in config). */
  stream: string;
  /** Called after each successful XADD (events-published metric). */
  onPublished?: (eventType: LobbyEventType) => void;
}

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

/** Flat stream fields of a `runtime_snapshot_update` (docs/reference.md#streams). */
export function encodeSnapshotUpdate(event: RuntimeSnapshotUpdate): Record<string, string> {
  return {
    event_type: "runtime_snapshot_update",
    game_id: event.gameId,
    current_turn: String(event.currentTurn),
    runtime_status: event.runtimeStatus,
    engine_health_summary: event.engineHealthSummary,
    player_turn_stats: statsJson(event.playerTurnStats),
    occurred_at_ms: String(event.occurredAt.getTime()),
  };
}

/** Flat stream fields of a `game_finished` (docs/reference.md#streams). */
export function encodeGameFinished(event: GameFinishedEvent): Record<string, string> {
  return {
    event_type: "game_finished",
    game_id: event.gameId,
    final_turn_number: String(event.finalTurnNumber),
    runtime_status: event.runtimeStatus,
    player_turn_stats: statsJson(event.playerTurnStats),
    finished_at_ms: String(event.finishedAt.getTime()),
  };
}

/** {@link LobbyEventsPublisher} over a Redis stream (XADD with an approximate MAXLEN). */
export class RedisLobbyEventsPublisher implements LobbyEventsPublisher {
  constructor(private readonly options: RedisLobbyEventsPublisherOptions) {}

  async publishSnapshotUpdate(event: RuntimeSnapshotUpdate): Promise<string> {
    const id = await xaddFlat(this.options.redis, this.options.stream, encodeSnapshotUpdate(event));
    this.options.onPublished?.("runtime_snapshot_update");
    return id;
  }

  async publishGameFinished(event: GameFinishedEvent): Promise<string> {
    const id = await xaddFlat(this.options.redis, this.options.stream, encodeGameFinished(event));
    this.options.onPublished?.("game_finished");
    return id;
  }
}
