import { GalaxyError } from "@galaxy/errors";
import { and, asc, eq, sql } from "drizzle-orm";
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
    return withPostgres("list player mappings of games", async () => {
      // In SQL with one array parameter: the scheduler reads the mappings of
      // every claimed batch (hundreds of games) here, and the query builder
      // would spend more on one placeholder per id and on mapping rows than
      // the query costs (docs/decisions/086-gm-batch-write-path.md).
      const result = await this.db.execute<{
        game_id: string;
        user_id: string;
        race_name: string;
        engine_player_uuid: string;
        created_at: Date | string;
      }>(sql`
        select game_id, user_id, race_name, engine_player_uuid, created_at
        from gamemaster.player_mappings where game_id = any(${sql.param([...gameIds])}::text[])
        order by game_id, user_id`);
      return result.rows.map((row) => ({
        gameId: row.game_id,
        userId: row.user_id,
        raceName: row.race_name,
        enginePlayerUuid: row.engine_player_uuid,
        createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
      }));
    });
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
