import { setFlagsFromString } from "node:v8";

/**
 * Applies `GAMEMASTER_HEAP_GROWING_PERCENT` to this process's V8. V8 reads
 * the flag at every major GC, so setting it at start-up, before any load,
 * covers the whole life of the process. A long burst of turns promotes a lot
 * of short-lived garbage (each turn lives across several scavenges); with
 * V8's own growth factor (up to 4) the heap then grows to about four times
 * what is live before the next major GC (docs/decisions/086-gm-batch-write-path.md).
 * Returns the flag it set, if any.
 */
export function applyHeapTuning(
  config: { heapGrowingPercent: number },
  setFlags: (flags: string) => void = setFlagsFromString,
): string | undefined {
  if (config.heapGrowingPercent <= 0) {
    return undefined;
  }
  const flag = `--heap-growing-percent=${config.heapGrowingPercent}`;
  setFlags(flag);
  return flag;
}
