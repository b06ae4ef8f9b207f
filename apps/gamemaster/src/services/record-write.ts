import { GalaxyError } from "@galaxy/errors";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { Clock } from "../ports/clock.js";
import type { CompareAndSetInput, RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { TransactionStores, UnitOfWork } from "../ports/unit-of-work.js";

/**
 * How often a writer re-reads and retries a compare-and-swap another writer
 * keeps beating (a turn starting or ending, a health event, an admin op)
 * before it gives up. Contention on one game is a handful of writers, so a
 * record that moves five times in a row is being fought over, not settling.
 */
export const MAX_CAS_ATTEMPTS = 5;

/**
 * The one retry loop around `RuntimeRecordStore.compareAndSet`: runs
 * `attempt` until it settles, at most {@link MAX_CAS_ATTEMPTS} times. An
 * attempt reads what it decides on, decides, and writes with one CAS that
 * expects what it read; it returns null when it lost that CAS (so the next
 * attempt reads and decides again) and anything else when it is done — it
 * won, or it decided there is nothing to write. It may throw to refuse. After
 * the last lost attempt the error of `exhausted` is thrown.
 */
export async function retryCompareAndSet<T>(
  attempt: () => Promise<T | null>,
  exhausted: () => Error,
): Promise<T> {
  for (let tries = 0; tries < MAX_CAS_ATTEMPTS; tries += 1) {
    const result = await attempt();
    if (result !== null) {
      return result;
    }
  }
  throw exhausted();
}

/**
 * Writes a change that already happened outside GM (RTM stopped or patched the
 * container) into the runtime record, through {@link retryCompareAndSet}. Each
 * attempt is a compare-and-swap on the status last read; when another writer got in between (the scheduler, a
 * health event) the record is read again and `plan` decides once more — it may
 * throw to refuse the new status. Each CAS runs in a unit of work with
 * `effects` (the operation-log entry, the snapshot), so they commit with the
 * change or not at all. Returns the written record and the one it replaced.
 */
export async function writeExternalChange(input: {
  runtimeRecords: RuntimeRecordStore;
  unitOfWork: UnitOfWork;
  clock: Clock;
  record: RuntimeRecord;
  plan(record: RuntimeRecord): Pick<CompareAndSetInput, "to" | "patch">;
  /** What the change is, for the error when the record never settles ("stopped"). */
  what: string;
  /** Written in the transaction of the winning CAS. */
  effects?(tx: TransactionStores, written: RuntimeRecord, previous: RuntimeRecord): Promise<void>;
}): Promise<{ written: RuntimeRecord; previous: RuntimeRecord }> {
  const { runtimeRecords, clock } = input;
  let record = input.record;
  return retryCompareAndSet(
    async () => {
      const change = input.plan(record);
      const previous = record;
      const written = await input.unitOfWork.run(async (tx) => {
        const changed = await tx.runtimeRecords.compareAndSet({
          gameId: previous.gameId,
          expected: { status: previous.status },
          ...change,
          now: clock.now(),
        });
        if (changed !== null) {
          await input.effects?.(tx, changed, previous);
        }
        return changed;
      });
      if (written !== null) {
        return { written, previous };
      }
      const reread = await runtimeRecords.get(record.gameId);
      if (reread === null) {
        throw new GalaxyError("runtime_not_found", `runtime for game "${record.gameId}" not found`);
      }
      record = reread;
      return null;
    },
    () => new GalaxyError("conflict", `runtime kept changing while it was being ${input.what}`),
  );
}
