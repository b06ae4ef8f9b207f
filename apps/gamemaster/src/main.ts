import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { startGameMaster } from "./server.js";

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
const logger = createLogger(config.logLevel);

try {
  const gm = await startGameMaster(config, { logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal, timeout_ms: config.shutdownTimeoutMs }, "signal received");
    const forced = setTimeout(() => {
      logger.error({ timeout_ms: config.shutdownTimeoutMs }, "shutdown timed out, forcing exit");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    forced.unref();
    gm.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} catch (error) {
  logger.fatal({ err: error }, "gamemaster failed to start");
  process.exit(1);
}
