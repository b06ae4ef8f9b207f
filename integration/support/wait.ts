/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than `undefined` (or throws nothing when the
 * probe is an assertion), bounded by a deadline. The last value or error is part of the timeout
 * message so a failure says what the system looked like, not only that it was slow.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail =
        last instanceof Error ? last.message : last === undefined ? "" : JSON.stringify(last);
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${options.what}${detail === "" ? "" : `: ${detail}`}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Like {@link waitFor} for an assertion callback: retries until it stops throwing. */
export async function eventually(
  assertion: () => Promise<void> | void,
  options: WaitOptions,
): Promise<void> {
  await waitFor(async () => {
    await assertion();
    return true;
  }, options);
}
