import { pino } from "pino";
import { loadConfig } from "./config.js";
import { startEngineStub } from "./server.js";

const logger = pino({ name: "engine-stub", level: "info" });

async function main(): Promise<void> {
  const config = loadConfig();
  logger.level = config.logLevel;
  const stub = await startEngineStub({
    port: config.port,
    host: config.host,
    finishAtTurn: config.finishAtTurn,
    callsLimit: config.callsLimit,
    logger,
  });
  logger.info(
    { port: stub.port, host: config.host, finish_at_turn: config.finishAtTurn },
    "engine stub listening",
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    stub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "error while closing");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "engine stub failed to start");
  process.exit(1);
});
