/**
 * A minimal Game Lobby for the Game Master rows of `pnpm bench:scheduler`, in a process of its
 * own: every roster GM asks for lists the game's four players as active, so each turn's
 * `game.turn.ready` intent goes through GM's membership cache as in production, starting cold
 * (as after a restart, or a burst after the cache's TTL). It answers both the per-game roster and
 * the batch lookup GM uses for a claimed batch (contracts/lobby/lobby-internal-openapi.yaml).
 */
import { createServer } from "node:http";
import { RACES, userId } from "./common.js";

const ROSTER = /^\/api\/v1\/internal\/games\/([^/]+)\/memberships$/;
const LOOKUP = "/api/v1/internal/memberships/lookup";

function roster(gameId: string) {
  return RACES.map((race, index) => ({
    user_id: userId(gameId, index),
    race_name: race,
    status: "active",
  }));
}

createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200).end();
    return;
  }
  if (req.url === LOOKUP && req.method === "POST") {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const { game_ids: gameIds } = JSON.parse(Buffer.concat(chunks).toString()) as {
        game_ids: string[];
      };
      const games = gameIds.map((game_id) => ({ game_id, memberships: roster(game_id) }));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ games }));
    });
    return;
  }
  const gameId = ROSTER.exec(req.url ?? "")?.[1];
  if (gameId === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ memberships: roster(decodeURIComponent(gameId)) }));
}).listen(Number(process.env.LOBBY_PORT ?? 0), "127.0.0.1");
