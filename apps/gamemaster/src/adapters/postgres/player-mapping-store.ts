import { GalaxyError } from "@galaxy/errors";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { PlayerMapping } from "../../domain/runtime-record.js";
import type { PlayerMappingStore } from "../../ports/player-mapping-store.js";
import type { Database } from "./database.js";
import { sqlState, withPostgres } from "./errors.js";
import { playerMappings } from "./schema.js";

/** {@link PlayerMappingStore} over PostgreSQL. */
export class PostgresPlayerMappingStore implements PlayerMappingStore {
  constructor(private readonly db: Database) {}

  insertMany(mappings: readonly PlayerMapping[]): Promise<void> {
    return withPostgres("insert player mappings", async () => {
      if (mappings.length === 0) {
        return;
      }
      try {
        // One multi-row INSERT: PostgreSQL applies it all or not at all.
        await this.db.insert(playerMappings).values([...mappings]);
      } catch (error) {
        const state = sqlState(error);
        if (state === "23505" || state === "23503") {
          throw new GalaxyError(
            "conflict",
            state === "23505"
              ? "player mapping already exists"
              : "runtime record of the player mappings no longer exists",
            { cause: error },
          );
        }
        throw error;
      }
    });
  }

  listByGame(gameId: string): Promise<PlayerMapping[]> {
    return withPostgres("list player mappings", async () =>
      this.db
        .select()
        .from(playerMappings)
        .where(eq(playerMappings.gameId, gameId))
        .orderBy(asc(playerMappings.userId)),
    );
  }

  listByGames(gameIds: readonly string[]): Promise<PlayerMapping[]> {
    if (gameIds.length === 0) {
      return Promise.resolve([]);
    }
    return withPostgres("list player mappings of games", async () =>
      this.db
        .select()
        .from(playerMappings)
        .where(inArray(playerMappings.gameId, [...gameIds]))
        .orderBy(asc(playerMappings.gameId), asc(playerMappings.userId)),
    );
  }

  getByUser(gameId: string, userId: string): Promise<PlayerMapping | null> {
    return withPostgres("get player mapping", async () => {
      const rows = await this.db
        .select()
        .from(playerMappings)
        .where(and(eq(playerMappings.gameId, gameId), eq(playerMappings.userId, userId)))
        .limit(1);
      return rows[0] ?? null;
    });
  }

  getByRace(gameId: string, raceName: string): Promise<PlayerMapping | null> {
    return withPostgres("get player mapping", async () => {
      const rows = await this.db
        .select()
        .from(playerMappings)
        .where(and(eq(playerMappings.gameId, gameId), eq(playerMappings.raceName, raceName)))
        .limit(1);
      return rows[0] ?? null;
    });
  }
}
