/**
 * The lobby stub's in-memory store. Every mutation goes through a method of {@link LobbyState}
 * so the invariants (unique user and race per game, the enrolling ↔ ready_to_start rule,
 * allowed status transitions) hold in one place; reads hand out deep copies so a caller can
 * never change a game behind the store's back.
 */

/** Platform status of a game as the Lobby sees it (not GM's runtime status). */
export type GameStatus =
  | "enrolling"
  | "ready_to_start"
  | "starting"
  | "running"
  | "paused"
  | "start_failed"
  | "finished";

/** Every {@link GameStatus}, for schemas and docs. */
export const GAME_STATUSES: readonly GameStatus[] = [
  "enrolling",
  "ready_to_start",
  "starting",
  "running",
  "paused",
  "start_failed",
  "finished",
];

/** Statuses in which a runtime exists (or is being created) on GM's side. */
export const RUNTIME_STATUSES: ReadonlySet<GameStatus> = new Set<GameStatus>([
  "starting",
  "running",
  "paused",
]);

/** Membership status, exactly as GM reads it from the memberships endpoint. */
export type MemberStatus = "active" | "removed" | "blocked";

/** One roster entry of a game. */
export interface Member {
  user_id: string;
  race_name: string;
  status: MemberStatus;
}

/** Per-player figures GM publishes with every snapshot. */
export interface PlayerTurnStat {
  user_id: string;
  planets: number;
  population: number;
}

/** Why a start did not reach `running` (or why the game is paused). */
export interface StartError {
  code: string;
  message: string;
}

/** A game as served by the REST API. */
export interface Game {
  game_id: string;
  name: string;
  status: GameStatus;
  target_engine_version: string;
  turn_schedule: string;
  min_players: number;
  members: Member[];
  image_ref: string | null;
  engine_endpoint: string | null;
  current_turn: number;
  runtime_status: string | null;
  engine_health_summary: string;
  player_turn_stats: PlayerTurnStat[];
  start_error: StartError | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Input of {@link LobbyState.createGame}. */
export interface NewGame {
  game_id: string;
  name: string;
  target_engine_version: string;
  turn_schedule: string;
  min_players: number;
}

/** Fields a runtime view update may carry (from a snapshot or a register response). */
export interface RuntimeView {
  current_turn?: number;
  runtime_status?: string | null;
  engine_health_summary?: string;
  player_turn_stats?: PlayerTurnStat[];
}

/** Why a state operation was refused; mapped to HTTP by the service layer. */
export type StateErrorKind = "not_found" | "conflict";

/** Raised by {@link LobbyState} when an operation violates an invariant. */
export class StateError extends Error {
  readonly kind: StateErrorKind;

  constructor(kind: StateErrorKind, message: string) {
    super(message);
    this.name = "StateError";
    this.kind = kind;
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** In-memory games, members and runtime views. */
export class LobbyState {
  readonly #games = new Map<string, Game>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  /** Creates a game in `enrolling`; a duplicate id is a conflict. */
  createGame(input: NewGame): Game {
    if (this.#games.has(input.game_id)) {
      throw new StateError("conflict", `game "${input.game_id}" already exists`);
    }
    const now = this.#now().toISOString();
    const game: Game = {
      game_id: input.game_id,
      name: input.name,
      status: "enrolling",
      target_engine_version: input.target_engine_version,
      turn_schedule: input.turn_schedule,
      min_players: input.min_players,
      members: [],
      image_ref: null,
      engine_endpoint: null,
      current_turn: 0,
      runtime_status: null,
      engine_health_summary: "",
      player_turn_stats: [],
      start_error: null,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
    };
    this.#games.set(game.game_id, game);
    return clone(game);
  }

  /** A copy of the game, or undefined. */
  findGame(gameId: string): Game | undefined {
    const game = this.#games.get(gameId);
    return game === undefined ? undefined : clone(game);
  }

  /** A copy of the game; unknown id → `not_found`. */
  getGame(gameId: string): Game {
    return clone(this.#require(gameId));
  }

  /** Copies of every game, oldest first. */
  listGames(): Game[] {
    return [...this.#games.values()].map(clone);
  }

  /** The roster GM reads (every member, any status). */
  memberships(gameId: string): Member[] {
    return clone(this.#require(gameId).members);
  }

  /** Adds an active member; user id and race name are unique within the game (any status). */
  addMember(gameId: string, userId: string, raceName: string): Game {
    const game = this.#requireRosterOpen(gameId);
    if (game.members.some((member) => member.user_id === userId)) {
      throw new StateError("conflict", `user "${userId}" is already on the roster of this game`);
    }
    const raceKey = raceName.toLowerCase();
    if (game.members.some((member) => member.race_name.toLowerCase() === raceKey)) {
      throw new StateError("conflict", `race name "${raceName}" is already taken in this game`);
    }
    game.members.push({ user_id: userId, race_name: raceName, status: "active" });
    this.#afterRosterChange(game);
    return clone(game);
  }

  /** active → removed. */
  removeMember(gameId: string, userId: string): Game {
    const game = this.#requireRosterOpen(gameId);
    const member = this.#requireMember(game, userId);
    if (member.status !== "active") {
      throw new StateError("conflict", `member "${userId}" is ${member.status}, not active`);
    }
    member.status = "removed";
    this.#afterRosterChange(game);
    return clone(game);
  }

  /** active or removed → blocked. */
  blockMember(gameId: string, userId: string): Game {
    const game = this.#requireRosterOpen(gameId);
    const member = this.#requireMember(game, userId);
    if (member.status === "blocked") {
      throw new StateError("conflict", `member "${userId}" is already blocked`);
    }
    member.status = "blocked";
    this.#afterRosterChange(game);
    return clone(game);
  }

  /**
   * Moves a game from one of `from` to `to`, applying `patch` in the same step. Returns the
   * updated copy, or null when the game is unknown or not in one of `from` (a lost race, a
   * stale stream entry) so callers decide whether that is an error.
   */
  transition(
    gameId: string,
    from: readonly GameStatus[],
    to: GameStatus,
    patch: Partial<
      Pick<Game, "image_ref" | "engine_endpoint" | "start_error" | "started_at" | "finished_at">
    > &
      RuntimeView = {},
  ): Game | null {
    const game = this.#games.get(gameId);
    if (game === undefined || !from.includes(game.status)) return null;
    Object.assign(game, clone(patch));
    game.status = to;
    game.updated_at = this.#now().toISOString();
    return clone(game);
  }

  /** Applies GM's runtime view without changing the platform status. Null for unknown games. */
  updateRuntimeView(gameId: string, view: RuntimeView): Game | null {
    const game = this.#games.get(gameId);
    if (game === undefined) return null;
    Object.assign(game, clone(view));
    game.updated_at = this.#now().toISOString();
    return clone(game);
  }

  /** Active members, in roster order. */
  activeMembers(gameId: string): Member[] {
    return this.memberships(gameId).filter((member) => member.status === "active");
  }

  #require(gameId: string): Game {
    const game = this.#games.get(gameId);
    if (game === undefined) throw new StateError("not_found", `game "${gameId}" not found`);
    return game;
  }

  #requireRosterOpen(gameId: string): Game {
    const game = this.#require(gameId);
    if (game.status === "finished") {
      throw new StateError("conflict", `game "${gameId}" is finished; its roster is frozen`);
    }
    return game;
  }

  #requireMember(game: Game, userId: string): Member {
    const member = game.members.find((candidate) => candidate.user_id === userId);
    if (member === undefined) {
      throw new StateError("not_found", `user "${userId}" is not on the roster of this game`);
    }
    return member;
  }

  #afterRosterChange(game: Game): void {
    // Enrollment closes by itself once enough players are in, and reopens if one leaves before
    // the start; once a start was attempted the status belongs to the start flow.
    if (game.status === "enrolling" || game.status === "ready_to_start") {
      const active = game.members.filter((member) => member.status === "active").length;
      game.status = active >= game.min_players ? "ready_to_start" : "enrolling";
    }
    game.updated_at = this.#now().toISOString();
  }
}
