import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";
import type { EngineOptions, EngineVersionStatus } from "../../domain/engine-version.js";
import type { OpKind, OpOutcome, OpSource } from "../../domain/operation.js";
import type { PlayerTurnStats } from "../../domain/runtime-record.js";
import type { RuntimeStatus } from "../../domain/runtime-status.js";

// Column names come from the camelCase keys through drizzle's `casing:
// "snake_case"` (set on the database handle and in drizzle.config.ts).

/** The PostgreSQL schema that holds every table of Game Master. */
export const gamemaster = pgSchema("gamemaster");

const timestamptz = () => timestamp({ withTimezone: true, mode: "date" });

/** `runtime_records`: one row per game GM runs (docs/reference.md#persistence). */
export const runtimeRecords = gamemaster.table(
  "runtime_records",
  {
    gameId: text().primaryKey(),
    status: text().$type<RuntimeStatus>().notNull(),
    engineEndpoint: text().notNull(),
    currentImageRef: text().notNull(),
    currentEngineVersion: text().notNull(),
    turnSchedule: text().notNull(),
    currentTurn: integer().notNull().default(0),
    nextGenerationAt: timestamptz(),
    skipNextTick: boolean().notNull().default(false),
    engineHealth: text().notNull().default(""),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
    startedAt: timestamptz(),
    stoppedAt: timestamptz(),
    finishedAt: timestamptz(),
    // The stats of the last engine answer, repeated by snapshots that come
    // without one (failure, stop, health) — also after a restart.
    lastPlayerStats: jsonb().$type<PlayerTurnStats[]>().notNull().default([]),
    // Stream id of the last runtime:health_events entry applied to this game
    // ('' = none): an older or equal entry is never applied again.
    lastHealthEventId: text().notNull().default(""),
    // The claim of the turn (or registration) in flight: which instance holds
    // it, the token every later write of that attempt guards on, and until
    // when. An expired lease means its instance died; any instance recovers
    // the game (docs/decisions/095-gm-multi-instance-leases.md).
    leaseOwner: text(),
    leaseToken: text(),
    leaseExpiresAt: timestamptz(),
    // `scheduler` | `force`: an interrupted forced turn is recovered as one.
    leaseTrigger: text().$type<"scheduler" | "force">(),
  },
  (table) => [
    // Running games by due time, and the recovery sweep's games by status.
    index("runtime_records_due_idx").on(table.status, table.nextGenerationAt),
    // The scheduler's claim, in its order and holding only the games it can
    // claim: with thousands of games due at once, the earliest 256 are read
    // off the index instead of sorting every due row for each batch
    // (docs/decisions/086-gm-batch-write-path.md).
    index("runtime_records_claim_idx")
      .on(table.nextGenerationAt, table.gameId)
      .where(
        sql`${table.status} = 'running' and ${table.leaseToken} is null and not ${table.skipNextTick}`,
      ),
    // The due ticks a forced turn consumed, asked for before every claim.
    index("runtime_records_skipped_idx")
      .on(table.nextGenerationAt, table.gameId)
      .where(
        sql`${table.status} = 'running' and ${table.leaseToken} is null and ${table.skipNextTick}`,
      ),
    // The recovery sweep asks for leases that expired; the lease keeper's
    // renewal by token reads the few leased rows through it too.
    index("runtime_records_lease_idx")
      .on(table.leaseExpiresAt)
      .where(sql`${table.leaseToken} is not null`),
    // The hard delete of an engine version asks whether a live runtime uses it.
    index("runtime_records_engine_version_idx").on(table.currentEngineVersion),
    check(
      "runtime_records_status_check",
      sql`${table.status} in ('starting', 'running', 'generation_in_progress', 'generation_failed', 'stopped', 'engine_unreachable', 'finished')`,
    ),
    check("runtime_records_current_turn_check", sql`${table.currentTurn} >= 0`),
  ],
);

/** `engine_versions`: the engine-version registry. */
export const engineVersions = gamemaster.table(
  "engine_versions",
  {
    version: text().primaryKey(),
    imageRef: text().notNull(),
    options: jsonb().$type<EngineOptions>().notNull().default({}),
    status: text().$type<EngineVersionStatus>().notNull().default("active"),
    createdAt: timestamptz().notNull(),
    updatedAt: timestamptz().notNull(),
  },
  (table) => [
    check("engine_versions_status_check", sql`${table.status} in ('active', 'deprecated')`),
  ],
);

/**
 * `player_mappings`: `(game_id, user_id) → race_name`. The foreign key with
 * ON DELETE CASCADE makes "delete the record" also delete its mappings in the
 * same statement, so a rollback can never leave orphans.
 */
export const playerMappings = gamemaster.table(
  "player_mappings",
  {
    gameId: text()
      .notNull()
      .references(() => runtimeRecords.gameId, { onDelete: "cascade" }),
    userId: text().notNull(),
    raceName: text().notNull(),
    enginePlayerUuid: text().notNull(),
    createdAt: timestamptz().notNull(),
  },
  (table) => [
    primaryKey({ name: "player_mappings_pkey", columns: [table.gameId, table.userId] }),
    unique("player_mappings_game_race_key").on(table.gameId, table.raceName),
  ],
);

/** `operation_log`: the audit trail of every operation, kept after a rollback. */
export const operationLog = gamemaster.table(
  "operation_log",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    gameId: text().notNull(),
    opKind: text().$type<OpKind>().notNull(),
    opSource: text().$type<OpSource>().notNull(),
    sourceRef: text().notNull().default(""),
    outcome: text().$type<OpOutcome>().notNull(),
    errorCode: text().notNull().default(""),
    errorMessage: text().notNull().default(""),
    startedAt: timestamptz().notNull(),
    finishedAt: timestamptz().notNull(),
  },
  (table) => [
    index("operation_log_game_idx").on(table.gameId, table.id),
    check("operation_log_outcome_check", sql`${table.outcome} in ('success', 'failure')`),
  ],
);

/**
 * `outbox`: lobby events and notification intents committed with the state
 * change that causes them, waiting for the relay to publish them on `stream`
 * (see docs/decisions/070-transactional-outbox.md). Ids are taken under a
 * transaction-scoped advisory lock held until commit, so id order is commit
 * order; the relay deletes a row once its entry is on the stream.
 */
export const outbox = gamemaster.table(
  "outbox",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    stream: text().notNull(),
    eventId: text().notNull(),
    gameId: text().notNull(),
    eventType: text().notNull(),
    fields: jsonb().$type<Record<string, string>>().notNull(),
    createdAt: timestamptz().notNull().defaultNow(),
  },
  (table) => [unique("outbox_event_id_key").on(table.eventId)],
);

/**
 * `stream_offsets`: how far a consumer of a Redis stream has applied it,
 * written in the same transaction as what the entry changed.
 */
export const streamOffsets = gamemaster.table("stream_offsets", {
  label: text().primaryKey(),
  lastId: text().notNull(),
  updatedAt: timestamptz().notNull(),
});

/** Every table, for `createDatabase`. */
export const schema = {
  runtimeRecords,
  engineVersions,
  playerMappings,
  operationLog,
  outbox,
  streamOffsets,
};

/** The drizzle schema object type. */
export type GameMasterSchema = typeof schema;
