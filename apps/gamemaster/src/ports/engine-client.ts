/** One player as the engine reports it in a StateResponse (docs/reference.md#neighbour-contracts). */
export interface EnginePlayer {
  raceName: string;
  enginePlayerUuid: string;
  planets: number;
  population: number;
}

/** The engine's StateResponse: `{turn, finished, players}`. */
export interface EngineState {
  turn: number;
  finished: boolean;
  players: EnginePlayer[];
}

/** A 2xx engine answer handed back to the caller verbatim (hot path). */
export interface EngineRawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Engine operations, each with its own latency metric label. */
export type EngineOperation =
  | "init"
  | "status"
  | "turn"
  | "banish"
  | "command"
  | "order"
  | "report";

/**
 * Every call GM makes to a game engine. `endpoint` is the runtime's
 * `engine_endpoint` (one game per base URL). Failures are GalaxyErrors:
 * engine 4xx → `engine_validation_error` carrying the engine's message;
 * 5xx, timeout or connection error → `engine_unreachable`; a 2xx whose JSON
 * does not have the documented shape → `engine_protocol_violation`.
 */
export interface EngineClient {
  /** `POST /api/v1/admin/init {races:[{race_name}]}` → StateResponse. */
  init(endpoint: string, raceNames: readonly string[]): Promise<EngineState>;
  /** `GET /api/v1/admin/status` → StateResponse. */
  status(endpoint: string): Promise<EngineState>;
  /** `POST /api/v1/admin/turn` → StateResponse (uses the longer turn timeout). */
  turn(endpoint: string): Promise<EngineState>;
  /** `POST /api/v1/admin/race/banish {race_name}` → 204. */
  banish(endpoint: string, raceName: string): Promise<void>;
  /** `POST /api/v1/command {actor, cmd}`; the 2xx body verbatim. */
  command(
    endpoint: string,
    actor: string,
    commands: readonly unknown[],
  ): Promise<EngineRawResponse>;
  /** `PUT /api/v1/order {actor, orders}`; the 2xx body verbatim. */
  order(endpoint: string, actor: string, orders: readonly unknown[]): Promise<EngineRawResponse>;
  /** `GET /api/v1/report?player=&turn=`; the 2xx body verbatim. */
  report(endpoint: string, player: string, turn: number): Promise<EngineRawResponse>;
}
