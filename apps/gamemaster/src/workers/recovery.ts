import type { Logger } from "../ports/logger.js";
import type { LeaseRecovery, RecoverySweep } from "../services/turn-engine/recover.js";

/** Options of {@link startRecoveryLoop}. */
export interface RecoveryLoopOptions {
  recovery: LeaseRecovery;
  logger: Logger;
  /** `GAMEMASTER_RECOVERY_INTERVAL`: pause between two sweeps. */
  intervalMs: number;
  /** How long `firstSweep` may hold up the start-up before the loop goes on in the background. */
  firstSweepBudgetMs: number;
}

/** A running recovery loop. */
export interface RecoveryLoop {
  /** Resolves when the first sweep is over or its budget has elapsed, whichever is first. */
  readonly firstSweep: Promise<void>;
  /** Stops the loop and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Runs {@link LeaseRecovery.sweep} at start-up and then every `intervalMs`,
 * on every instance: a game whose instance died is recovered by whichever
 * live instance sweeps first, within the lease plus one interval.
 * Sweeps never overlap; a failed one is logged and the next one retries.
 */
export function startRecoveryLoop(options: RecoveryLoopOptions): RecoveryLoop {
  const { recovery, logger } = options;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<RecoverySweep | undefined> | undefined;

  const runSweep = (): Promise<RecoverySweep | undefined> => {
    const sweep = recovery.sweep().then(
      (result) => {
        if (result.examined > 0) {
          logger.info(
            { examined: result.examined, outcomes: result.outcomes },
            "recovered games whose lease expired",
          );
        }
        return result;
      },
      (error: unknown) => {
        logger.warn({ err: error }, "recovery sweep failed; retried at the next interval");
        return undefined;
      },
    );
    current = sweep;
    void sweep.then(() => {
      current = undefined;
      if (stopping) {
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        void runSweep();
      }, options.intervalMs);
    });
    return sweep;
  };

  const first = runSweep();
  const firstSweep = new Promise<void>((resolve) => {
    const budget = setTimeout(() => {
      logger.warn(
        { budget_ms: options.firstSweepBudgetMs },
        "recovery still running; start-up goes on without it",
      );
      resolve();
    }, options.firstSweepBudgetMs);
    void first.then(() => {
      clearTimeout(budget);
      resolve();
    });
  });

  return {
    firstSweep,
    async stop() {
      stopping = true;
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      await current;
    },
  };
}
