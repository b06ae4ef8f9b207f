import { type DestinationStream, type Logger, pino, destination as pinoDestination } from "pino";
import type { LogLevel } from "./config.js";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  /** `GAMEMASTER_INSTANCE_ID`: which replica wrote the line. */
  instanceId: string;
}

/**
 * The service logger: JSON lines on stdout (or `destination`), ISO
 * timestamps, `service: "gamemaster"` and `instance_id` on every line, errors
 * under `err`.
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const pinoOptions = {
    level: options.level,
    base: { service: "gamemaster", instance_id: options.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // Asynchronous stdout: a burst of turns writes thousands of lines, and
  // lines written while one write is in flight go out together in the next
  // (pino flushes what is left when the process exits).
  return pino(pinoOptions, destination ?? pinoDestination({ dest: 1, sync: false }));
}

/**
 * `logger` with `instance_id` bound, unless it already carries one (a logger
 * from {@link createLogger}, or one a test built): every line names its
 * replica without the field appearing twice.
 */
export function withInstanceId(logger: Logger, instanceId: string): Logger {
  return logger.bindings().instance_id === undefined
    ? logger.child({ instance_id: instanceId })
    : logger;
}
