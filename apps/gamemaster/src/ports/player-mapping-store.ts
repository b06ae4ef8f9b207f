import type { PlayerMapping } from "../domain/runtime-record.js";

/** Persistence of `player_mappings`. */
export interface PlayerMappingStore {
  /** Inserts every mapping in one statement (all or nothing); a clash → GalaxyError `conflict`. */
  insertMany(mappings: readonly PlayerMapping[]): Promise<void>;
  listByGame(gameId: string): Promise<PlayerMapping[]>;
  /** The mappings of several games in one query (a claimed batch of turns). */
  listByGames(gameIds: readonly string[]): Promise<PlayerMapping[]>;
  getByUser(gameId: string, userId: string): Promise<PlayerMapping | null>;
  getByRace(gameId: string, raceName: string): Promise<PlayerMapping | null>;
}
