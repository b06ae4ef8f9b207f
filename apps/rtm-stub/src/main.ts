import { pino } from "pino";
import { loadConfig } from "./config.js";
import { startRtmStub } from "./server.js";

const logger = pino({ name: "rtm-stub", level: "info" });

async function main(): Promise<void> {
  const config = loadConfig();
  logger.level = config.logLevel;
  const stub = await startRtmStub({
    port: config.port,
    host: config.host,
    redisUrl: config.redisUrl,
    ...(config.keyPrefix === "" ? {} : { keyPrefix: config.keyPrefix }),
    engineBaseUrl: config.engineBaseUrl,
    streams: config.streams,
    logger,
  });
  logger.info(
    {
      port: stub.port,
      host: config.host,
      engine_base_url: config.engineBaseUrl,
      streams: config.streams,
      key_prefix: config.keyPrefix,
    },
    "rtm stub listening",
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
  logger.fatal({ err: error }, "rtm stub failed to start");
  process.exit(1);
});
