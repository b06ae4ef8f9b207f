import { GalaxyError } from "@galaxy/errors";
import { and, eq, notExists, notInArray, sql } from "drizzle-orm";
import type { EngineVersion, EngineVersionStatus } from "../../domain/engine-version.js";
import { TERMINAL_STATUSES } from "../../domain/runtime-status.js";
import type {
  DeleteEngineVersionResult,
  EngineVersionPatch,
  EngineVersionStore,
} from "../../ports/engine-version-store.js";
import type { Database } from "./database.js";
import { sqlState, withPostgres } from "./errors.js";
import { engineVersions, runtimeRecords } from "./schema.js";

/** {@link EngineVersionStore} over PostgreSQL. */
export class PostgresEngineVersionStore implements EngineVersionStore {
  constructor(private readonly db: Database) {}

  list(status?: EngineVersionStatus): Promise<EngineVersion[]> {
    return withPostgres("list engine versions", async () =>
      this.db
        .select()
        .from(engineVersions)
        .where(status === undefined ? undefined : eq(engineVersions.status, status)),
    );
  }

  get(version: string): Promise<EngineVersion | null> {
    return withPostgres("get engine version", async () => {
      const rows = await this.db
        .select()
        .from(engineVersions)
        .where(eq(engineVersions.version, version))
        .limit(1);
      return rows[0] ?? null;
    });
  }

  insert(version: EngineVersion): Promise<void> {
    return withPostgres("insert engine version", async () => {
      try {
        await this.db.insert(engineVersions).values(version);
      } catch (error) {
        if (sqlState(error) === "23505") {
          throw new GalaxyError("conflict", `engine version "${version.version}" already exists`, {
            cause: error,
          });
        }
        throw error;
      }
    });
  }

  update(version: string, patch: EngineVersionPatch, now: Date): Promise<EngineVersion | null> {
    return withPostgres("update engine version", async () => {
      const rows = await this.db
        .update(engineVersions)
        .set({ ...patch, updatedAt: now })
        .where(eq(engineVersions.version, version))
        .returning();
      return rows[0] ?? null;
    });
  }

  delete(version: string): Promise<DeleteEngineVersionResult> {
    return withPostgres("delete engine version", async () => {
      // The in-use check and the delete are one statement, so a runtime that
      // is live when the statement runs always blocks the delete.
      const liveRuntime = this.db
        .select({ one: sql`1` })
        .from(runtimeRecords)
        .where(
          and(
            eq(runtimeRecords.currentEngineVersion, version),
            notInArray(runtimeRecords.status, [...TERMINAL_STATUSES]),
          ),
        );
      const deleted = await this.db
        .delete(engineVersions)
        .where(and(eq(engineVersions.version, version), notExists(liveRuntime)))
        .returning({ version: engineVersions.version });
      if (deleted.length === 1) {
        return "deleted";
      }
      const existing = await this.db
        .select({ version: engineVersions.version })
        .from(engineVersions)
        .where(eq(engineVersions.version, version))
        .limit(1);
      return existing.length === 0 ? "not_found" : "in_use";
    });
  }
}
