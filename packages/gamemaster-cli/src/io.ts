import { createInterface } from "node:readline/promises";
import { CancelledError, UsageError } from "./exit-codes.js";

/** Where the CLI reads and writes; the process's streams outside tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Asks a yes/no question; null when no terminal can answer it. */
  ask(question: string): Promise<boolean | null>;
  env: Readonly<Record<string, string | undefined>>;
}

/** The process's stdin/stdout/stderr and environment. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    ask: async (question) => {
      if (!process.stdin.isTTY) return null;
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
    env: process.env,
  };
}

/**
 * Asks before a destructive command unless `--yes` was given. No terminal
 * to ask on (a script, CI) without `--yes` is a usage error, never a silent yes.
 */
export async function confirm(io: CliIo, yes: boolean, question: string): Promise<void> {
  if (yes) return;
  const answer = await io.ask(question);
  if (answer === null) {
    throw new UsageError(`${question} — needs confirmation: pass --yes (stdin is not a terminal)`);
  }
  if (!answer) throw new CancelledError();
}
