import type { Logger } from "./ports/logger.js";

/** A named step of the graceful shutdown. */
export type ShutdownHook = () => Promise<void> | void;

/**
 * Graceful-shutdown registry. Workers register a hook when they start (the
 * scheduler waits for its in-flight turns, the health consumer stops
 * reading); `shutdown()` runs them while the HTTP listener drains and
 * before the pools close.
 */
export class Lifecycle {
  private readonly hooks: { name: string; run: ShutdownHook; first: boolean }[] = [];

  constructor(private readonly logger: Logger) {}

  /**
   * Registers a hook, run once at shutdown. `first`: run before every hook
   * without it (the scheduler stops claiming before anything else stops).
   */
  onShutdown(name: string, run: ShutdownHook, options: { first?: boolean } = {}): void {
    this.hooks.push({ name, run, first: options.first ?? false });
  }

  /**
   * Runs every hook: those registered with `first`, then the others, each
   * group the last registered first; a failing hook is logged and skipped.
   */
  async shutdown(): Promise<void> {
    const reversed = [...this.hooks].reverse();
    const ordered = [...reversed.filter((hook) => hook.first), ...reversed.filter((h) => !h.first)];
    for (const hook of ordered) {
      try {
        await hook.run();
      } catch (error) {
        this.logger.error({ err: error, hook: hook.name }, "shutdown hook failed");
      }
    }
    this.hooks.length = 0;
  }
}
