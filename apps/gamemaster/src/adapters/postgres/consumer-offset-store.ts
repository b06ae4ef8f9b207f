import { eq } from "drizzle-orm";
import type { ConsumerOffsetStore } from "../../ports/unit-of-work.js";
import type { Database } from "./database.js";
import { withPostgres } from "./errors.js";
import { streamOffsets } from "./schema.js";

/** {@link ConsumerOffsetStore} over `stream_offsets`. */
export class PostgresConsumerOffsetStore implements ConsumerOffsetStore {
  constructor(private readonly db: Database) {}

  load(label: string): Promise<string | null> {
    return withPostgres("load stream offset", async () => {
      const rows = await this.db
        .select({ lastId: streamOffsets.lastId })
        .from(streamOffsets)
        .where(eq(streamOffsets.label, label))
        .limit(1);
      return rows[0]?.lastId ?? null;
    });
  }

  save(label: string, id: string, now: Date): Promise<void> {
    return withPostgres("save stream offset", async () => {
      await this.db
        .insert(streamOffsets)
        .values({ label, lastId: id, updatedAt: now })
        .onConflictDoUpdate({
          target: streamOffsets.label,
          set: { lastId: id, updatedAt: now },
        });
    });
  }
}
