import type { TransactionStores, UnitOfWork } from "../../ports/unit-of-work.js";
import {
  InvalidatingPlayerMappingStore,
  InvalidatingRuntimeRecordStore,
  type RecordWriteHook,
} from "../invalidating-stores.js";
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
   * The hot path's runtime view and its broadcast to the other replicas
   * (decision 080): a game written in the transaction is announced at its
   * first write and released only after the transaction has ended, so no
   * read of the not yet committed (or rolled back) state can be cached, and
   * the other replicas are told once the change is committed.
   */
  writeHook?: RecordWriteHook;
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
    const hook = this.options.writeHook;
    // Game id → whether a write to it changed rows.
    const touched = new Map<string | null, boolean>();
    const deferred: RecordWriteHook = {
      beginWrite(gameId) {
        if (!touched.has(gameId)) {
          touched.set(gameId, false);
          hook?.beginWrite(gameId);
        }
      },
      endWrite(gameId, changed) {
        if (changed) touched.set(gameId, true);
      },
    };
    return withPostgres("unit of work", async () => {
      try {
        return await this.options.db.transaction(async (tx) => {
          const db: Database = tx;
          const outbox = new BufferedOutbox(this.options.streams, this.options.newEventId);
          const result = await work({
            runtimeRecords:
              hook === undefined
                ? new PostgresRuntimeRecordStore(db)
                : new InvalidatingRuntimeRecordStore(new PostgresRuntimeRecordStore(db), deferred),
            playerMappings:
              hook === undefined
                ? new PostgresPlayerMappingStore(db)
                : new InvalidatingPlayerMappingStore(new PostgresPlayerMappingStore(db), deferred),
            operationLog: new PostgresOperationLog(db),
            consumerOffsets: new PostgresConsumerOffsetStore(db),
            outbox,
          });
          await outbox.flush(db);
          return result;
        });
      } finally {
        // A write that changed rows counts as changed even when the commit
        // failed: it may have committed before the error reached us.
        for (const [gameId, changed] of touched) {
          hook?.endWrite(gameId, changed);
        }
      }
    });
  }
}
