/**
 * A minimal Game Lobby for the Game Master rows of `pnpm bench:scheduler`, in a process of its
 * own: every roster GM asks for lists the game's four players as active, so each turn's
 * `game.turn.ready` intent goes through GM's membership cache as in production (one roster load
 * per game: a cold cache, as after a restart).
 */
import { createServer } from "node:http";
import { RACES, userId } from "./common.js";

const ROSTER = /^\/api\/v1\/internal\/games\/([^/]+)\/memberships$/;

createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200).end();
    return;
  }
  const gameId = ROSTER.exec(req.url ?? "")?.[1];
  if (gameId === undefined) {
    res.writeHead(404).end();
    return;
  }
  const id = decodeURIComponent(gameId);
  const memberships = RACES.map((race, index) => ({
    user_id: userId(id, index),
    race_name: race,
    status: "active",
  }));
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ memberships }));
}).listen(Number(process.env.LOBBY_PORT ?? 0), "127.0.0.1");
