import type { Logger } from "../ports/logger.js";
import type { ReconcilePass, RestartReconciler } from "../services/restart-reconciliation.js";

/** Options of {@link startReconcileLoop}. */
export interface ReconcileLoopOptions {
  reconciler: RestartReconciler;
  logger: Logger;
  /** Pause before the next pass while some game is still pending. */
  retryMs: number;
  /** Pause between passes when nothing was pending (catches outcomes that could not be written). */
  sweepMs: number;
  /** How long `firstPass` may hold up the start-up before the loop goes on in the background. */
  firstPassBudgetMs: number;
}

/** A running reconcile loop. */
export interface ReconcileLoop {
  /** Resolves when the first pass is over or its budget has elapsed, whichever is first. */
  readonly firstPass: Promise<void>;
  /** Stops the loop and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs {@link RestartReconciler.reconcileOnce} at start-up and then on a
 * timer: every `retryMs` while a game is pending (its engine did not answer
 * or may still be generating), else every `sweepMs`. Start-up never waits
 * longer than `firstPassBudgetMs` for it.
 */
export function startReconcileLoop(options: ReconcileLoopOptions): ReconcileLoop {
  const { reconciler, logger } = options;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<ReconcilePass | undefined> | undefined;

  const runPass = (): Promise<ReconcilePass | undefined> => {
    const pass = reconciler.reconcileOnce().then(
      (result) => {
        if (result.examined > 0) {
          logger.info(
            { examined: result.examined, pending: result.pending, outcomes: result.outcomes },
            "reconciled interrupted turns",
          );
        }
        return result;
      },
      (error: unknown) => {
        logger.warn({ err: error }, "reconciliation pass failed; retried later");
        return undefined;
      },
    );
    current = pass;
    void pass.then((result) => {
      current = undefined;
      if (stopping) {
        return;
      }
      const delay = result === undefined || result.pending > 0 ? options.retryMs : options.sweepMs;
      timer = setTimeout(() => {
        timer = undefined;
        void runPass();
      }, delay);
    });
    return pass;
  };

  const first = runPass();
  const firstPass = new Promise<void>((resolve) => {
    const budget = setTimeout(() => {
      logger.warn(
        { budget_ms: options.firstPassBudgetMs },
        "reconciliation still running; start-up goes on without it",
      );
      resolve();
    }, options.firstPassBudgetMs);
    void first.then(() => {
      clearTimeout(budget);
      resolve();
    });
  });

  return {
    firstPass,
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
