import { GalaxyError } from "@galaxy/errors";
import type { OperationRecord, OpKind } from "../domain/operation.js";
import type { OperationLog } from "../ports/operation-log.js";

/** Default page size of {@link OperationHistoryService.list}. */
export const OPERATION_HISTORY_DEFAULT_LIMIT = 50;
/** Largest page of {@link OperationHistoryService.list}. */
export const OPERATION_HISTORY_MAX_LIMIT = 200;

/** Query of {@link OperationHistoryService.list}. */
export interface OperationHistoryInput {
  gameId: string;
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  opKind?: OpKind;
}

/** One page of a game's operation log, the newest first. */
export interface OperationHistoryPage {
  items: OperationRecord[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** Encodes a keyset cursor: base64url of the last entry id of the page. */
export function encodeOperationCursor(id: number): string {
  return Buffer.from(`op:${id}`, "utf8").toString("base64url");
}

/** Decodes a cursor; anything that is not one → `invalid_request`. */
export function decodeOperationCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor)
    ? Buffer.from(cursor, "base64url").toString("utf8")
    : "";
  const match = /^op:([1-9][0-9]{0,15})$/.exec(text);
  const id = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(id) || encodeOperationCursor(id) !== cursor) {
    throw new GalaxyError("invalid_request", "cursor: not a cursor returned by this endpoint");
  }
  return id;
}

/**
 * The operation history of a game, newest first, keyset-paginated on the
 * entry id. A game without entries — or one that never had a runtime, as
 * a rolled-back registration keeps its failure entries — answers an empty
 * page, not `runtime_not_found`: the log outlives the record.
 */
export class OperationHistoryService {
  constructor(private readonly deps: { operationLog: OperationLog }) {}

  async list(input: OperationHistoryInput): Promise<OperationHistoryPage> {
    const limit = input.limit ?? OPERATION_HISTORY_DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > OPERATION_HISTORY_MAX_LIMIT) {
      throw new GalaxyError(
        "invalid_request",
        `limit: must be an integer between 1 and ${OPERATION_HISTORY_MAX_LIMIT}`,
      );
    }
    const beforeId = input.cursor === undefined ? undefined : decodeOperationCursor(input.cursor);
    // One extra row tells whether another page exists without a count query.
    const rows = await this.deps.operationLog.listPage({
      gameId: input.gameId,
      limit: limit + 1,
      ...(beforeId === undefined ? {} : { beforeId }),
      ...(input.opKind === undefined ? {} : { opKind: input.opKind }),
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last !== undefined ? encodeOperationCursor(last.id) : null,
    };
  }
}
