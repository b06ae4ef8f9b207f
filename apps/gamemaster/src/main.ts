import { ConfigError, loadConfig } from "./config.js";
import { applyHeapTuning } from "./heap-tuning.js";
import { createLogger } from "./logger.js";
import {
  type GameMasterHandle,
  StartAbortedError,
  type StartStage,
  startGameMaster,
} from "./server.js";

// Composition root of the process: configuration, signals, exit codes. The
// wiring itself lives in startGameMaster so tests can run the same thing.

function readConfig() {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`gamemaster: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
applyHeapTuning(config);
const logger = createLogger({ level: config.logLevel, instanceId: config.instanceId });

// Installed before any start-up work. A SIGTERM while migrating (possibly
// waiting for another replica's migration lock) exits 0 at once: the
// migrations are one transaction and the lock is the connection's, so
// PostgreSQL rolls back and releases both. A SIGTERM later in the start-up
// aborts it at the next step (whatever was opened is closed) and exits 0;
// one after start-up runs the graceful stop. Either way the process is gone
// within GAMEMASTER_SHUTDOWN_TIMEOUT (exit 1 if that runs out).
const abort = new AbortController();
let gm: GameMasterHandle | undefined;
let stage: StartStage | "running" = "migrating";
let stopping = false;

function exitAfterClose(handle: GameMasterHandle): void {
  handle.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    },
  );
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    return;
  }
  stopping = true;
  logger.info(
    {
      signal,
      timeout_ms: config.shutdownTimeoutMs,
      phase: stage,
    },
    "signal received",
  );
  if (stage === "migrating") {
    logger.info({}, "start-up abandoned on signal");
    process.exit(0);
  }
  const forced = setTimeout(() => {
    logger.error({ timeout_ms: config.shutdownTimeoutMs }, "shutdown timed out, forcing exit");
    process.exit(1);
  }, config.shutdownTimeoutMs);
  forced.unref();
  abort.abort();
  if (gm !== undefined) {
    exitAfterClose(gm);
  }
}

process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);

try {
  gm = await startGameMaster(config, {
    logger,
    signal: abort.signal,
    onStage: (next) => {
      stage = next;
    },
  });
  stage = "running";
} catch (error) {
  if (error instanceof StartAbortedError || abort.signal.aborted) {
    logger.info({}, "start-up abandoned on signal");
    process.exit(0);
  }
  logger.fatal({ err: error }, "gamemaster failed to start");
  process.exit(1);
}
if (stopping) {
  // The signal came after the last start-up step had checked it.
  exitAfterClose(gm);
}
