import openapiFetchDefault, { type Client } from "openapi-fetch";
import { describeNetworkError, GameMasterError, refusal } from "./errors.js";
import type { components, operations, paths } from "./generated/gamemaster.js";

// openapi-fetch's CommonJS build sets `exports.default` under `__esModule`, but the CommonJS build
// of this package imports it with Node's interop (the default import is the whole exports
// object), so the function is one `.default` further down there; the ES module build gets it
// directly. packaging/src/consumer.test.ts runs both builds.
const createClient: typeof openapiFetchDefault =
  typeof openapiFetchDefault === "function"
    ? openapiFetchDefault
    : (openapiFetchDefault as unknown as { default: typeof openapiFetchDefault }).default;

/** The component schemas of the contract, by name (`Schemas["RuntimeRecord"]`). */
export type Schemas = components["schemas"];
/** A runtime record. */
export type RuntimeRecord = Schemas["RuntimeRecord"];
/** One page of runtimes. */
export type RuntimeList = Schemas["RuntimeList"];
/** Runtime status. */
export type RuntimeStatus = Schemas["RuntimeStatus"];
/** An engine version of the registry. */
export type EngineVersion = Schemas["EngineVersion"];
/** A game's upcoming activations. */
export type RuntimeSchedule = Schemas["RuntimeSchedule"];
/** One activation of a game's schedule. */
export type PlannedActivation = Schemas["PlannedActivation"];
/** The activations of an arbitrary expression. */
export type SchedulePreview = Schemas["SchedulePreview"];
/** One page of a game's operation log. */
export type OperationList = Schemas["OperationList"];
/** One operation-log entry. */
export type OperationEntry = Schemas["OperationEntry"];
/** Kind of an operation-log entry. */
export type OpKind = Schemas["OpKind"];
/** Reason of a stop. */
export type StopReason = Schemas["StopReason"];
/** Body of register-runtime. */
export type RegisterRuntimeRequest = Schemas["RegisterRuntimeRequest"];
/** Body of create-engine-version. */
export type CreateEngineVersionRequest = Schemas["CreateEngineVersionRequest"];
/** Body of update-engine-version. */
export type UpdateEngineVersionRequest = Schemas["UpdateEngineVersionRequest"];
/** Body of schedule preview. */
export type SchedulePreviewRequest = Schemas["SchedulePreviewRequest"];
/** The liveness answer. */
export type GameLiveness = Schemas["GameLiveness"];

type Query<Id extends keyof operations> = operations[Id]["parameters"] extends { query?: infer Q }
  ? NonNullable<Q>
  : never;

/** Query of {@link GameMasterClient.listRuntimes}. */
export type ListRuntimesQuery = Query<"internalListRuntimes">;
/** Query of {@link GameMasterClient.listOperations}. */
export type ListOperationsQuery = Query<"internalListOperations">;

/** Who calls, sent as `X-Op-Source` and kept in GM's operation log. */
export type OpSourceHeader = "lobby_internal" | "admin_rest" | "gateway";

/** Options of {@link createGameMasterClient}. */
export interface GameMasterClientOptions {
  /** GM's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** `X-Op-Source` of every call (GM treats a missing one as `admin_rest`). */
  opSource?: OpSourceHeader;
  /** `X-Source-Ref` of every call (an operator name, a ticket). */
  sourceRef?: string;
  /** Per-call timeout; default 10 s. A force-next-turn waits for the engine: give it room. */
  timeoutMs?: number;
  /** Replaces the global `fetch` (tests route calls into an in-process app). */
  fetch?: (request: Request) => Promise<Response>;
}

/** Default per-call timeout of {@link createGameMasterClient}. */
export const DEFAULT_TIMEOUT_MS = 10_000;

interface CallResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * A typed Game Master client: one method per internal operation, answers
 * typed from the contract, every failure a {@link GameMasterError}
 * (a `GalaxyError` with the envelope's code). `raw` is the underlying
 * openapi-fetch client for calls the methods do not cover (the hot path).
 */
export interface GameMasterClient {
  /** The openapi-fetch client, typed by the contract's `paths`. */
  readonly raw: Client<paths>;
  /** The base URL calls go to (without a trailing slash). */
  readonly baseUrl: string;

  listRuntimes(query?: ListRuntimesQuery): Promise<RuntimeList>;
  getRuntime(gameId: string): Promise<RuntimeRecord>;
  registerRuntime(gameId: string, body: RegisterRuntimeRequest): Promise<RuntimeRecord>;
  liveness(gameId: string): Promise<GameLiveness>;
  forceNextTurn(gameId: string): Promise<RuntimeRecord>;
  stopRuntime(gameId: string, reason: StopReason): Promise<RuntimeRecord>;
  patchRuntime(gameId: string, version: string): Promise<RuntimeRecord>;
  banishRace(gameId: string, raceName: string): Promise<void>;
  invalidateMemberships(gameId: string): Promise<void>;
  getRuntimeSchedule(gameId: string, count?: number): Promise<RuntimeSchedule>;
  previewSchedule(body: SchedulePreviewRequest): Promise<SchedulePreview>;
  listOperations(gameId: string, query?: ListOperationsQuery): Promise<OperationList>;
  listEngineVersions(status?: EngineVersion["status"]): Promise<EngineVersion[]>;
  getEngineVersion(version: string): Promise<EngineVersion>;
  createEngineVersion(body: CreateEngineVersionRequest): Promise<EngineVersion>;
  updateEngineVersion(version: string, body: UpdateEngineVersionRequest): Promise<EngineVersion>;
  /** Soft delete: status → deprecated. */
  deprecateEngineVersion(version: string): Promise<EngineVersion>;
  /** Hard delete; refused with `engine_version_in_use` while a live runtime uses it. */
  deleteEngineVersion(version: string): Promise<void>;
  resolveImageRef(version: string): Promise<string>;
}

/** Creates a {@link GameMasterClient} for the GM at `options.baseUrl`. */
export function createGameMasterClient(options: GameMasterClientOptions): GameMasterClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.opSource !== undefined) headers["x-op-source"] = options.opSource;
  if (options.sourceRef !== undefined) headers["x-source-ref"] = options.sourceRef;
  const raw = createClient<paths>({
    baseUrl,
    headers,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function run<T>(
    operation: string,
    call: (signal: AbortSignal) => Promise<CallResult<T>>,
  ): Promise<T> {
    let result: CallResult<T>;
    // The timeout rejects the call itself as well as aborting its signal: a
    // Request follows the signal it was built with only through a weak
    // reference, so the abort alone may never reach the fetch.
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const reason = new DOMException("timeout", "TimeoutError");
        controller.abort(reason);
        reject(reason);
      }, timeoutMs);
    });
    try {
      result = await Promise.race([call(controller.signal), timedOut]);
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw new GameMasterError("internal_error", `GM answered a body that is not JSON`, {
          kind: "malformed",
          httpStatus: null,
          operation,
          cause: error,
        });
      }
      throw new GameMasterError(
        "service_unavailable",
        `GM unreachable at ${baseUrl}: ${describeNetworkError(error)}`,
        { kind: "unreachable", httpStatus: null, operation, cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    if (!result.response.ok) {
      throw refusal(operation, result.response.status, result.error);
    }
    return result.data as T;
  }

  const game = (gameId: string) => ({ path: { game_id: gameId } });

  return {
    raw,
    baseUrl,
    listRuntimes: (query = {}) =>
      run("GET /api/v1/internal/runtimes", (signal) =>
        raw.GET("/api/v1/internal/runtimes", { params: { query }, signal }),
      ),
    getRuntime: (gameId) =>
      run("GET /api/v1/internal/games/{game_id}/runtime", (signal) =>
        raw.GET("/api/v1/internal/games/{game_id}/runtime", { params: game(gameId), signal }),
      ),
    registerRuntime: (gameId, body) =>
      run("POST /api/v1/internal/games/{game_id}/runtime", (signal) =>
        raw.POST("/api/v1/internal/games/{game_id}/runtime", {
          params: game(gameId),
          body,
          signal,
        }),
      ),
    liveness: (gameId) =>
      run("GET /api/v1/internal/games/{game_id}/liveness", (signal) =>
        raw.GET("/api/v1/internal/games/{game_id}/liveness", { params: game(gameId), signal }),
      ),
    forceNextTurn: (gameId) =>
      run("POST /api/v1/internal/games/{game_id}/runtime/force-next-turn", (signal) =>
        raw.POST("/api/v1/internal/games/{game_id}/runtime/force-next-turn", {
          params: game(gameId),
          signal,
        }),
      ),
    stopRuntime: (gameId, reason) =>
      run("POST /api/v1/internal/games/{game_id}/runtime/stop", (signal) =>
        raw.POST("/api/v1/internal/games/{game_id}/runtime/stop", {
          params: game(gameId),
          body: { reason },
          signal,
        }),
      ),
    patchRuntime: (gameId, version) =>
      run("POST /api/v1/internal/games/{game_id}/runtime/patch", (signal) =>
        raw.POST("/api/v1/internal/games/{game_id}/runtime/patch", {
          params: game(gameId),
          body: { version },
          signal,
        }),
      ),
    banishRace: async (gameId, raceName) => {
      await run("POST /api/v1/internal/games/{game_id}/races/{race_name}/banish", (signal) =>
        raw.POST("/api/v1/internal/games/{game_id}/races/{race_name}/banish", {
          params: { path: { game_id: gameId, race_name: raceName } },
          signal,
        }),
      );
    },
    invalidateMemberships: async (gameId) => {
      await run("POST /api/v1/internal/games/{game_id}/memberships/invalidate", (signal) =>
        raw.POST("/api/v1/internal/games/{game_id}/memberships/invalidate", {
          params: game(gameId),
          signal,
        }),
      );
    },
    getRuntimeSchedule: (gameId, count) =>
      run("GET /api/v1/internal/games/{game_id}/runtime/schedule", (signal) =>
        raw.GET("/api/v1/internal/games/{game_id}/runtime/schedule", {
          params: { ...game(gameId), query: count === undefined ? {} : { count } },
          signal,
        }),
      ),
    previewSchedule: (body) =>
      run("POST /api/v1/internal/schedules/preview", (signal) =>
        raw.POST("/api/v1/internal/schedules/preview", { body, signal }),
      ),
    listOperations: (gameId, query = {}) =>
      run("GET /api/v1/internal/games/{game_id}/operations", (signal) =>
        raw.GET("/api/v1/internal/games/{game_id}/operations", {
          params: { ...game(gameId), query },
          signal,
        }),
      ),
    listEngineVersions: async (status) => {
      const list = await run("GET /api/v1/internal/engine-versions", (signal) =>
        raw.GET("/api/v1/internal/engine-versions", {
          params: { query: status === undefined ? {} : { status } },
          signal,
        }),
      );
      return list.items;
    },
    getEngineVersion: (version) =>
      run("GET /api/v1/internal/engine-versions/{version}", (signal) =>
        raw.GET("/api/v1/internal/engine-versions/{version}", {
          params: { path: { version } },
          signal,
        }),
      ),
    createEngineVersion: (body) =>
      run("POST /api/v1/internal/engine-versions", (signal) =>
        raw.POST("/api/v1/internal/engine-versions", { body, signal }),
      ),
    updateEngineVersion: (version, body) =>
      run("PATCH /api/v1/internal/engine-versions/{version}", (signal) =>
        raw.PATCH("/api/v1/internal/engine-versions/{version}", {
          params: { path: { version } },
          body,
          signal,
        }),
      ),
    deprecateEngineVersion: async (version) => {
      const answer = await run("DELETE /api/v1/internal/engine-versions/{version}", (signal) =>
        raw.DELETE("/api/v1/internal/engine-versions/{version}", {
          params: { path: { version } },
          signal,
        }),
      );
      return answer as EngineVersion;
    },
    deleteEngineVersion: async (version) => {
      await run("DELETE /api/v1/internal/engine-versions/{version}?hard=true", (signal) =>
        raw.DELETE("/api/v1/internal/engine-versions/{version}", {
          params: { path: { version }, query: { hard: "true" } },
          signal,
        }),
      );
    },
    resolveImageRef: async (version) => {
      const answer = await run(
        "GET /api/v1/internal/engine-versions/{version}/image-ref",
        (signal) =>
          raw.GET("/api/v1/internal/engine-versions/{version}/image-ref", {
            params: { path: { version } },
            signal,
          }),
      );
      if (typeof answer?.image_ref !== "string") {
        throw new GameMasterError("internal_error", "GM answered image-ref without image_ref", {
          kind: "malformed",
          httpStatus: null,
          operation: "GET /api/v1/internal/engine-versions/{version}/image-ref",
        });
      }
      return answer.image_ref;
    },
  };
}
