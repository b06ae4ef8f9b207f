/** A Redis stream entry id `<ms>-<seq>`, as two integers. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

const STREAM_ID = /^(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$/;

/** Parses `<ms>-<seq>`; null for anything else. */
export function parseStreamId(id: string): StreamId | null {
  const match = STREAM_ID.exec(id);
  if (match === null) {
    return null;
  }
  return { ms: BigInt(match[1] as string), seq: BigInt(match[2] as string) };
}

/**
 * Orders two stream ids the way Redis does (by time, then sequence): negative
 * when `a` is older, 0 when equal, positive when newer. `''` (none yet) is
 * older than every id. An id that does not parse throws.
 */
export function compareStreamIds(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  if (a === "") {
    return -1;
  }
  if (b === "") {
    return 1;
  }
  const left = parseStreamId(a);
  const right = parseStreamId(b);
  if (left === null || right === null) {
    throw new RangeError(`not a stream id: ${left === null ? a : b}`);
  }
  if (left.ms !== right.ms) {
    return left.ms < right.ms ? -1 : 1;
  }
  return left.seq < right.seq ? -1 : left.seq > right.seq ? 1 : 0;
}
