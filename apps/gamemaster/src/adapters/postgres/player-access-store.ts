import { and, eq, sql } from "drizzle-orm";
import type { PlayerAccess, PlayerAccessStore } from "../../ports/player-access.js";
import type { Database } from "./database.js";
import { withPostgres } from "./errors.js";
import { playerMappings, runtimeRecords } from "./schema.js";

/**
 * {@link PlayerAccessStore} over PostgreSQL: one primary-key lookup of the
 * runtime left-joined with the primary-key lookup of the mapping. The query
 * is built once and runs as a named prepared statement, so neither drizzle
 * nor PostgreSQL parses or plans it again per request.
 */
export class PostgresPlayerAccessStore implements PlayerAccessStore {
  private readonly query;

  constructor(db: Database) {
    this.query = db
      .select({
        status: runtimeRecords.status,
        engineEndpoint: runtimeRecords.engineEndpoint,
        raceName: playerMappings.raceName,
      })
      .from(runtimeRecords)
      .leftJoin(
        playerMappings,
        and(
          eq(playerMappings.gameId, runtimeRecords.gameId),
          eq(playerMappings.userId, sql.placeholder("userId")),
        ),
      )
      .where(eq(runtimeRecords.gameId, sql.placeholder("gameId")))
      .limit(1)
      .prepare("gamemaster_player_access");
  }

  getPlayerAccess(gameId: string, userId: string): Promise<PlayerAccess | null> {
    return withPostgres("get player access", async () => {
      const rows = await this.query.execute({ gameId, userId });
      return rows[0] ?? null;
    });
  }
}
