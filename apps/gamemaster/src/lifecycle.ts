import type { Logger } from "./ports/logger.js";

/** A named step of the graceful shutdown. */
export type ShutdownHook = () => Promise<void> | void;

/**
 * Graceful-shutdown registry. Workers register a hook when they start (the
 * scheduler waits for its in-flight turns, the health consumer stops
 * reading); `shutdown()` runs them in reverse registration order after the
 * HTTP listener stopped accepting and before the pools close.
 */
export class Lifecycle {
  private readonly hooks: { name: string; run: ShutdownHook }[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers a hook, run once at shutdown. */
  onShutdown(name: string, run: ShutdownHook): void {
    this.hooks.push({ name, run });
  }

  /** Runs every hook, the last registered first; a failing hook is logged and skipped. */
  async shutdown(): Promise<void> {
    for (const hook of [...this.hooks].reverse()) {
      try {
        await hook.run();
      } catch (error) {
        this.logger.error({ err: error, hook: hook.name }, "shutdown hook failed");
      }
    }
    this.hooks.length = 0;
  }
}
