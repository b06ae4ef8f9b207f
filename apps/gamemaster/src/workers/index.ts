import type { Redis } from "ioredis";
import type { GameMasterConfig } from "../config.js";
import type { Lifecycle } from "../lifecycle.js";
import type { GameMasterMetrics } from "../metrics.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { GameMasterAdapters, GameMasterServices } from "../wiring.js";

/** What a background worker gets from the composition root. */
export interface WorkerContext {
  config: GameMasterConfig;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: GameMasterMetrics;
  clock: Clock;
  adapters: GameMasterAdapters;
  services: GameMasterServices;
  /**
   * Opens a dedicated Redis connection (a blocking XREAD must not share the
   * command connection). The composition root closes it at shutdown.
   */
  openRedis(name: string, options?: { commandTimeoutMs?: number }): Redis;
}

/**
 * Starts the background workers after the HTTP listener is up. Each worker
 * registers its stop on `ctx.lifecycle` so that SIGTERM lets it finish its
 * in-flight work. Issue 3 has none yet; the scheduler ticker (issue 4) and
 * the runtime:health_events consumer (issue 5) start here.
 */
export async function startWorkers(_ctx: WorkerContext): Promise<void> {}
