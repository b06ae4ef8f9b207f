import { z } from "@hono/zod-openapi";
import type { GamePlayer } from "../../services/game-players.js";

/** One player of internalListGamePlayers. */
export const GamePlayerSchema = z
  .strictObject({
    user_id: z.string().openapi({ example: "user-1" }),
    race_name: z.string().openapi({ example: "Aelinari" }),
    engine_player_uuid: z.string(),
    stats: z
      .strictObject({ planets: z.number().int(), population: z.number().int() })
      .nullable()
      .openapi({
        description:
          "From the last runtime_snapshot_update GM published for the game; null when none carried this user (e.g. right after a restart).",
      }),
  })
  .openapi("GamePlayer");

/** Answer of internalListGamePlayers. */
export const GamePlayerListSchema = z
  .strictObject({ items: z.array(GamePlayerSchema) })
  .openapi("GamePlayerList");

/** Serialises a player for a response. */
export function toGamePlayerJson(player: GamePlayer): z.infer<typeof GamePlayerSchema> {
  return {
    user_id: player.userId,
    race_name: player.raceName,
    engine_player_uuid: player.enginePlayerUuid,
    stats: player.stats,
  };
}
