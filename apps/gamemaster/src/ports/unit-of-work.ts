import type { OperationLog } from "./operation-log.js";
import type { EventOutbox } from "./outbox.js";
import type { PlayerMappingStore } from "./player-mapping-store.js";
import type { RuntimeRecordStore } from "./runtime-record-store.js";

/**
 * Persisted offsets of the stream consumers GM runs (the health-events
 * reader), kept in PostgreSQL so that applying an entry and moving the
 * offset past it commit together.
 */
export interface ConsumerOffsetStore {
  /** The last applied entry id of `label`, or null when none was saved. */
  load(label: string): Promise<string | null>;
  /** Records `id` as the last applied entry of `label`. */
  save(label: string, id: string, now: Date): Promise<void>;
}

/** The stores of one open transaction. */
export interface TransactionStores {
  runtimeRecords: RuntimeRecordStore;
  playerMappings: PlayerMappingStore;
  operationLog: OperationLog;
  consumerOffsets: ConsumerOffsetStore;
  /** Lobby events and intents, inserted into the outbox table at commit. */
  outbox: EventOutbox;
}

/**
 * Runs a state change, its operation-log entries and its outbox messages in
 * ONE PostgreSQL transaction: all of it commits or none of it does.
 *
 * `work` commits when it resolves and rolls back when it throws. Inside it a
 * failed statement poisons the transaction, so errors are not caught and
 * swallowed there (an operation log that must survive a rollback is written
 * with the plain stores, outside). `work` must not wait for anything but the
 * database (no HTTP calls): the transaction holds row locks.
 *
 * Write the runtime record first: the outbox rows are inserted last, under a
 * lock that orders commits (docs/decisions/070-transactional-outbox.md).
 */
export interface UnitOfWork {
  run<T>(work: (tx: TransactionStores) => Promise<T>): Promise<T>;
}
