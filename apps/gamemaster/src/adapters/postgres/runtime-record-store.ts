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
  ListRuntimesQuery,
  RuntimeRecordStore,
} from "../../ports/runtime-record-store.js";
import type { Database } from "./database.js";
import { sqlState, withPostgres } from "./errors.js";
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

  listDueRunning(now: Date, limit: number): Promise<RuntimeRecord[]> {
    return withPostgres("list due runtime records", async () =>
      this.db
        .select()
        .from(runtimeRecords)
        .where(and(eq(runtimeRecords.status, "running"), lte(runtimeRecords.nextGenerationAt, now)))
        .orderBy(asc(runtimeRecords.nextGenerationAt), asc(runtimeRecords.gameId))
        .limit(limit),
    );
  }

  claimDue(input: ClaimDueInput): Promise<RuntimeRecord[]> {
    return withPostgres("claim due runtime records", async () => {
      const due = this.db
        .select({ gameId: runtimeRecords.gameId })
        .from(runtimeRecords)
        .where(
          and(
            eq(runtimeRecords.status, "running"),
            lte(runtimeRecords.nextGenerationAt, input.now),
            eq(runtimeRecords.skipNextTick, false),
            isNull(runtimeRecords.leaseToken),
          ),
        )
        .orderBy(asc(runtimeRecords.nextGenerationAt), asc(runtimeRecords.gameId))
        .limit(input.limit)
        .for("update", { skipLocked: true });
      const rows = await this.db
        .update(runtimeRecords)
        .set({
          status: "generation_in_progress",
          leaseOwner: input.owner,
          leaseToken: sql`gen_random_uuid()::text`,
          leaseExpiresAt: input.leaseExpiresAt,
          leaseTrigger: "scheduler",
          updatedAt: input.now,
        })
        .where(inArray(runtimeRecords.gameId, due))
        .returning();
      // RETURNING has no order; the earliest due first keeps the lag fair.
      return rows.sort(
        (a, b) =>
          (a.nextGenerationAt?.getTime() ?? 0) - (b.nextGenerationAt?.getTime() ?? 0) ||
          (a.gameId < b.gameId ? -1 : 1),
      );
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

  listExpiredLeases(input: {
    now: Date;
    unleasedBefore: Date;
    limit: number;
    ownedBy?: string;
  }): Promise<RuntimeRecord[]> {
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
            input.ownedBy === undefined ? undefined : eq(runtimeRecords.leaseOwner, input.ownedBy),
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
