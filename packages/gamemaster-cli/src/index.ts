export {
  buildProgram,
  type CommandContext,
  DEFAULT_URL,
  type GlobalOptions,
  runCli,
} from "./cli.js";
export { CancelledError, EXIT, type ExitCode, exitCodeFor, UsageError } from "./exit-codes.js";
export { type CliIo, confirm, processIo } from "./io.js";
