import { type ChildProcess, spawn } from "node:child_process";

/** How a child process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link ManagedProcess.start}. */
export interface ManagedProcessOptions {
  /** Short name used in log dumps (`gamemaster`, `lobby-stub`, …). */
  name: string;
  /** Executable; default the running Node binary. */
  command?: string;
  args: readonly string[];
  cwd: string;
  /**
   * The child's whole environment besides PATH and HOME: nothing else leaks in from the test
   * runner, so a variable exported in the developer's shell cannot change what a suite tests.
   */
  env: Readonly<Record<string, string>>;
  /** Receives every chunk of output as it arrives (the local stack writes it to a log file). */
  onOutput?: (chunk: string) => void;
}

// Enough to see why a service failed; a chatty service must not grow the test worker unbounded.
const MAX_LOG_CHARS = 256 * 1024;

// Last resort when the test worker dies without running afterAll (a crash, a hard timeout):
// children are not detached but would outlive it, so kill whatever is still running on exit.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * A child process whose stdout/stderr are captured (bounded) for dumping when a test fails, and
 * whose exit is always awaited: {@link stop} sends SIGTERM, waits, and escalates to SIGKILL.
 */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  #child: ChildProcess;
  #log = "";
  #exit: ProcessExit | undefined;

  readonly #onOutput: ((chunk: string) => void) | undefined;

  private constructor(name: string, child: ChildProcess, onOutput?: (chunk: string) => void) {
    this.name = name;
    this.#child = child;
    this.pid = child.pid;
    this.#onOutput = onOutput;
    live.add(child);
    this.exited = new Promise<ProcessExit>((resolve) => {
      child.once("exit", (code, signal) => {
        live.delete(child);
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      child.once("error", (error) => {
        this.#append("spawn", `${error.message}\n`);
        if (child.pid === undefined) {
          this.#exit = { code: null, signal: null };
          resolve(this.#exit);
        }
      });
    });
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => this.#append("out", chunk));
    child.stderr?.on("data", (chunk: string) => this.#append("err", chunk));
  }

  /** Spawns the process. */
  static start(options: ManagedProcessOptions): ManagedProcess {
    const env: Record<string, string> = { ...options.env };
    for (const key of ["PATH", "HOME"] as const) {
      const value = process.env[key];
      if (value !== undefined && env[key] === undefined) env[key] = value;
    }
    const child = spawn(options.command ?? process.execPath, [...options.args], {
      cwd: options.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new ManagedProcess(options.name, child, options.onOutput);
  }

  /** The exit status once the process has ended, else undefined. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Everything the process wrote (the last {@link MAX_LOG_CHARS} characters). */
  logs(): string {
    return this.#log;
  }

  /** The last `lines` lines of output, for error messages. */
  tail(lines = 40): string {
    return this.#log
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  }

  /**
   * SIGTERM, then wait up to `timeoutMs` for the exit; SIGKILL after that. Resolves with the
   * exit status (the caller decides whether a forced kill fails its test).
   */
  async stop(timeoutMs = 15_000): Promise<ProcessExit> {
    if (this.#exit !== undefined) return this.#exit;
    this.#child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, forced]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      this.#append("harness", `did not exit ${timeoutMs}ms after SIGTERM, sending SIGKILL\n`);
      this.#child.kill("SIGKILL");
      return this.exited;
    }
    return outcome;
  }

  #append(stream: string, chunk: string): void {
    const tagged = stream === "out" ? chunk : chunk.replace(/^(?=.)/gm, `[${stream}] `);
    this.#onOutput?.(tagged);
    this.#log += tagged;
    if (this.#log.length > MAX_LOG_CHARS) {
      this.#log = this.#log.slice(this.#log.length - MAX_LOG_CHARS);
    }
  }
}
