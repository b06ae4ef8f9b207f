import {
  createGameMasterClient,
  type GameMasterClient,
  isGameMasterError,
} from "@galaxy/gamemaster-client";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { registerCommands } from "./commands.js";
import { CancelledError, EXIT, type ExitCode, exitCodeFor, UsageError } from "./exit-codes.js";
import type { CliIo } from "./io.js";

/** GM's URL when neither `--url` nor `GAMEMASTER_URL` says otherwise (the local stack's). */
export const DEFAULT_URL = "http://127.0.0.1:8080";

/** The global options every command sees. */
export interface GlobalOptions {
  url: string;
  json?: boolean;
  yes?: boolean;
  timeout: number;
  sourceRef?: string;
}

/** What a command's action gets. */
export interface CommandContext {
  gm: GameMasterClient;
  io: CliIo;
  options: GlobalOptions;
  /** Prints `value` as JSON (`--json`) or `human()` otherwise. */
  print(value: unknown, human: () => string): void;
}

/** Parses a positive integer option (`--limit 5`). */
export function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError("must be a positive integer");
  }
  return parsed;
}

/**
 * Builds the galaxy-gm program. `run` wraps each action: it builds the GM
 * client from the global options and turns failures into exit codes.
 */
export function buildProgram(io: CliIo, setExit: (code: ExitCode) => void): Command {
  const program = new Command("galaxy-gm");
  program
    .description(
      "Operate Galaxy Game Master: runtimes, turns, engine versions, schedules and the operation log.",
    )
    .version("0.1.0")
    .addOption(
      new Option("--url <url>", "Game Master base URL")
        .env("GAMEMASTER_URL")
        .default(io.env.GAMEMASTER_URL ?? DEFAULT_URL),
    )
    .option("--json", "print JSON instead of tables (for scripts)")
    .option("-y, --yes", "do not ask before destructive commands")
    .addOption(
      new Option("--timeout <ms>", "per-request timeout in milliseconds")
        .argParser(positiveInt)
        .default(30_000),
    )
    .addOption(
      new Option(
        "--source-ref <ref>",
        "X-Source-Ref kept in GM's operation log (e.g. a ticket)",
      ).env("GAMEMASTER_SOURCE_REF"),
    )
    .showHelpAfterError("(add --help for usage)")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 2 usage error, 3 refused by GM (4xx), 4 GM outage (5xx or unreachable),
5 cancelled at the prompt, 1 unexpected.

Examples:
  galaxy-gm runtimes list
  galaxy-gm schedule show demo-1
  galaxy-gm turns force demo-1 --yes
  galaxy-gm ops demo-1 --json`,
    );

  const run =
    <A extends unknown[]>(action: (ctx: CommandContext, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const options = program.opts<GlobalOptions>();
      const gm = createGameMasterClient({
        baseUrl: options.url,
        opSource: "admin_rest",
        timeoutMs: options.timeout,
        ...(options.sourceRef === undefined ? {} : { sourceRef: options.sourceRef }),
      });
      const ctx: CommandContext = {
        gm,
        io,
        options,
        print: (value, human) =>
          io.out(options.json === true ? `${JSON.stringify(value, null, 2)}\n` : human()),
      };
      try {
        await action(ctx, ...args);
        setExit(EXIT.ok);
      } catch (error) {
        setExit(report(io, options.json === true, error));
      }
    };

  registerCommands(program, run);
  return program;
}

function report(io: CliIo, json: boolean, error: unknown): ExitCode {
  if (isGameMasterError(error)) {
    if (json) {
      io.err(`${JSON.stringify({ error: { code: error.remoteCode, message: error.message } })}\n`);
    } else {
      io.err(`galaxy-gm: ${error.remoteCode}: ${error.message}\n`);
    }
    return exitCodeFor(error);
  }
  if (error instanceof UsageError) {
    io.err(`galaxy-gm: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof CancelledError) {
    io.err("galaxy-gm: cancelled, nothing was changed\n");
    return EXIT.cancelled;
  }
  io.err(
    `galaxy-gm: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.unexpected;
}

/** Runs galaxy-gm with `argv` (without `node` and the script) and resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; everything else is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}
