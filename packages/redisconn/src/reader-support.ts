import type { Redis } from "ioredis";

/**
 * Refuses a reader connection whose command timeout would cut its own
 * blocking read short (every `XREAD BLOCK` would then fail as a timeout).
 */
export function assertBlockingConnection(redis: Redis, blockMs: number): void {
  const commandTimeout = redis.options.commandTimeout;
  if (typeof commandTimeout === "number" && commandTimeout <= blockMs) {
    throw new Error(
      `the reader connection's commandTimeout (${commandTimeout} ms) must exceed blockMs (${blockMs} ms)`,
    );
  }
}

/** A retry pause that `stop()` can cut short, so a stopping reader does not sit out its delay. */
export class InterruptiblePause {
  #wake: (() => void) | undefined;

  /** Resolves after `ms`, or at once when {@link InterruptiblePause.interrupt} is called. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wake = finish;
    });
  }

  /** Ends the pause in progress, if any. */
  interrupt(): void {
    this.#wake?.();
  }
}
