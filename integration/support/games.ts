import { isGameMasterError, type RuntimeRecord } from "@galaxy/gamemaster-client";
import {
  decode,
  NOTIFICATION_INTENTS_STREAM,
  type NotificationIntent,
} from "@galaxy/notificationintent";
import { gmClient } from "./gm.js";
import { expectStatus } from "./http.js";
import type { Stack } from "./stack.js";
import { waitFor } from "./wait.js";

/** A member as the lobby stub keeps it. */
export interface LobbyMember {
  user_id: string;
  race_name: string;
  status: "active" | "removed" | "blocked";
}

/** The lobby stub's view of a game (the fields the suites read). */
export interface LobbyGame {
  game_id: string;
  status: string;
  members: LobbyMember[];
  image_ref: string | null;
  engine_endpoint: string | null;
  current_turn: number;
  runtime_status: string | null;
  engine_health_summary: string;
  player_turn_stats: { user_id: string; planets: number; population: number }[];
  start_error: { code: string; message: string } | null;
  finished_at: string | null;
}

/** GM's runtime record as served by internalGetRuntime (the generated client's type). */
export type { RuntimeRecord } from "@galaxy/gamemaster-client";

/** The engine stub's StateResponse. */
export interface EngineState {
  turn: number;
  finished: boolean;
  players: { race_name: string; engine_player_uuid: string; planets: number; population: number }[];
}

/**
 * A schedule that does not fire during a test run (once a year, 1 January 00:00 UTC): turns
 * happen only when a suite makes one due.
 */
export const QUIET_SCHEDULE = "0 0 1 1 *";

/** Options of {@link createGame}. */
export interface NewGameOptions {
  gameId: string;
  members: readonly { user_id: string; race_name: string }[];
  turnSchedule?: string;
  engineVersion?: string;
}

/** Creates a game in the lobby and enrols its members (it ends `ready_to_start`). */
export async function createGame(stack: Stack, options: NewGameOptions): Promise<LobbyGame> {
  await expectStatus(201, "POST", `${stack.lobby.url}/api/v1/games`, {
    body: {
      game_id: options.gameId,
      name: `Game ${options.gameId}`,
      target_engine_version: options.engineVersion ?? "1.0.0",
      turn_schedule: options.turnSchedule ?? QUIET_SCHEDULE,
    },
  });
  let game: LobbyGame | undefined;
  for (const member of options.members) {
    game = await expectStatus<LobbyGame>(
      201,
      "POST",
      `${stack.lobby.url}/api/v1/games/${options.gameId}/members`,
      { body: member },
    );
  }
  if (game === undefined) throw new Error("a game needs at least one member");
  return game;
}

/** `POST …/start` on the lobby; returns the 202 body (`starting`). */
export async function startGame(stack: Stack, gameId: string): Promise<LobbyGame> {
  return expectStatus<LobbyGame>(202, "POST", `${stack.lobby.url}/api/v1/games/${gameId}/start`);
}

/** The lobby's current view of a game. */
export async function lobbyGame(stack: Stack, gameId: string): Promise<LobbyGame> {
  return expectStatus<LobbyGame>(200, "GET", `${stack.lobby.url}/api/v1/games/${gameId}`);
}

/** Polls the lobby until `accept` holds for the game; the timeout message shows the last view. */
export async function waitForLobbyGame(
  stack: Stack,
  gameId: string,
  what: string,
  accept: (game: LobbyGame) => boolean,
  timeoutMs = 15_000,
): Promise<LobbyGame> {
  let last: LobbyGame | undefined;
  try {
    return await waitFor(
      async () => {
        last = await lobbyGame(stack, gameId);
        return accept(last) ? last : undefined;
      },
      { what: `lobby game ${gameId}: ${what}`, timeoutMs },
    );
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; last lobby view: ${JSON.stringify(last)}`,
    );
  }
}

/** GM's runtime record, or null on 404. */
export async function gmRuntime(stack: Stack, gameId: string): Promise<RuntimeRecord | null> {
  try {
    return await gmClient(stack.gm.url).getRuntime(gameId);
  } catch (error) {
    if (isGameMasterError(error) && error.code === "runtime_not_found") return null;
    throw error;
  }
}

/** Polls GM until its runtime record satisfies `accept`. */
export async function waitForRuntime(
  stack: Stack,
  gameId: string,
  what: string,
  accept: (record: RuntimeRecord) => boolean,
  timeoutMs = 15_000,
): Promise<RuntimeRecord> {
  let last: RuntimeRecord | null = null;
  try {
    return await waitFor(
      async () => {
        last = await gmRuntime(stack, gameId);
        return last !== null && accept(last) ? last : undefined;
      },
      { what: `GM runtime ${gameId}: ${what}`, timeoutMs },
    );
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; last record: ${JSON.stringify(last)}`,
    );
  }
}

/**
 * Makes the game's next turn due now, the way an operator would wait for the cron: the
 * scheduler's next tick picks it up. Throws unless exactly one running record was moved.
 */
export async function makeTurnDue(stack: Stack, gameId: string): Promise<void> {
  const result = await stack.sql.query(
    `UPDATE gamemaster.runtime_records
        SET next_generation_at = now() - interval '1 second'
      WHERE game_id = $1 AND status = 'running'`,
    [gameId],
  );
  if (result.rowCount !== 1) {
    throw new Error(`no running runtime record for ${gameId} to make due`);
  }
}

/** The engine stub's state of a game (`/admin/status`). */
export async function engineState(stack: Stack, gameId: string): Promise<EngineState> {
  return expectStatus<EngineState>(
    200,
    "GET",
    `${stack.engine.url}/games/${gameId}/api/v1/admin/status`,
  );
}

/** A call the engine stub recorded. */
export interface EngineCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  actor: string | null;
}

/** Every call the engine stub received for a game, oldest first. */
export async function engineCalls(stack: Stack, gameId: string): Promise<EngineCall[]> {
  const body = await expectStatus<{ calls: EngineCall[] }>(
    200,
    "GET",
    `${stack.engine.url}/games/${gameId}/_stub/calls`,
  );
  return body.calls;
}

/** An outgoing GM call the lobby stub recorded. */
export interface LobbyGmCall {
  operation: string;
  method: string;
  path: string;
  status: number | null;
  outcome: "ok" | "error" | "unreachable";
}

/** The lobby stub's outgoing GM calls for a game. */
export async function lobbyGmCalls(stack: Stack, gameId: string): Promise<LobbyGmCall[]> {
  const body = await expectStatus<{ calls: LobbyGmCall[] }>(
    200,
    "GET",
    `${stack.lobby.url}/_stub/calls?game_id=${encodeURIComponent(gameId)}`,
  );
  return body.calls;
}

/** A hot-path call to GM as the Edge Gateway would make it for `userId`. */
export function playerHeaders(userId: string): Record<string, string> {
  return { "x-user-id": userId, "x-op-source": "gateway" };
}

/** Reads every entry of a stream under the stack's prefix as flat field maps. */
export async function readStream(
  stack: Stack,
  stream: string,
): Promise<{ id: string; fields: Record<string, string> }[]> {
  const entries = await stack.redis.xrange(stream, "-", "+");
  return entries.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let index = 0; index + 1 < flat.length; index += 2) {
      fields[flat[index] as string] = flat[index + 1] as string;
    }
    return { id, fields };
  });
}

/** Decoded notification intents GM published for a game, oldest first. */
export async function intentsFor(stack: Stack, gameId: string): Promise<NotificationIntent[]> {
  const entries = await readStream(stack, NOTIFICATION_INTENTS_STREAM);
  return entries.map((entry) => decode(entry.fields)).filter((i) => i.payload.game_id === gameId);
}

/** GM's operation log of a game, oldest first. */
export async function operationLog(
  stack: Stack,
  gameId: string,
): Promise<{ op_kind: string; op_source: string; outcome: string; error_code: string }[]> {
  const result = await stack.sql.query<{
    op_kind: string;
    op_source: string;
    outcome: string;
    error_code: string;
  }>(
    `SELECT op_kind, op_source, outcome, error_code
       FROM gamemaster.operation_log WHERE game_id = $1 ORDER BY id`,
    [gameId],
  );
  return result.rows;
}
