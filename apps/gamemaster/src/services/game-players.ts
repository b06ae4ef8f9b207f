import { GalaxyError } from "@galaxy/errors";
import type { PlayerTurnStats } from "../domain/runtime-record.js";
import type { PlayerMappingStore } from "../ports/player-mapping-store.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";

/** One player of a game: who plays which race, with the last published stats. */
export interface GamePlayer {
  userId: string;
  raceName: string;
  enginePlayerUuid: string;
  /** From the last snapshot GM published for the game; null when none carried this user. */
  stats: { planets: number; population: number } | null;
}

/** Where the last published player stats of a game are kept. */
export interface LastStatsSource {
  recall(gameId: string): readonly PlayerTurnStats[];
}

/** Read side of `player_mappings` for operators (the console, the CLI). */
export class GamePlayersService {
  constructor(
    private readonly deps: {
      runtimeRecords: RuntimeRecordStore;
      playerMappings: PlayerMappingStore;
      /** Default: the stats stored with the runtime record (`last_player_stats`). */
      lastStats?: LastStatsSource;
    },
  ) {}

  /** The players of a game ordered by race name; unknown game → `runtime_not_found`. */
  async list(gameId: string): Promise<GamePlayer[]> {
    const record = await this.deps.runtimeRecords.get(gameId);
    if (record === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    const mappings = await this.deps.playerMappings.listByGame(gameId);
    const recalled = this.deps.lastStats?.recall(gameId) ?? record.lastPlayerStats;
    const stats = new Map(recalled.map((s) => [s.userId, s]));
    return mappings
      .map((mapping) => {
        const own = stats.get(mapping.userId);
        return {
          userId: mapping.userId,
          raceName: mapping.raceName,
          enginePlayerUuid: mapping.enginePlayerUuid,
          stats: own === undefined ? null : { planets: own.planets, population: own.population },
        };
      })
      .sort((a, b) => (a.raceName < b.raceName ? -1 : a.raceName > b.raceName ? 1 : 0));
  }
}
