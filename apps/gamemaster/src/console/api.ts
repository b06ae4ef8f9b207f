import type { z } from "@hono/zod-openapi";
import type {
  EngineVersionListSchema,
  EngineVersionSchema,
} from "../http/schemas/engine-versions.js";
import type { OperationEntrySchema, OperationListSchema } from "../http/schemas/operations.js";
import type { GamePlayerListSchema } from "../http/schemas/players.js";
import type { RuntimeListSchema, RuntimeRecordSchema } from "../http/schemas/runtimes.js";
import type { PlannedActivationSchema, RuntimeScheduleSchema } from "../http/schemas/schedules.js";

/** How the console reaches Game Master's REST API: in-process `app.request`, or a real fetch. */
export type ApiFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** A runtime record as the REST API serialises it. */
export type RuntimeJson = z.infer<typeof RuntimeRecordSchema>;
/** A page of internalListRuntimes. */
export type RuntimeListJson = z.infer<typeof RuntimeListSchema>;
/** An engine version as the REST API serialises it. */
export type EngineVersionJson = z.infer<typeof EngineVersionSchema>;
/** The answer of internalListEngineVersions. */
export type EngineVersionListJson = z.infer<typeof EngineVersionListSchema>;
/** The answer of internalListGamePlayers. */
export type PlayerListJson = z.infer<typeof GamePlayerListSchema>;

/** The answer of internalGetRuntimeSchedule. */
export type RuntimeScheduleJson = z.infer<typeof RuntimeScheduleSchema>;
/** One activation of internalGetRuntimeSchedule. */
export type ActivationJson = z.infer<typeof PlannedActivationSchema>;
/** A page of internalListOperations, newest first. */
export type OperationPageJson = z.infer<typeof OperationListSchema>;
/** One operation-log entry of internalListOperations. */
export type OperationJson = z.infer<typeof OperationEntrySchema>;

/** What an API call gave: the body of a 2xx, or the envelope of a refusal. */
export type ApiResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; code: string; message: string };

/** Marks a REST call made by the console (its successful calls are logged at debug). */
export const CONSOLE_CALL_HEADER = "x-console-call";

/** The headers every console call carries: the operation log attributes it to an admin. */
export const CONSOLE_CALLER_HEADERS: Readonly<Record<string, string>> = {
  "x-op-source": "admin_rest",
  "x-source-ref": "console",
  [CONSOLE_CALL_HEADER]: "1",
};

async function call<T>(
  fetchApi: ApiFetch,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetchApi(path, {
      method,
      headers: {
        ...CONSOLE_CALLER_HEADERS,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    return {
      ok: false,
      status: 503,
      code: "service_unavailable",
      message: `Game Master did not answer: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (response.ok) {
    return { ok: true, status: response.status, data: parsed as T };
  }
  const envelope = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return {
    ok: false,
    status: response.status,
    code: typeof envelope?.code === "string" ? envelope.code : `http_${response.status}`,
    message:
      typeof envelope?.message === "string" ? envelope.message : text.slice(0, 500) || "no body",
  };
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

const game = (gameId: string) => `/api/v1/internal/games/${encodeURIComponent(gameId)}`;

/** Filters of {@link GameMasterApi.listRuntimes}. */
export interface RuntimeFilter {
  status?: string;
  engineVersion?: string;
  /** ISO timestamp: only runtimes whose next_generation_at is before it. */
  nextGenerationBefore?: string;
  limit?: number;
  cursor?: string;
}

/**
 * The REST operations the console renders from and acts through, one method
 * per operation id. Nothing here knows PostgreSQL: whatever the REST API
 * answers, refusals included, is what the pages show.
 */
export class GameMasterApi {
  constructor(private readonly fetchApi: ApiFetch) {}

  listRuntimes(filter: RuntimeFilter = {}): Promise<ApiResult<RuntimeListJson>> {
    return call(
      this.fetchApi,
      "GET",
      `/api/v1/internal/runtimes${query({
        status: filter.status,
        engine_version: filter.engineVersion,
        next_generation_before: filter.nextGenerationBefore,
        limit: filter.limit,
        cursor: filter.cursor,
      })}`,
    );
  }

  getRuntime(gameId: string): Promise<ApiResult<RuntimeJson>> {
    return call(this.fetchApi, "GET", `${game(gameId)}/runtime`);
  }

  listPlayers(gameId: string): Promise<ApiResult<PlayerListJson>> {
    return call(this.fetchApi, "GET", `${game(gameId)}/players`);
  }

  schedule(gameId: string, count: number): Promise<ApiResult<RuntimeScheduleJson>> {
    return call(this.fetchApi, "GET", `${game(gameId)}/runtime/schedule${query({ count })}`);
  }

  operations(
    gameId: string,
    page: { limit: number; cursor?: string; opKind?: string },
  ): Promise<ApiResult<OperationPageJson>> {
    return call(
      this.fetchApi,
      "GET",
      `${game(gameId)}/operations${query({
        limit: page.limit,
        cursor: page.cursor,
        op_kind: page.opKind,
      })}`,
    );
  }

  forceNextTurn(gameId: string): Promise<ApiResult<RuntimeJson>> {
    return call(this.fetchApi, "POST", `${game(gameId)}/runtime/force-next-turn`);
  }

  stop(gameId: string, reason: string): Promise<ApiResult<RuntimeJson>> {
    return call(this.fetchApi, "POST", `${game(gameId)}/runtime/stop`, { reason });
  }

  patch(gameId: string, version: string): Promise<ApiResult<RuntimeJson>> {
    return call(this.fetchApi, "POST", `${game(gameId)}/runtime/patch`, { version });
  }

  banish(gameId: string, raceName: string): Promise<ApiResult<null>> {
    return call(
      this.fetchApi,
      "POST",
      `${game(gameId)}/races/${encodeURIComponent(raceName)}/banish`,
    );
  }

  listEngineVersions(): Promise<ApiResult<EngineVersionListJson>> {
    return call(this.fetchApi, "GET", "/api/v1/internal/engine-versions");
  }

  createEngineVersion(body: {
    version: string;
    image_ref: string;
    options?: Record<string, unknown>;
  }): Promise<ApiResult<EngineVersionJson>> {
    return call(this.fetchApi, "POST", "/api/v1/internal/engine-versions", body);
  }

  deprecateEngineVersion(version: string): Promise<ApiResult<EngineVersionJson>> {
    return call(
      this.fetchApi,
      "DELETE",
      `/api/v1/internal/engine-versions/${encodeURIComponent(version)}`,
    );
  }

  /** The Prometheus text of /metrics (refused with `not_found` when metrics are off). */
  async metricsText(): Promise<ApiResult<string>> {
    try {
      const response = await this.fetchApi("/metrics", { headers: CONSOLE_CALLER_HEADERS });
      const text = await response.text();
      return response.ok
        ? { ok: true, status: response.status, data: text }
        : { ok: false, status: response.status, code: `http_${response.status}`, message: text };
    } catch (error) {
      return {
        ok: false,
        status: 503,
        code: "service_unavailable",
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }
}
