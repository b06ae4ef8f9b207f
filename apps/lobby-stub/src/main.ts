import { pino } from "pino";
import { ConfigError, loadConfig } from "./config.js";
import { startLobbyStub } from "./index.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: "lobby-stub" } });
  const stub = await startLobbyStub({
    port: config.httpPort,
    host: "0.0.0.0",
    gmBaseUrl: config.gmBaseUrl,
    gmTimeoutMs: config.gmTimeoutMs,
    redisUrl: config.redisUrl,
    redisKeyPrefix: config.redisKeyPrefix,
    startJobsStream: config.startJobsStream,
    jobResultsStream: config.jobResultsStream,
    gmEventsStream: config.gmEventsStream,
    notificationIntentsStream: config.notificationIntentsStream,
    logger,
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // A hung dependency must not keep the process alive forever after SIGTERM.
    const deadline = setTimeout(() => {
      logger.error("shutdown timed out");
      process.exit(1);
    }, 10_000);
    deadline.unref();
    stub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`lobby-stub failed to start: ${String(error)}\n`);
  process.exit(1);
});
