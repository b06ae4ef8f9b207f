import type { TransactionStores, UnitOfWork } from "../../ports/unit-of-work.js";
import { type PlayerAccessCache, watchStoreWrites } from "../player-access-cache.js";
import { PostgresConsumerOffsetStore } from "./consumer-offset-store.js";
import type { Database, RootDatabase } from "./database.js";
import { withPostgres } from "./errors.js";
import { PostgresOperationLog } from "./operation-log.js";
import { BufferedOutbox, type OutboxStreams } from "./outbox-store.js";
import { PostgresPlayerMappingStore } from "./player-mapping-store.js";
import { PostgresRuntimeRecordStore } from "./runtime-record-store.js";

/** Options of {@link PostgresUnitOfWork}. */
export interface PostgresUnitOfWorkOptions {
  db: RootDatabase;
  streams: OutboxStreams;
  /**
   * The hot path's cache: a game written in the transaction is kept out of
   * it from the first write until the transaction has ended, so no read of
   * the not yet committed (or rolled back) state can be cached.
   */
  cache?: Pick<PlayerAccessCache, "beginWrite" | "endWrite">;
  /** `event_id` factory (tests); default random UUIDs. */
  newEventId?: () => string;
}

/**
 * {@link UnitOfWork} over one drizzle transaction (READ COMMITTED): the
 * stores are the usual PostgreSQL stores bound to the transaction, the
 * outbox is buffered and inserted as the last statements before commit
 * (decision 070).
 */
export class PostgresUnitOfWork implements UnitOfWork {
  constructor(private readonly options: PostgresUnitOfWorkOptions) {}

  run<T>(work: (tx: TransactionStores) => Promise<T>): Promise<T> {
    const { cache } = this.options;
    const touched = new Set<string | undefined>();
    const tracker = {
      beginWrite(gameId: string | undefined) {
        if (!touched.has(gameId)) {
          touched.add(gameId);
          cache?.beginWrite(gameId);
        }
      },
      endWrite() {},
    };
    const watch = <S extends object>(store: S): S =>
      cache === undefined ? store : watchStoreWrites(store, tracker);
    return withPostgres("unit of work", async () => {
      try {
        return await this.options.db.transaction(async (tx) => {
          const db: Database = tx;
          const outbox = new BufferedOutbox(this.options.streams, this.options.newEventId);
          const result = await work({
            runtimeRecords: watch(new PostgresRuntimeRecordStore(db)),
            playerMappings: watch(new PostgresPlayerMappingStore(db)),
            operationLog: new PostgresOperationLog(db),
            consumerOffsets: new PostgresConsumerOffsetStore(db),
            outbox,
          });
          await outbox.flush(db);
          return result;
        });
      } finally {
        for (const gameId of touched) {
          cache?.endWrite(gameId);
        }
      }
    });
  }
}
