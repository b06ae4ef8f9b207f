import { GalaxyError } from "@galaxy/errors";
import type { EngineClient, EngineRawResponse } from "../ports/engine-client.js";
import type { MembershipResolver } from "../ports/membership.js";
import type { PlayerAccessStore } from "../ports/player-access.js";

/** Most commands or orders accepted in one request. */
export const MAX_PLAYER_ACTIONS = 1000;

/** Who acts in which game: `userId` comes from `X-User-Id`, set by the Edge Gateway. */
export interface PlayerRef {
  gameId: string;
  userId: string;
}

/** The engine endpoint and the race a request acts as, once every check passed. */
export interface AuthorizedPlayer {
  engineEndpoint: string;
  raceName: string;
}

/**
 * The player hot path (docs/reference.md#hot-path): commands, orders and reports, relayed to
 * the game's engine as the caller's own race.
 *
 * Every request goes through the same checks, in this order, and the engine
 * is called only when all pass:
 * 1. one database read: the runtime's status and engine endpoint joined with
 *    the caller's player mapping; no runtime → `runtime_not_found` (404);
 * 2. status must be `running` → else `runtime_not_running` (409); this is
 *    also the turn cutoff, since turn generation first moves the runtime to
 *    `generation_in_progress`;
 * 3. the caller must be an `active` member in Lobby (membership cache) → else
 *    `forbidden`; Lobby unavailable on a miss → `service_unavailable`;
 * 4. the caller must have a race in `player_mappings` → else `forbidden`.
 *
 * The runtime check comes first because it needs no Lobby call: a stopped or
 * generating game answers from the one query, and a burst against an unknown
 * game never reaches Lobby. The actor sent to the engine is always the mapped
 * race; nothing in the request can name another.
 */
export class PlayerActionService {
  constructor(
    private readonly deps: {
      playerAccess: PlayerAccessStore;
      memberships: MembershipResolver;
      engine: EngineClient;
    },
  ) {}

  /** `POST /api/v1/command {actor, cmd}` as the caller's race; the engine's 2xx body verbatim. */
  async executeCommands(
    player: PlayerRef,
    commands: readonly unknown[],
  ): Promise<EngineRawResponse> {
    const { engineEndpoint, raceName } = await this.authorize(player);
    return this.deps.engine.command(engineEndpoint, raceName, commands);
  }

  /** `PUT /api/v1/order {actor, orders}` as the caller's race; the engine's 2xx body verbatim. */
  async putOrders(player: PlayerRef, orders: readonly unknown[]): Promise<EngineRawResponse> {
    const { engineEndpoint, raceName } = await this.authorize(player);
    return this.deps.engine.order(engineEndpoint, raceName, orders);
  }

  /** `GET /api/v1/report?player={race}&turn=` for the caller's race; the engine's 2xx body verbatim. */
  async getReport(player: PlayerRef, turn: number): Promise<EngineRawResponse> {
    const { engineEndpoint, raceName } = await this.authorize(player);
    return this.deps.engine.report(engineEndpoint, raceName, turn);
  }

  /** Runs the checks of the class comment; throws the first that fails. */
  async authorize(player: PlayerRef): Promise<AuthorizedPlayer> {
    const { gameId, userId } = player;
    const access = await this.deps.playerAccess.getPlayerAccess(gameId, userId);
    if (access === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    if (access.status !== "running") {
      throw new GalaxyError(
        "runtime_not_running",
        `runtime for game "${gameId}" is ${access.status}, not running`,
      );
    }
    const membership = await this.deps.memberships.resolve(gameId, userId);
    if (membership !== "active") {
      throw new GalaxyError(
        "forbidden",
        membership === null
          ? `user "${userId}" is not a member of game "${gameId}"`
          : `user "${userId}" is not an active member of game "${gameId}" (${membership})`,
      );
    }
    if (access.raceName === null) {
      throw new GalaxyError("forbidden", `user "${userId}" has no race in game "${gameId}"`);
    }
    return { engineEndpoint: access.engineEndpoint, raceName: access.raceName };
  }
}
