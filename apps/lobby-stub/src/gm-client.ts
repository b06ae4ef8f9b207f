import {
  createGameMasterClient,
  describeNetworkError,
  type GameMasterClient,
  isGameMasterError,
} from "@galaxy/gamemaster-client";

/**
 * The four Game Master internal operations the Lobby calls
 * (docs/reference.md#operations), over the typed `@galaxy/gamemaster-client`
 * (generated from GM's contract). It never throws for an HTTP or network
 * outcome: each call resolves to a {@link GmResult} so the start flow can
 * tell "GM said no" from "GM was not there".
 */

/** Operation source header value the Lobby sends on every GM call. */
export const OP_SOURCE_LOBBY = "lobby_internal";

/** The outcome of one GM call. */
export type GmResult<T> =
  | { kind: "ok"; status: number; body: T }
  /** GM answered with a non-2xx status; `code`/`message` come from its error envelope. */
  | { kind: "error"; status: number; code: string; message: string }
  /** Connection refused or reset, DNS failure, or timeout. */
  | { kind: "unreachable"; message: string };

/** One outgoing GM call as recorded for `/_stub/calls`. */
export interface GmCallRecord {
  at: string;
  operation: string;
  method: string;
  path: string;
  game_id: string | null;
  request_body: unknown;
  status: number | null;
  outcome: "ok" | "error" | "unreachable";
  error: string | null;
  duration_ms: number;
}

/** Body of internalRegisterRuntime. */
export interface RegisterRuntimeBody {
  engine_endpoint: string;
  members: { user_id: string; race_name: string }[];
  target_engine_version: string;
  turn_schedule: string;
}

/** What the Lobby reads out of GM's runtime record (the rest is ignored). */
export interface RuntimeRecordView {
  status?: string;
  current_turn?: number;
  engine_health?: string;
}

/** Body of internalGameLiveness. */
export interface LivenessView {
  ready: boolean;
  status: string;
}

/** The GM operations the Lobby uses. */
export interface GmClient {
  resolveImageRef(version: string): Promise<GmResult<{ image_ref: string }>>;
  registerRuntime(gameId: string, body: RegisterRuntimeBody): Promise<GmResult<RuntimeRecordView>>;
  liveness(gameId: string): Promise<GmResult<LivenessView>>;
  invalidateMemberships(gameId: string): Promise<GmResult<unknown>>;
}

/** Options of {@link createGmClient}. */
export interface GmClientOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Injected in unit tests to route calls into an in-process fake GM. */
  fetch?: (request: Request) => Promise<Response>;
  /** Called after every call, whatever its outcome. */
  onCall?: (record: GmCallRecord) => void;
}

/** Creates a {@link GmClient} over the generated GM client with a per-call timeout. */
export function createGmClient(options: GmClientOptions): GmClient {
  const doFetch = options.fetch ?? ((request: Request) => fetch(request));

  async function call<T>(
    operation: string,
    gameId: string | null,
    body: unknown,
    send: (gm: GameMasterClient) => Promise<T>,
  ): Promise<GmResult<T>> {
    const startedAt = Date.now();
    // One client per call, so the request and the status it got are this call's own.
    let seen: { method: string; path: string; status: number | null } = {
      method: "",
      path: "",
      status: null,
    };
    const gm = createGameMasterClient({
      baseUrl: options.baseUrl,
      opSource: OP_SOURCE_LOBBY,
      timeoutMs: options.timeoutMs,
      fetch: async (request) => {
        const url = new URL(request.url);
        seen = { method: request.method, path: url.pathname + url.search, status: null };
        const response = await doFetch(request);
        seen.status = response.status;
        return response;
      },
    });
    let result: GmResult<T>;
    try {
      const answer = await send(gm);
      result = { kind: "ok", status: seen.status ?? 200, body: answer };
    } catch (error) {
      if (!isGameMasterError(error)) throw error;
      result =
        error.kind === "unreachable"
          ? { kind: "unreachable", message: describeNetworkError(error.cause) }
          : {
              kind: "error",
              status: error.httpStatus ?? seen.status ?? 0,
              code: error.remoteCode,
              message: error.message,
            };
    }
    options.onCall?.({
      at: new Date(startedAt).toISOString(),
      operation,
      method: seen.method,
      path: seen.path,
      game_id: gameId,
      request_body: body ?? null,
      status: result.kind === "unreachable" ? null : result.status,
      outcome: result.kind,
      error:
        result.kind === "unreachable"
          ? result.message
          : result.kind === "error"
            ? `${result.code}: ${result.message}`
            : null,
      duration_ms: Date.now() - startedAt,
    });
    return result;
  }

  return {
    resolveImageRef: (version) =>
      call("internalResolveEngineVersionImageRef", null, undefined, async (gm) => ({
        image_ref: await gm.resolveImageRef(version),
      })),
    registerRuntime: (gameId, body) =>
      call("internalRegisterRuntime", gameId, body, (gm) => gm.registerRuntime(gameId, body)),
    liveness: (gameId) =>
      call("internalGameLiveness", gameId, undefined, (gm) => gm.liveness(gameId)),
    invalidateMemberships: (gameId) =>
      call("internalInvalidateMemberships", gameId, undefined, (gm) =>
        gm.invalidateMemberships(gameId),
      ),
  };
}
