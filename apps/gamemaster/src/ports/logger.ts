/** Structured log function: an object of fields, then an optional message. */
export type LogFn = (obj: object, msg?: string) => void;

/** The slice of pino services use, so that they can be tested with a silent fake. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  /** Whether lines of `level` are written (pino has it); absent means "assume yes". */
  isLevelEnabled?(level: string): boolean;
}

/** A Logger that writes nothing (tests, tools). */
export const noopLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => noopLogger,
};
