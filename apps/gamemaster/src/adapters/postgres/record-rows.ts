import type { LeaseTrigger, PlayerTurnStats, RuntimeRecord } from "../../domain/runtime-record.js";
import type { RuntimeStatus } from "../../domain/runtime-status.js";

/**
 * The columns of `runtime_records` in the order the raw statements of the
 * turn engine's hot path return them (claim and settle are written in SQL:
 * they handle hundreds of rows per statement, and drizzle's per-row mapping
 * cost more than the statements themselves — docs/decisions/086-gm-batch-write-path.md).
 */
const RECORD_COLUMNS = [
  "game_id",
  "status",
  "engine_endpoint",
  "current_image_ref",
  "current_engine_version",
  "turn_schedule",
  "current_turn",
  "next_generation_at",
  "skip_next_tick",
  "engine_health",
  "created_at",
  "updated_at",
  "started_at",
  "stopped_at",
  "finished_at",
  "last_player_stats",
  "last_health_event_id",
  "lease_owner",
  "lease_token",
  "lease_expires_at",
  "lease_trigger",
] as const;

/** `RETURNING` list of every column, qualified by `alias`. */
export function returningColumns(alias: string): string {
  return RECORD_COLUMNS.map((column) => `${alias}.${column}`).join(", ");
}

/** A raw `runtime_records` row (as node-postgres, or drizzle's `execute`, hands it over). */
export type RecordRow = Record<string, unknown>;

function date(value: unknown): Date | null {
  if (value === null || value === undefined) {
    return null;
  }
  return value instanceof Date ? value : new Date(String(value));
}

function requiredDate(value: unknown, column: string): Date {
  const parsed = date(value);
  if (parsed === null || Number.isNaN(parsed.getTime())) {
    throw new Error(`runtime_records.${column} is not a timestamp: ${String(value)}`);
  }
  return parsed;
}

/** One raw row as the domain's {@link RuntimeRecord}. */
export function recordFromRow(row: RecordRow): RuntimeRecord {
  const stats = row.last_player_stats;
  return {
    gameId: String(row.game_id),
    status: row.status as RuntimeStatus,
    engineEndpoint: String(row.engine_endpoint),
    currentImageRef: String(row.current_image_ref),
    currentEngineVersion: String(row.current_engine_version),
    turnSchedule: String(row.turn_schedule),
    currentTurn: Number(row.current_turn),
    nextGenerationAt: date(row.next_generation_at),
    skipNextTick: row.skip_next_tick === true,
    engineHealth: String(row.engine_health ?? ""),
    createdAt: requiredDate(row.created_at, "created_at"),
    updatedAt: requiredDate(row.updated_at, "updated_at"),
    startedAt: date(row.started_at),
    stoppedAt: date(row.stopped_at),
    finishedAt: date(row.finished_at),
    lastPlayerStats: (typeof stats === "string"
      ? JSON.parse(stats)
      : (stats ?? [])) as PlayerTurnStats[],
    lastHealthEventId: String(row.last_health_event_id ?? ""),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseToken: (row.lease_token as string | null) ?? null,
    leaseExpiresAt: date(row.lease_expires_at),
    leaseTrigger: (row.lease_trigger as LeaseTrigger | null) ?? null,
  };
}
