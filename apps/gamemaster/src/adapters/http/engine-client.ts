import { GalaxyError } from "@galaxy/errors";
import type { Dispatcher } from "undici";
import { z } from "zod";
import type {
  EngineClient,
  EngineOperation,
  EngineRawResponse,
  EngineState,
} from "../../ports/engine-client.js";
import { createHttpAgent, httpCall, joinUrl } from "./http-call.js";

export { createHttpAgent, type HttpAgentOptions } from "./http-call.js";

/** Outcome label of one engine call, for metrics. */
export type EngineCallOutcome = "ok" | "validation_error" | "unreachable" | "protocol_violation";

/** Options of {@link HttpEngineClient}. */
export interface HttpEngineClientOptions {
  /** Timeout of every call but `turn`. */
  timeoutMs: number;
  /** Timeout of `POST /api/v1/admin/turn`, which may take long. */
  turnTimeoutMs: number;
  /** Observes every call (latency metric). */
  observe?: (operation: EngineOperation, outcome: EngineCallOutcome, seconds: number) => void;
  /**
   * The connection pool the calls go through (shared with the other HTTP
   * clients of the process); by default the client opens its own with
   * {@link createHttpAgent} and {@link HttpEngineClient.close} closes it.
   */
  dispatcher?: Dispatcher;
}

const playerSchema = z.object({
  race_name: z.string().min(1),
  engine_player_uuid: z.string().min(1),
  planets: z.number().finite(),
  population: z.number().finite(),
});

const stateResponseSchema = z.object({
  turn: z.number().int().min(0),
  finished: z.boolean(),
  players: z.array(playerSchema),
});

const MAX_MESSAGE_LENGTH = 500;

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
}

/**
 * The engine's own words for a 4xx: `error.message`, `message` or `error`
 * of a JSON body, else the body text.
 */
export function engineErrorMessage(body: string, status: number): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null) {
      const record = parsed as { error?: unknown; message?: unknown };
      if (typeof record.error === "object" && record.error !== null) {
        const nested = (record.error as { message?: unknown }).message;
        if (typeof nested === "string" && nested !== "") {
          return truncate(nested);
        }
      }
      if (typeof record.message === "string" && record.message !== "") {
        return truncate(record.message);
      }
      if (typeof record.error === "string" && record.error !== "") {
        return truncate(record.error);
      }
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const text = body.trim();
  return text === "" ? `engine answered ${status}` : truncate(text);
}

/**
 * Whether a 2xx hot-path body looks like the JSON object the engine contract
 * promises (`EngineResult`). Only the outer braces are checked: the body is
 * relayed verbatim, and a full parse of a large report would cost more than
 * the relay itself; this still catches an empty body or an HTML error page.
 */
function looksLikeJsonObject(body: string): boolean {
  const text = body.trim();
  return text.startsWith("{") && text.endsWith("}");
}

/** Operations whose 2xx body GM relays verbatim to the player (docs/reference.md#hot-path). */
const RELAYED_OPERATIONS: ReadonlySet<EngineOperation> = new Set(["command", "order", "report"]);

class EngineCallError extends GalaxyError {
  constructor(
    readonly outcome: EngineCallOutcome,
    code: "engine_validation_error" | "engine_unreachable" | "engine_protocol_violation",
    message: string,
    cause?: unknown,
  ) {
    super(code, message, cause === undefined ? undefined : { cause });
  }
}

interface CallSpec {
  operation: EngineOperation;
  method: "GET" | "POST" | "PUT";
  path: string;
  body?: unknown;
}

/**
 * {@link EngineClient} over HTTP (undici `request` on a keep-alive pool).
 * Every call has a deadline covering queueing, connecting, the answer and its
 * body; the response body is always consumed so that sockets are reused.
 */
export class HttpEngineClient implements EngineClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly options: HttpEngineClientOptions) {
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? createHttpAgent();
  }

  /** Closes the connection pool when the client opened it itself. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) {
      await this.dispatcher.close();
    }
  }

  async init(endpoint: string, raceNames: readonly string[]): Promise<EngineState> {
    const races = raceNames.map((raceName) => ({ race_name: raceName }));
    return this.state(endpoint, {
      operation: "init",
      method: "POST",
      path: "/api/v1/admin/init",
      body: { races },
    });
  }

  status(endpoint: string): Promise<EngineState> {
    return this.state(endpoint, {
      operation: "status",
      method: "GET",
      path: "/api/v1/admin/status",
    });
  }

  turn(endpoint: string): Promise<EngineState> {
    return this.state(endpoint, { operation: "turn", method: "POST", path: "/api/v1/admin/turn" });
  }

  async banish(endpoint: string, raceName: string): Promise<void> {
    await this.call(endpoint, {
      operation: "banish",
      method: "POST",
      path: "/api/v1/admin/race/banish",
      body: { race_name: raceName },
    });
  }

  command(
    endpoint: string,
    actor: string,
    commands: readonly unknown[],
  ): Promise<EngineRawResponse> {
    return this.call(endpoint, {
      operation: "command",
      method: "POST",
      path: "/api/v1/command",
      body: { actor, cmd: commands },
    });
  }

  order(endpoint: string, actor: string, orders: readonly unknown[]): Promise<EngineRawResponse> {
    return this.call(endpoint, {
      operation: "order",
      method: "PUT",
      path: "/api/v1/order",
      body: { actor, orders },
    });
  }

  report(endpoint: string, player: string, turn: number): Promise<EngineRawResponse> {
    const query = new URLSearchParams({ player, turn: String(turn) });
    return this.call(endpoint, {
      operation: "report",
      method: "GET",
      path: `/api/v1/report?${query.toString()}`,
    });
  }

  private async state(endpoint: string, spec: CallSpec): Promise<EngineState> {
    const started = performance.now();
    let response: EngineRawResponse;
    try {
      response = await this.exchange(endpoint, spec);
    } catch (error) {
      this.observe(spec.operation, error, started);
      throw error;
    }
    try {
      const state = parseState(spec.operation, response.body);
      this.observe(spec.operation, undefined, started);
      return state;
    } catch (error) {
      this.observe(spec.operation, error, started);
      throw error;
    }
  }

  private async call(endpoint: string, spec: CallSpec): Promise<EngineRawResponse> {
    const started = performance.now();
    try {
      const response = await this.exchange(endpoint, spec);
      if (RELAYED_OPERATIONS.has(spec.operation) && !looksLikeJsonObject(response.body)) {
        throw new EngineCallError(
          "protocol_violation",
          "engine_protocol_violation",
          `engine ${spec.operation} answered ${response.status} with a body that is not a JSON object`,
        );
      }
      this.observe(spec.operation, undefined, started);
      return response;
    } catch (error) {
      this.observe(spec.operation, error, started);
      throw error;
    }
  }

  private observe(operation: EngineOperation, error: unknown, started: number): void {
    if (this.options.observe === undefined) {
      return;
    }
    const outcome: EngineCallOutcome =
      error === undefined ? "ok" : error instanceof EngineCallError ? error.outcome : "unreachable";
    this.options.observe(operation, outcome, (performance.now() - started) / 1000);
  }

  private async exchange(endpoint: string, spec: CallSpec): Promise<EngineRawResponse> {
    // undici follows no redirects: a 3xx ends as engine_protocol_violation below.
    const { status, contentType, body } = await httpCall({
      dispatcher: this.dispatcher,
      url: joinUrl(endpoint, spec.path),
      method: spec.method,
      body: spec.body,
      timeoutMs: spec.operation === "turn" ? this.options.turnTimeoutMs : this.options.timeoutMs,
      label: `engine ${spec.operation}`,
      unreachable: (message, cause) =>
        new EngineCallError("unreachable", "engine_unreachable", message, cause),
    });
    if (status >= 200 && status < 300) {
      return { status, contentType, body };
    }
    if (status >= 400 && status < 500) {
      throw new EngineCallError(
        "validation_error",
        "engine_validation_error",
        engineErrorMessage(body, status),
      );
    }
    if (status >= 500) {
      throw new EngineCallError(
        "unreachable",
        "engine_unreachable",
        `engine ${spec.operation} answered ${status}`,
      );
    }
    throw new EngineCallError(
      "protocol_violation",
      "engine_protocol_violation",
      `engine ${spec.operation} answered unexpected status ${status}`,
    );
  }
}

function parseState(operation: EngineOperation, body: string): EngineState {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new EngineCallError(
      "protocol_violation",
      "engine_protocol_violation",
      `engine ${operation} answered invalid JSON`,
      error,
    );
  }
  const parsed = stateResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : `${issue.path.join(".") || "body"}: ${issue.message}`;
    throw new EngineCallError(
      "protocol_violation",
      "engine_protocol_violation",
      `engine ${operation} answered an invalid StateResponse (${where})`,
    );
  }
  return {
    turn: parsed.data.turn,
    finished: parsed.data.finished,
    players: parsed.data.players.map((player) => ({
      raceName: player.race_name,
      enginePlayerUuid: player.engine_player_uuid,
      planets: player.planets,
      population: player.population,
    })),
  };
}
