import { GalaxyError } from "@galaxy/errors";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";

/** Page size bounds of {@link RuntimeQueryService.list}. */
export const LIST_RUNTIMES_DEFAULT_LIMIT = 50;
/** Largest page of {@link RuntimeQueryService.list}. */
export const LIST_RUNTIMES_MAX_LIMIT = 200;

/** Query of {@link RuntimeQueryService.list}. */
export interface ListRuntimesInput {
  status?: RuntimeStatus;
  /** Only runtimes scheduled strictly before this time (unscheduled ones are left out). */
  nextGenerationBefore?: Date;
  /** Only runtimes on this engine version (exact `current_engine_version`). */
  engineVersion?: string;
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
}

/** One page of runtimes. */
export interface RuntimePage {
  items: RuntimeRecord[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** The liveness reply Lobby uses to resume a paused game (docs/reference.md#admin-operations). */
export interface Liveness {
  ready: boolean;
  status: RuntimeStatus;
}

/** Encodes a keyset cursor: base64url of the last game id of the page. */
export function encodeCursor(gameId: string): string {
  return Buffer.from(gameId, "utf8").toString("base64url");
}

/** Decodes a cursor; anything that is not one → `invalid_request`. */
export function decodeCursor(cursor: string): string {
  const gameId = /^[A-Za-z0-9_-]+$/.test(cursor)
    ? Buffer.from(cursor, "base64url").toString("utf8")
    : "";
  if (gameId === "" || encodeCursor(gameId) !== cursor) {
    throw new GalaxyError("invalid_request", "cursor: not a cursor returned by this endpoint");
  }
  return gameId;
}

/** Read-side operations on runtime records: get, list, liveness. */
export class RuntimeQueryService {
  constructor(private readonly deps: { runtimeRecords: RuntimeRecordStore }) {}

  /** One record; missing → `runtime_not_found`. */
  async get(gameId: string): Promise<RuntimeRecord> {
    const record = await this.deps.runtimeRecords.get(gameId);
    if (record === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${gameId}" not found`);
    }
    return record;
  }

  /**
   * Records ordered by game id, one page at a time. Filters combine with AND;
   * a cursor is only meaningful with the filters of the page it came from.
   */
  async list(input: ListRuntimesInput): Promise<RuntimePage> {
    const limit = input.limit ?? LIST_RUNTIMES_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_RUNTIMES_MAX_LIMIT) {
      throw new GalaxyError(
        "invalid_request",
        `limit: must be an integer between 1 and ${LIST_RUNTIMES_MAX_LIMIT}`,
      );
    }
    const afterGameId = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    // One extra row tells whether another page exists without a count query.
    const rows = await this.deps.runtimeRecords.list({
      ...(input.status === undefined ? {} : { status: input.status }),
      ...(afterGameId === undefined ? {} : { afterGameId }),
      ...(input.nextGenerationBefore === undefined
        ? {}
        : { nextGenerationBefore: input.nextGenerationBefore }),
      ...(input.engineVersion === undefined ? {} : { engineVersion: input.engineVersion }),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.gameId) : null,
    };
  }

  /** `{ready: status == running, status}`; unknown game → `runtime_not_found`. */
  async liveness(gameId: string): Promise<Liveness> {
    const record = await this.get(gameId);
    return { ready: record.status === "running", status: record.status };
  }
}
