import { enginePlayerUuid, playerSeed, statsAt } from "./determinism.js";

/** The engine operations a test can slow down or make fail. */
export const ENGINE_OPERATIONS = [
  "init",
  "status",
  "turn",
  "banish",
  "command",
  "order",
  "report",
] as const;

/** One of {@link ENGINE_OPERATIONS}. */
export type EngineOperation = (typeof ENGINE_OPERATIONS)[number];

/** One player in a StateResponse. */
export interface StatePlayer {
  race_name: string;
  engine_player_uuid: string;
  planets: number;
  population: number;
}

/** The engine's StateResponse (docs/reference.md#neighbour-contracts). */
export interface StateResponse {
  turn: number;
  finished: boolean;
  players: StatePlayer[];
}

/** An injected failure for the next call(s) of one operation. */
export interface Fault {
  /** `error`: answer `status` with an error envelope; `garbage`: answer 200 with a non-JSON body. */
  kind: "error" | "garbage";
  status: number;
  message: string;
  remaining: number;
}

/** One request the stub received, as listed by `GET /games/{id}/_stub/calls`. */
export interface RecordedCall {
  method: string;
  /** Path relative to the game's engine endpoint, e.g. `/api/v1/command`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  actor: string | null;
  at: string;
}

interface StoredCall {
  method: string;
  path: string;
  query: Record<string, string> | undefined;
  body: unknown;
  actor: string | null;
  atMs: number;
}

interface Player {
  raceName: string;
  uuid: string;
  seed: number;
  /** Turn from which the race is banished (stats drop to zero); null while it plays. */
  banishedAtTurn: number | null;
}

/** A fixed-capacity ring buffer: O(1) append, oldest entries overwritten. */
class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = item;
      this.size += 1;
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i += 1) {
      const item = this.items[(this.start + i) % this.capacity];
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.size = 0;
  }
}

/** Why an engine request was refused, mapped to an HTTP answer by the app. */
export class EngineRuleError extends Error {
  constructor(
    readonly kind: "invalid" | "not_found" | "conflict",
    message: string,
  ) {
    super(message);
    this.name = "EngineRuleError";
  }
}

/** In-memory state of one game. Controls survive a re-init; the game state does not. */
export class GameEntry {
  initialized = false;
  turn = 0;
  finished = false;
  /** Per-game finish turn; null = use the process default; 0 = never. */
  finishAtOverride: number | null = null;
  rosterOverride: string[] | null = null;
  readonly faults: Partial<Record<EngineOperation, Fault>> = {};
  readonly delays: Partial<Record<EngineOperation, number>> = {};
  private players: Player[] = [];
  private readonly byRace = new Map<string, Player>();
  private readonly calls: RingBuffer<StoredCall>;

  constructor(
    readonly gameId: string,
    callsLimit: number,
  ) {
    this.calls = new RingBuffer<StoredCall>(callsLimit);
  }

  record(
    method: string,
    path: string,
    query: Record<string, string> | undefined,
    body: unknown,
    actor: string | null,
  ): void {
    this.calls.push({ method, path, query, body, actor, atMs: Date.now() });
  }

  listCalls(): RecordedCall[] {
    return this.calls.toArray().map((call) => ({
      method: call.method,
      path: call.path,
      query: call.query ?? {},
      body: call.body,
      actor: call.actor,
      at: new Date(call.atMs).toISOString(),
    }));
  }

  clearCalls(): void {
    this.calls.clear();
  }

  /** Takes the one-shot fault of `op`, if armed. */
  takeFault(op: EngineOperation): Fault | undefined {
    const fault = this.faults[op];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) delete this.faults[op];
    return fault;
  }

  /** Takes the one-shot delay of `op` in ms (0 when none is armed). */
  takeDelay(op: EngineOperation): number {
    const delay = this.delays[op];
    if (delay === undefined) return 0;
    delete this.delays[op];
    return delay;
  }

  /** (Re)creates the game with `raceNames` (or the armed roster override) at turn 0. */
  init(raceNames: readonly string[]): StateResponse {
    const roster = this.rosterOverride ?? raceNames;
    this.rosterOverride = null;
    this.players = roster.map((raceName) => ({
      raceName,
      uuid: enginePlayerUuid(this.gameId, raceName),
      seed: playerSeed(this.gameId, raceName),
      banishedAtTurn: null,
    }));
    this.byRace.clear();
    for (const player of this.players) this.byRace.set(player.raceName, player);
    this.initialized = true;
    this.turn = 0;
    this.finished = false;
    return this.state();
  }

  state(): StateResponse {
    return {
      turn: this.turn,
      finished: this.finished,
      players: this.players.map((player) => ({
        race_name: player.raceName,
        engine_player_uuid: player.uuid,
        ...this.statsOf(player, this.turn),
      })),
    };
  }

  /** Advances one turn; finishes the game when the effective finish turn is reached. */
  advance(defaultFinishAt: number): StateResponse {
    if (this.finished) throw new EngineRuleError("conflict", "the game is already finished");
    this.turn += 1;
    const finishAt = this.finishAtOverride ?? defaultFinishAt;
    if (finishAt > 0 && this.turn >= finishAt) this.finished = true;
    return this.state();
  }

  banish(raceName: string): void {
    const player = this.byRace.get(raceName);
    if (player === undefined) {
      throw new EngineRuleError(
        "not_found",
        `race ${JSON.stringify(raceName)} is not in this game`,
      );
    }
    if (player.banishedAtTurn === null) player.banishedAtTurn = this.turn;
  }

  /** Checks that `actor` is a race of this game that may still act. */
  requireActiveRace(actor: string): void {
    const player = this.byRace.get(actor);
    if (player === undefined) {
      throw new EngineRuleError("invalid", `unknown actor ${JSON.stringify(actor)}`);
    }
    if (player.banishedAtTurn !== null) {
      throw new EngineRuleError("invalid", `race ${JSON.stringify(actor)} has been banished`);
    }
  }

  report(raceName: string, turn: number): Record<string, unknown> {
    const player = this.byRace.get(raceName);
    if (player === undefined) {
      throw new EngineRuleError("invalid", `unknown player ${JSON.stringify(raceName)}`);
    }
    if (turn > this.turn) {
      throw new EngineRuleError(
        "invalid",
        `turn ${turn} has not been generated yet (current turn ${this.turn})`,
      );
    }
    const stats = this.statsOf(player, turn);
    return {
      player: raceName,
      engine_player_uuid: player.uuid,
      turn,
      current_turn: this.turn,
      banished: player.banishedAtTurn !== null && turn >= player.banishedAtTurn,
      planets: stats.planets,
      population: stats.population,
      galaxy: {
        races: this.players.map((other) => ({
          race_name: other.raceName,
          planets: this.statsOf(other, turn).planets,
        })),
      },
    };
  }

  private statsOf(player: Player, turn: number): { planets: number; population: number } {
    if (player.banishedAtTurn !== null && turn >= player.banishedAtTurn) {
      return { planets: 0, population: 0 };
    }
    return statsAt(player.seed, turn);
  }
}

/** All games of one stub process. */
export class GameStore {
  private readonly games = new Map<string, GameEntry>();

  constructor(private readonly callsLimit: number) {}

  get(gameId: string): GameEntry | undefined {
    return this.games.get(gameId);
  }

  getOrCreate(gameId: string): GameEntry {
    let entry = this.games.get(gameId);
    if (entry === undefined) {
      entry = new GameEntry(gameId, this.callsLimit);
      this.games.set(gameId, entry);
    }
    return entry;
  }

  delete(gameId: string): boolean {
    return this.games.delete(gameId);
  }

  ids(): string[] {
    return [...this.games.keys()];
  }
}
