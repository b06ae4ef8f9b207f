import type { PlayerTurnStats } from "../domain/runtime-record.js";
import type {
  GameFinishedEvent,
  LobbyEventsPublisher,
  RuntimeSnapshotUpdate,
} from "../ports/lobby-events-publisher.js";

/** Default number of games whose last stats are kept. */
export const DEFAULT_LAST_STATS_CAPACITY = 50_000;

/**
 * The player stats GM last published per game, in memory and LRU-bounded.
 * Snapshots that no engine answer comes with (generation failed, stop,
 * health changes) repeat them, because Lobby replaces its view of a game's
 * stats with every snapshot and an empty array would wipe it. After a restart
 * the memory is empty and such snapshots carry `[]` until the next turn.
 */
export class LastStatsMemory {
  private readonly entries = new Map<string, readonly PlayerTurnStats[]>();

  constructor(private readonly capacity = DEFAULT_LAST_STATS_CAPACITY) {}

  remember(gameId: string, stats: readonly PlayerTurnStats[]): void {
    this.entries.delete(gameId);
    this.entries.set(gameId, stats);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) {
        this.entries.delete(oldest.value);
      }
    }
  }

  /** The last published stats, or `[]` when unknown. */
  recall(gameId: string): readonly PlayerTurnStats[] {
    return this.entries.get(gameId) ?? [];
  }

  forget(gameId: string): void {
    this.entries.delete(gameId);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Wraps a {@link LobbyEventsPublisher} so that every published snapshot with
 * stats (register-runtime's included) is remembered, and a finished game is
 * forgotten.
 */
export function rememberingLobbyEvents(
  publisher: LobbyEventsPublisher,
  memory: LastStatsMemory,
): LobbyEventsPublisher {
  return {
    async publishSnapshotUpdate(event: RuntimeSnapshotUpdate): Promise<string> {
      if (event.playerTurnStats.length > 0) {
        memory.remember(event.gameId, event.playerTurnStats);
      }
      return publisher.publishSnapshotUpdate(event);
    },
    async publishGameFinished(event: GameFinishedEvent): Promise<string> {
      memory.forget(event.gameId);
      return publisher.publishGameFinished(event);
    },
  };
}
