import { GalaxyError } from "@galaxy/errors";
import {
  and,
  asc,
  count,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import type { RuntimeRecord } from "../../domain/runtime-record.js";
import type { RuntimeStatus } from "../../domain/runtime-status.js";
import type {
  ClaimDueInput,
  ClaimOneInput,
  CompareAndSetInput,
  ExpiredLeasesQuery,
  ListRuntimesQuery,
  RuntimeRecordStore,
  TurnSettlement,
} from "../../ports/runtime-record-store.js";
import type { Database } from "./database.js";
import { sqlState, withPostgres } from "./errors.js";
import { type RecordRow, recordFromRow, returningColumns } from "./record-rows.js";
import { playerMappings, runtimeRecords } from "./schema.js";

/** {@link RuntimeRecordStore} over PostgreSQL. */
export class PostgresRuntimeRecordStore implements RuntimeRecordStore {
  constructor(private readonly db: Database) {}

  get(gameId: string): Promise<RuntimeRecord | null> {
    return withPostgres("get runtime record", async () => {
      const rows = await this.db
        .select()
        .from(runtimeRecords)
        .where(eq(runtimeRecords.gameId, gameId))
        .limit(1);
      return rows[0] ?? null;
    });
  }

  insert(record: RuntimeRecord): Promise<void> {
    return withPostgres("insert runtime record", async () => {
      try {
        await this.db.insert(runtimeRecords).values(record);
      } catch (error) {
        if (sqlState(error) === "23505") {
          throw new GalaxyError("conflict", `runtime for game "${record.gameId}" already exists`, {
            cause: error,
          });
        }
        throw error;
      }
    });
  }

  compareAndSet(input: CompareAndSetInput): Promise<RuntimeRecord | null> {
    return withPostgres("compare and set runtime record", async () => {
      const { expected } = input;
      const conditions: SQL[] = [
        eq(runtimeRecords.gameId, input.gameId),
        typeof expected.status === "string"
          ? eq(runtimeRecords.status, expected.status)
          : inArray(runtimeRecords.status, [...expected.status]),
      ];
      if (expected.leaseToken === null) {
        conditions.push(isNull(runtimeRecords.leaseToken));
      } else if (expected.leaseToken !== undefined) {
        conditions.push(eq(runtimeRecords.leaseToken, expected.leaseToken));
      }
      if (expected.nextGenerationAt === null) {
        conditions.push(isNull(runtimeRecords.nextGenerationAt));
      } else if (expected.nextGenerationAt !== undefined) {
        // JavaScript dates carry milliseconds, PostgreSQL microseconds: a value
        // written by SQL (now(), an operator's UPDATE) must still match the
        // date GM read back, so the comparison is made at millisecond precision.
        conditions.push(
          sql`date_trunc('milliseconds', ${runtimeRecords.nextGenerationAt}) = ${expected.nextGenerationAt.toISOString()}::timestamptz`,
        );
      }
      if (expected.currentTurn !== undefined) {
        conditions.push(eq(runtimeRecords.currentTurn, expected.currentTurn));
      }
      if (expected.skipNextTick !== undefined) {
        conditions.push(eq(runtimeRecords.skipNextTick, expected.skipNextTick));
      }
      if (expected.lastHealthEventId !== undefined) {
        conditions.push(eq(runtimeRecords.lastHealthEventId, expected.lastHealthEventId));
      }
      const rows = await this.db
        .update(runtimeRecords)
        .set({
          ...input.patch,
          ...(input.to === undefined ? {} : { status: input.to }),
          updatedAt: input.now,
        })
        .where(and(...conditions))
        .returning();
      return rows[0] ?? null;
    });
  }

  deleteWithMappings(gameId: string, guard?: { leaseToken: string }): Promise<void> {
    return withPostgres("delete runtime record", async () => {
      // The foreign key cascades too; deleting the mappings explicitly keeps
      // the rollback correct even if that constraint is ever relaxed.
      await this.db.transaction(async (tx) => {
        const deleted = await tx
          .delete(runtimeRecords)
          .where(
            and(
              eq(runtimeRecords.gameId, gameId),
              guard === undefined ? undefined : eq(runtimeRecords.leaseToken, guard.leaseToken),
            ),
          )
          .returning({ gameId: runtimeRecords.gameId });
        if (deleted.length > 0) {
          await tx.delete(playerMappings).where(eq(playerMappings.gameId, gameId));
        }
      });
    });
  }

  list(query: ListRuntimesQuery): Promise<RuntimeRecord[]> {
    return withPostgres("list runtime records", async () => {
      const conditions: SQL[] = [];
      if (query.status !== undefined) {
        conditions.push(eq(runtimeRecords.status, query.status));
      }
      if (query.afterGameId !== undefined) {
        conditions.push(gt(runtimeRecords.gameId, query.afterGameId));
      }
      if (query.nextGenerationBefore !== undefined) {
        conditions.push(lt(runtimeRecords.nextGenerationAt, query.nextGenerationBefore));
      }
      if (query.engineVersion !== undefined) {
        conditions.push(eq(runtimeRecords.currentEngineVersion, query.engineVersion));
      }
      return this.db
        .select()
        .from(runtimeRecords)
        .where(conditions.length > 0 ? and(...conditions) : undefined)
        .orderBy(asc(runtimeRecords.gameId))
        .limit(query.limit);
    });
  }

  claimDue(input: ClaimDueInput): Promise<RuntimeRecord[]> {
    return withPostgres("claim due runtime records", async () => {
      // Written in SQL, not with the query builder: a batch returns hundreds
      // of rows and this is the scheduler's hottest statement
      // (docs/decisions/086-gm-batch-write-path.md). The due games come off
      // runtime_records_claim_idx in claim order, and the update finds them
      // by primary key, whatever the table's size.
      const result = await this.db.execute<RecordRow>(sql`
        with due as (
          select game_id from gamemaster.runtime_records
          where status = 'running' and next_generation_at <= ${input.now.toISOString()}::timestamptz
            and skip_next_tick = false and lease_token is null
          order by next_generation_at, game_id
          limit ${input.limit}
          for update skip locked
        )
        update gamemaster.runtime_records r
        set status = 'generation_in_progress', lease_owner = ${input.owner},
            lease_token = gen_random_uuid()::text,
            lease_expires_at = ${input.leaseExpiresAt.toISOString()}::timestamptz,
            lease_trigger = 'scheduler', updated_at = ${input.now.toISOString()}::timestamptz
        where r.game_id = any(array(select game_id from due))
        returning ${sql.raw(returningColumns("r"))}`);
      // RETURNING has no order; the earliest due first keeps the lag fair.
      return result.rows
        .map(recordFromRow)
        .sort(
          (a, b) =>
            (a.nextGenerationAt?.getTime() ?? 0) - (b.nextGenerationAt?.getTime() ?? 0) ||
            (a.gameId < b.gameId ? -1 : 1),
        );
    });
  }

  settleTurns(settlements: readonly TurnSettlement[], now: Date): Promise<RuntimeRecord[]> {
    if (settlements.length === 0) {
      return Promise.resolve([]);
    }
    return withPostgres("settle turns", async () => {
      const rows = JSON.stringify(
        settlements.map((settlement) => ({
          game_id: settlement.gameId,
          lease_token: settlement.leaseToken,
          expected_turn: settlement.expectedTurn,
          status: settlement.status,
          current_turn: settlement.currentTurn,
          next_generation_at: settlement.nextGenerationAt?.toISOString() ?? null,
          skip_next_tick: settlement.skipNextTick,
          finished_at: settlement.finishedAt?.toISOString() ?? null,
          last_player_stats: settlement.lastPlayerStats,
        })),
      );
      const result = await this.db.execute<RecordRow>(sql`
        update gamemaster.runtime_records r
        set status = v.status, current_turn = v.current_turn,
            next_generation_at = v.next_generation_at, skip_next_tick = v.skip_next_tick,
            finished_at = coalesce(v.finished_at, r.finished_at),
            last_player_stats = coalesce(v.last_player_stats, r.last_player_stats),
            lease_owner = null, lease_token = null, lease_expires_at = null, lease_trigger = null,
            updated_at = ${now.toISOString()}::timestamptz
        from jsonb_to_recordset(${rows}::jsonb) as v(
          game_id text, lease_token text, expected_turn integer, status text,
          current_turn integer, next_generation_at timestamptz, skip_next_tick boolean,
          finished_at timestamptz, last_player_stats jsonb)
        where r.game_id = v.game_id and r.status = 'generation_in_progress'
          and r.lease_token = v.lease_token and r.current_turn = v.expected_turn
        returning ${sql.raw(returningColumns("r"))}`);
      return result.rows.map(recordFromRow);
    });
  }

  claim(input: ClaimOneInput): Promise<RuntimeRecord | null> {
    return withPostgres("claim runtime record", async () => {
      const rows = await this.db
        .update(runtimeRecords)
        .set({
          status: "generation_in_progress",
          leaseOwner: input.owner,
          leaseToken: input.token,
          leaseExpiresAt: input.leaseExpiresAt,
          leaseTrigger: input.trigger,
          updatedAt: input.now,
        })
        .where(
          and(
            eq(runtimeRecords.gameId, input.gameId),
            inArray(runtimeRecords.status, [...input.from]),
            isNull(runtimeRecords.leaseToken),
          ),
        )
        .returning();
      return rows[0] ?? null;
    });
  }

  renewLeases(tokens: readonly string[], leaseExpiresAt: Date): Promise<number> {
    if (tokens.length === 0) {
      return Promise.resolve(0);
    }
    return withPostgres("renew leases", async () => {
      // updated_at stays: it is the cutoff of the turn in flight.
      const rows = await this.db
        .update(runtimeRecords)
        .set({ leaseExpiresAt })
        .where(inArray(runtimeRecords.leaseToken, [...tokens]))
        .returning({ gameId: runtimeRecords.gameId });
      return rows.length;
    });
  }

  listExpiredLeases(input: ExpiredLeasesQuery): Promise<RuntimeRecord[]> {
    return withPostgres("list expired leases", async () =>
      this.db
        .select()
        .from(runtimeRecords)
        .where(
          or(
            and(isNotNull(runtimeRecords.leaseToken), lt(runtimeRecords.leaseExpiresAt, input.now)),
            and(
              isNull(runtimeRecords.leaseToken),
              inArray(runtimeRecords.status, ["generation_in_progress", "starting"]),
              lt(runtimeRecords.updatedAt, input.unleasedBefore),
            ),
            input.leftBy === undefined
              ? undefined
              : and(
                  // Implied by an owner (a lease is taken and released
                  // whole); said so that this arm, like the first, reads
                  // the few leased rows off runtime_records_lease_idx
                  // instead of scanning every runtime on every sweep.
                  isNotNull(runtimeRecords.leaseToken),
                  eq(runtimeRecords.leaseOwner, input.leftBy.owner),
                  lt(runtimeRecords.updatedAt, input.leftBy.before),
                ),
          ),
        )
        .orderBy(asc(runtimeRecords.leaseExpiresAt), asc(runtimeRecords.gameId))
        .limit(input.limit),
    );
  }

  listDueSkipped(now: Date, limit: number): Promise<RuntimeRecord[]> {
    return withPostgres("list due skipped ticks", async () =>
      this.db
        .select()
        .from(runtimeRecords)
        .where(
          and(
            eq(runtimeRecords.status, "running"),
            lte(runtimeRecords.nextGenerationAt, now),
            eq(runtimeRecords.skipNextTick, true),
            isNull(runtimeRecords.leaseToken),
          ),
        )
        .orderBy(asc(runtimeRecords.nextGenerationAt), asc(runtimeRecords.gameId))
        .limit(limit),
    );
  }

  countByStatus(): Promise<Partial<Record<RuntimeStatus, number>>> {
    return withPostgres("count runtime records", async () => {
      const rows = await this.db
        .select({ status: runtimeRecords.status, total: count() })
        .from(runtimeRecords)
        .groupBy(runtimeRecords.status);
      const counts: Partial<Record<RuntimeStatus, number>> = {};
      for (const row of rows) {
        counts[row.status] = row.total;
      }
      return counts;
    });
  }
}
