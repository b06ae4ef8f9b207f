import type { Redis } from "ioredis";

/** Default approximate length cap of {@link xaddFlat}. */
export const DEFAULT_STREAM_MAX_LEN = 10_000;

/**
 * `XADD stream MAXLEN ~ maxLen * k v …` of a flat string record; resolves the new entry id.
 * Trimming is approximate (whole radix-tree nodes), so a stream may hold somewhat more than
 * `maxLen` entries — never fewer.
 */
export async function xaddFlat(
  redis: Redis,
  stream: string,
  fields: Record<string, string>,
  options: { maxLen?: number } = {},
): Promise<string> {
  const maxLen = options.maxLen ?? DEFAULT_STREAM_MAX_LEN;
  if (!Number.isSafeInteger(maxLen) || maxLen < 1) {
    throw new RangeError(`maxLen must be a positive integer, got ${maxLen}`);
  }
  const flat = Object.entries(fields).flat();
  if (flat.length === 0) {
    throw new RangeError("a stream entry needs at least one field");
  }
  const id = await redis.xadd(stream, "MAXLEN", "~", maxLen, "*", ...flat);
  if (id === null) {
    // Only possible with NOMKSTREAM, which is never sent; keeps the type honest.
    throw new Error(`XADD to ${stream} returned no id`);
  }
  return id;
}

/** One stream entry: its id and its fields as a record. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** Turns Redis' flat `[k1, v1, k2, v2, …]` into a record (a repeated field keeps its last value). */
export function fieldsToRecord(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    record[flat[i] as string] = flat[i + 1] as string;
  }
  return record;
}

/** Persists how far each consumer (label) has read. */
export interface StreamOffsetStore {
  /** The last handled entry id of `label`, or `null` when none was saved. */
  load(label: string): Promise<string | null>;
  /** Records `id` as the last handled entry of `label`. */
  save(label: string, id: string): Promise<void>;
}

/** Key of the offset of `label` (the client's `keyPrefix` is added by ioredis). */
export function streamOffsetKey(label: string): string {
  return `stream_offsets:${label}`;
}

/** An offset store keeping each label's offset in the string key `stream_offsets:<label>`. */
export function createStreamOffsetStore(redis: Redis): StreamOffsetStore {
  return {
    async load(label) {
      return redis.get(streamOffsetKey(label));
    },
    async save(label, id) {
      await redis.set(streamOffsetKey(label), id);
    },
  };
}
