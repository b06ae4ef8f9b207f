/**
 * Every server and worker of the bench runs in a process of its own (its own event loop, as
 * deployed), started from the workspace sources with `node --import tsx
 * --conditions=@galaxy/source` like the other benchmarks: after start-up the code is plain
 * JavaScript to V8, and every row pays the same loader overhead.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { BENCH_DIR, sleep } from "./common.js";
import { cpuSeconds, peakRssMb } from "./procstat.js";

const running = new Set<ChildProcess>();

export interface SpawnOptions {
  /** Extra node flags before `--import tsx` (e.g. `--cpu-prof`). */
  nodeArgs?: readonly string[];
  /** Open an IPC channel, for the scripts that talk to the bench (`process.send`). */
  talk?: boolean;
}

/** A spawned node process of the bench. */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  #stderr = "";
  #messages: unknown[] = [];
  #waiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
    options: SpawnOptions = {},
  ) {
    this.child = spawn(
      process.execPath,
      // A built entry runs as deployed (`node dist/main.js`); sources go through tsx.
      script.endsWith(".js")
        ? [...(options.nodeArgs ?? []), script]
        : [...(options.nodeArgs ?? []), "--import", "tsx", "--conditions=@galaxy/source", script],
      {
        cwd: BENCH_DIR,
        env: { ...process.env, ...env },
        // GM (and graphile-worker) log on stdout as deployed; nobody reads every line of a
        // fleet's log, so here they go to /dev/null (the serialisation is still paid).
        stdio: options.talk ? ["ignore", "ignore", "pipe", "ipc"] : ["ignore", "ignore", "pipe"],
      },
    );
    if (this.child.pid === undefined) throw new Error(`could not start ${name}`);
    this.pid = this.child.pid;
    running.add(this.child);
    this.child.on("exit", () => {
      running.delete(this.child);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4_000);
    });
    this.child.on("message", (message) => {
      this.#messages.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** How the process ended and the last few KiB it wrote on stderr. */
  tail(): string {
    const how = this.exited
      ? `exit code ${this.child.exitCode ?? "none"}, signal ${this.child.signalCode ?? "none"}\n`
      : "";
    return `${how}${this.#stderr}`;
  }

  /** Sends a message to the process (`talk` processes). */
  send(message: unknown): void {
    this.child.send(message as object);
  }

  /** The next message of the process (`talk` processes). */
  async receive<T>(timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.#messages.length === 0) {
      if (this.exited) throw new Error(`${this.name} exited:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} said nothing in ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        this.#waiters.push(wake);
        setTimeout(wake, 200).unref();
      });
    }
    return this.#messages.shift() as T;
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  peakRssMb(): number {
    return peakRssMb(this.pid);
  }

  /** SIGTERM (a graceful stop), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    if (this.child.connected) this.child.disconnect();
    const exited = new Promise<void>((done) => this.child.once("exit", () => done()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Waits until `url` answers 200 (a health or readiness path). */
export async function waitForHttp(url: string, owner: NodeProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (owner.exited) throw new Error(`${owner.name} exited:\n${owner.tail()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${owner.name} did not answer ${url} in ${timeoutMs} ms:\n${owner.tail()}`);
}

/** SIGKILLs whatever is still running (the bench is exiting abnormally). */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
}
