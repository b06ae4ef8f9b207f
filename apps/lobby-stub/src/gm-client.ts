/**
 * HTTP client for the four Game Master internal operations the Lobby calls (docs/reference.md#operations).
 * It never throws for an HTTP or network outcome: each call resolves to a {@link GmResult}
 * so the start flow can tell "GM said no" from "GM was not there".
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
  fetch?: typeof fetch;
  /** Called after every call, whatever its outcome. */
  onCall?: (record: GmCallRecord) => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timeout";
    const cause = error.cause;
    if (cause instanceof Error && cause.message !== "") return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}

/** Creates a {@link GmClient} over `fetch` with a per-call timeout. */
export function createGmClient(options: GmClientOptions): GmClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;

  async function call<T>(
    operation: string,
    method: string,
    path: string,
    gameId: string | null,
    body?: unknown,
  ): Promise<GmResult<T>> {
    const startedAt = Date.now();
    const headers: Record<string, string> = {
      accept: "application/json",
      "x-op-source": OP_SOURCE_LOBBY,
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let result: GmResult<T>;
    try {
      const response = await doFetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = null;
      if (text !== "") {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      if (response.ok) {
        result = { kind: "ok", status: response.status, body: parsed as T };
      } else {
        const envelope = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : undefined;
        result = {
          kind: "error",
          status: response.status,
          code: typeof envelope?.code === "string" ? envelope.code : `http_${response.status}`,
          message:
            typeof envelope?.message === "string"
              ? envelope.message
              : `GM answered ${response.status}`,
        };
      }
    } catch (error) {
      result = { kind: "unreachable", message: describeError(error) };
    }
    options.onCall?.({
      at: new Date(startedAt).toISOString(),
      operation,
      method,
      path,
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

  const game = (gameId: string) => `/api/v1/internal/games/${encodeURIComponent(gameId)}`;

  return {
    resolveImageRef: (version) =>
      call(
        "internalResolveEngineVersionImageRef",
        "GET",
        `/api/v1/internal/engine-versions/${encodeURIComponent(version)}/image-ref`,
        null,
      ),
    registerRuntime: (gameId, body) =>
      call("internalRegisterRuntime", "POST", `${game(gameId)}/runtime`, gameId, body),
    liveness: (gameId) => call("internalGameLiveness", "GET", `${game(gameId)}/liveness`, gameId),
    invalidateMemberships: (gameId) =>
      call(
        "internalInvalidateMemberships",
        "POST",
        `${game(gameId)}/memberships/invalidate`,
        gameId,
      ),
  };
}
