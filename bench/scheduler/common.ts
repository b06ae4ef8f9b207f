/** What every row of `pnpm bench:scheduler` shares: paths, the games' shape, small helpers. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `bench/` (the working directory of every spawned process). */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The repository root. */
export const ROOT = resolve(BENCH_DIR, "..");

/** The races of every game (4 players, as in the other benchmarks). */
export const RACES = ["Aelinari", "Borg", "Cylon", "Dalek"] as const;

/** The ids of the N games of a run; every row uses the same ones on its own engine and database. */
export function gameIds(games: number): string[] {
  return Array.from({ length: games }, (_, index) => `bench-${index}`);
}

/** The user playing race number `index` in a game (player mappings and the fake Lobby agree). */
export function userId(gameId: string, index: number): string {
  return `${gameId}-u${index}`;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

/** Polls `check` every `everyMs` until it answers true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A whole-second instant at least `leadMs` ahead: T0, when every game of a row becomes due. */
export function nextT0(leadMs: number): number {
  return Math.ceil((Date.now() + leadMs) / 1000) * 1000;
}

/** A comma-separated list of positive integers from the environment. */
export function intList(value: string | undefined, fallback: string): number[] {
  return (value ?? fallback)
    .split(",")
    .map((item) => Number(item.trim()))
    .filter((item) => Number.isInteger(item) && item > 0);
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

const cleanups = new Set<() => Promise<void>>();

/**
 * Registers what must be undone if the bench is stopped by a signal mid-row (drop the row's
 * database, delete its Redis keys); the returned function unregisters it once the row has
 * cleaned up itself.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Runs every registered cleanup (at most 10 s). */
export async function runInterruptCleanups(): Promise<void> {
  const all = Promise.allSettled([...cleanups].map((cleanup) => cleanup()));
  await Promise.race([all, sleep(10_000)]);
}
