import { GalaxyError } from "@galaxy/errors";
import type { RuntimeRecord } from "../domain/runtime-record.js";
import type { Clock } from "../ports/clock.js";
import type { CompareAndSetInput, RuntimeRecordStore } from "../ports/runtime-record-store.js";

const MAX_CAS_ATTEMPTS = 5;

/**
 * Writes a change that already happened outside GM (RTM stopped or patched the
 * container) into the runtime record. Each attempt is a compare-and-swap on the
 * status last read; when another writer got in between (the scheduler, a
 * health event) the record is read again and `plan` decides once more — it may
 * throw to refuse the new status. Returns the written record and the one it
 * replaced.
 */
export async function writeExternalChange(input: {
  runtimeRecords: RuntimeRecordStore;
  clock: Clock;
  record: RuntimeRecord;
  plan(record: RuntimeRecord): Pick<CompareAndSetInput, "to" | "patch">;
  /** What the change is, for the error when the record never settles ("stopped"). */
  what: string;
}): Promise<{ written: RuntimeRecord; previous: RuntimeRecord }> {
  const { runtimeRecords, clock } = input;
  let record = input.record;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
    const change = input.plan(record);
    const written = await runtimeRecords.compareAndSet({
      gameId: record.gameId,
      expected: { status: record.status },
      ...change,
      now: clock.now(),
    });
    if (written !== null) {
      return { written, previous: record };
    }
    const reread = await runtimeRecords.get(record.gameId);
    if (reread === null) {
      throw new GalaxyError("runtime_not_found", `runtime for game "${record.gameId}" not found`);
    }
    record = reread;
  }
  throw new GalaxyError("conflict", `runtime kept changing while it was being ${input.what}`);
}
