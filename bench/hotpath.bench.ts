/**
 * `pnpm bench:hotpath` — Game Master's player hot path against its floor. Three targets, one run,
 * same machine, interleaved per connection level, each driven by autocannon with the same command:
 *   (a) the engine stub's own command endpoint (no proxy at all),
 *   (b) a bare pass-through Hono proxy using GM's engine client (hotpath/proxy-server.ts),
 *   (c) Game Master's internalExecuteCommands with a warm membership cache.
 * See README.md for what is measured and how the processes are placed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  stopTestServers,
} from "@galaxy/testkit";
import { serve } from "@hono/node-server";
import autocannon from "autocannon";
import { Hono } from "hono";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
/** Rounds of the whole grid; with more than one, every cell is the median of its rounds. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,16,64")
  .split(",")
  .map((value) => Number(value.trim()))
  .filter((value) => Number.isInteger(value) && value > 0);
const GM_LOG_LEVEL = process.env.BENCH_GM_LOG_LEVEL ?? "info";
/** Subset of targets to time, e.g. `bc` while profiling (default all: a, b, w = b′, c, d). */
const ONLY = new Set((process.env.BENCH_TARGETS ?? "abwcd").split(""));

const GAME_ID = "bench-1";
const PLAYERS = 8;
const USER_ID = "user-1";
const RACE = "Race1";
/** The same engine-defined command in every target's request. */
const COMMANDS = [{ type: "rename_planet", planet: 17, name: "Nova" }];

interface Target {
  /** Letter for BENCH_TARGETS; shown as `label`. */
  key: "a" | "b" | "w" | "c" | "d";
  label: string;
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface Measurement {
  target: Target;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  failures: number;
  /** CPU milliseconds per 1 000 answered requests, by process (Linux /proc only). */
  cpu: Record<string, number>;
}

/** utime + stime of a process in milliseconds (Linux), or NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may contain spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** CPU of every PostgreSQL process of the machine, by pid (the server is shared: others add noise). */
function postgresCpuMs(): Map<number, number> {
  const byPid = new Map<number, number>();
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/stat`, "utf8").includes("(postgres)")) {
          byPid.set(Number(entry), processCpuMs(Number(entry)));
        }
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return byPid;
}

/** CPU milliseconds consumed so far, per process of a probe (several for PostgreSQL). */
const cpuProbes: Record<string, () => Map<number, number>> = {};

function sampleCpu(): Record<string, Map<number, number>> {
  const sample: Record<string, Map<number, number>> = {};
  for (const [name, probe] of Object.entries(cpuProbes)) sample[name] = probe();
  return sample;
}

/** CPU used between two samples; processes that started meanwhile count from 0. */
function cpuDelta(before: Map<number, number> | undefined, after: Map<number, number>): number {
  if (after.size === 0) return Number.NaN;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before?.get(pid) ?? 0);
  return total;
}

const children: ChildProcess[] = [];

function startChild(name: string, script: string, env: Record<string, string>): ChildProcess {
  // Every server gets its own process (and event loop), so none of them competes with the load
  // generator in this one. tsx runs the workspace sources (no build step); after start-up the
  // code is plain JavaScript to V8.
  const profile = process.env.BENCH_PROFILE_DIR;
  // BENCH_PROFILE_DIR: V8 CPU profiles of the proxy and of GM, one folder each, for comparing them.
  const profiling =
    profile !== undefined && (name === "gamemaster" || name === "proxy")
      ? ["--cpu-prof", `--cpu-prof-dir=${resolve(profile, name)}`]
      : [];
  const args = [...profiling, "--import", "tsx", "--conditions=@galaxy/source", script];
  const child = spawn(process.execPath, args, {
    cwd: HERE,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${code ?? signal}):\n${stderr}\n`);
    }
  });
  children.push(child);
  const pid = child.pid;
  if (pid !== undefined) cpuProbes[name] = () => new Map([[pid, processCpuMs(pid)]]);
  return child;
}

let stopping = false;

async function waitForHealth(url: string, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${name} did not become healthy at ${url}`);
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} → ${response.status} ${text}`);
  return text;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function run(target: Target, connections: number, durationS: number): Promise<Measurement> {
  return new Promise((done, fail) => {
    const latencies: number[] = [];
    const cpuBefore = sampleCpu();
    const instance = autocannon(
      {
        url: target.url,
        method: "POST",
        headers: { "content-type": "application/json", ...target.headers },
        body: target.body,
        connections,
        duration: durationS,
        timeout: 10,
      },
      (error, result) => {
        if (error !== null) {
          fail(error);
          return;
        }
        const cpuAfter = sampleCpu();
        const perThousand = (ms: number) => (ms * 1000) / Math.max(1, result["2xx"]);
        const cpu: Record<string, number> = {};
        for (const [name, after] of Object.entries(cpuAfter)) {
          cpu[name] = perThousand(cpuDelta(cpuBefore[name], after));
        }
        const sorted = Float64Array.from(latencies).sort();
        const sum = latencies.reduce((total, value) => total + value, 0);
        done({
          target,
          connections,
          rps: result["2xx"] / result.duration,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          mean: latencies.length === 0 ? Number.NaN : sum / latencies.length,
          failures: result.errors + result.timeouts + result.non2xx,
          cpu,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, ms) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** One cell of the table from its rounds: the median of each figure, failures summed. */
function medianOf(measurements: readonly Measurement[]): Measurement {
  const [first] = measurements;
  if (first === undefined) throw new Error("no measurement");
  const cpu: Record<string, number> = {};
  for (const name of Object.keys(first.cpu)) {
    cpu[name] = median(measurements.map((m) => m.cpu[name] ?? Number.NaN));
  }
  return {
    target: first.target,
    connections: first.connections,
    rps: median(measurements.map((m) => m.rps)),
    p50: median(measurements.map((m) => m.p50)),
    p99: median(measurements.map((m) => m.p99)),
    mean: median(measurements.map((m) => m.mean)),
    failures: measurements.reduce((total, m) => total + m.failures, 0),
    cpu,
  };
}

function fmt(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

async function main(): Promise<void> {
  cpuProbes["load generator"] = () => {
    const usage = process.cpuUsage();
    return new Map([[process.pid, (usage.user + usage.system) / 1000]]);
  };
  cpuProbes.postgres = postgresCpuMs;
  const database = await createIsolatedDatabase("bench_hotpath");
  const redis = await createIsolatedRedis("bench_hotpath");

  // A fake Lobby in this process: GM asks it once (the first request fills the membership cache).
  const lobbyCalls = { count: 0 };
  const lobbyApp = new Hono();
  lobbyApp.get("/api/v1/internal/games/:gameId/memberships", (c) => {
    lobbyCalls.count += 1;
    return c.json({
      memberships: Array.from({ length: PLAYERS }, (_, index) => ({
        user_id: `user-${index + 1}`,
        race_name: `Race${index + 1}`,
        status: "active",
      })),
    });
  });
  const lobby = await new Promise<ReturnType<typeof serve>>((ready) => {
    const server = serve({ fetch: lobbyApp.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      ready(server),
    );
  });
  const lobbyUrl = `http://127.0.0.1:${(lobby.address() as AddressInfo).port}`;

  const [enginePort, proxyPort, gmPort, gmStrictPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const engineUrl = `http://127.0.0.1:${enginePort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const gmUrl = `http://127.0.0.1:${gmPort}`;
  const gmStrictUrl = `http://127.0.0.1:${gmStrictPort}`;
  const gmEnv = {
    GAMEMASTER_POSTGRES_URL: database.url,
    GAMEMASTER_REDIS_URL: redis.url,
    GAMEMASTER_REDIS_KEY_PREFIX: redis.keyPrefix,
    GAMEMASTER_LOBBY_BASE_URL: lobbyUrl,
    GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
    GAMEMASTER_LOG_LEVEL: GM_LOG_LEVEL,
  };
  const gmEntry = process.env.BENCH_GM_ENTRY ?? resolve(ROOT, "apps/gamemaster/src/main.ts");

  try {
    startChild("engine stub", resolve(ROOT, "apps/engine-stub/src/main.ts"), {
      ENGINE_STUB_HTTP_PORT: String(enginePort),
      ENGINE_STUB_HTTP_HOST: "127.0.0.1",
      ENGINE_STUB_CALLS_LIMIT: "100",
      LOG_LEVEL: "warn",
    });
    startChild("proxy", resolve(HERE, "hotpath/proxy-server.ts"), {
      PROXY_PORT: String(proxyPort),
      PROXY_ENGINE_URL: engineUrl,
      PROXY_ACTOR: RACE,
    });
    startChild("gamemaster", gmEntry, { ...gmEnv, GAMEMASTER_HTTP_PORT: String(gmPort) });
    await Promise.all([
      waitForHealth(engineUrl, "engine stub"),
      waitForHealth(proxyUrl, "proxy"),
      waitForHealth(gmUrl, "gamemaster"),
    ]);
    // A second GM on the same database, started once the first has migrated it: the runtime
    // cache off, so every request reads PostgreSQL (what decision 061 trades away).
    startChild("gamemaster, no runtime cache", gmEntry, {
      ...gmEnv,
      GAMEMASTER_HTTP_PORT: String(gmStrictPort),
      GAMEMASTER_RUNTIME_CACHE_TTL: "0",
    });
    await waitForHealth(gmStrictUrl, "gamemaster, no runtime cache");

    // A running game through GM's own register-runtime (engine /admin/init on the stub). The
    // schedule fires once a year, so no turn generation interferes with the runs.
    await post(`${gmUrl}/api/v1/internal/engine-versions`, {
      version: "1.0.0",
      image_ref: "galaxy/game:1.0.0",
    });
    await post(
      `${gmUrl}/api/v1/internal/games/${GAME_ID}/runtime`,
      {
        engine_endpoint: `${engineUrl}/games/${GAME_ID}`,
        members: Array.from({ length: PLAYERS }, (_, index) => ({
          user_id: `user-${index + 1}`,
          race_name: `Race${index + 1}`,
        })),
        target_engine_version: "1.0.0",
        turn_schedule: "0 0 1 1 *",
      },
      { "x-op-source": "lobby_internal" },
    );

    const targets: Target[] = [
      {
        key: "a",
        label: "a",
        name: "engine stub direct",
        url: `${engineUrl}/games/${GAME_ID}/api/v1/command`,
        headers: {},
        body: JSON.stringify({ actor: RACE, cmd: COMMANDS }),
      },
      {
        key: "b",
        label: "b",
        name: "bare proxy (floor)",
        url: `${proxyUrl}/games/${GAME_ID}/commands`,
        headers: {},
        body: JSON.stringify({ commands: COMMANDS }),
      },
      {
        key: "w",
        label: "b′",
        name: "bare proxy, c.req.json()",
        url: `${proxyUrl}/games/${GAME_ID}/commands-web`,
        headers: {},
        body: JSON.stringify({ commands: COMMANDS }),
      },
      {
        key: "c",
        label: "c",
        name: "Game Master",
        url: `${gmUrl}/api/v1/internal/games/${GAME_ID}/commands`,
        headers: { "x-user-id": USER_ID, "x-op-source": "gateway" },
        body: JSON.stringify({ commands: COMMANDS }),
      },
      {
        key: "d",
        label: "d",
        name: "GM, runtime cache off",
        url: `${gmStrictUrl}/api/v1/internal/games/${GAME_ID}/commands`,
        headers: { "x-user-id": USER_ID, "x-op-source": "gateway" },
        body: JSON.stringify({ commands: COMMANDS }),
      },
    ];

    // Every target must answer the same thing before it is timed.
    for (const target of targets) {
      const response = await fetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...target.headers },
        body: target.body,
      });
      const text = await response.text();
      if (response.status !== 200 || !text.includes(`"actor":"${RACE}"`)) {
        throw new Error(`${target.name} answered ${response.status} ${text}`);
      }
    }

    process.stdout.write(
      `hot path bench: ${DURATION_S}s per run, ${ROUNDS} round(s), connections ${CONNECTIONS.join("/")}, GM log level ${GM_LOG_LEVEL}, node ${process.version}\n`,
    );
    const timed = targets.filter((target) => ONLY.has(target.key));
    for (const target of timed) {
      await run(target, 16, WARMUP_S); // JIT, pools, caches
    }
    const lobbyCallsBefore = lobbyCalls.count;

    const rounds: Measurement[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const connections of CONNECTIONS) {
        for (const target of timed) {
          const measurement = await run(target, connections, DURATION_S);
          rounds.push(measurement);
          process.stdout.write(
            `  ${ROUNDS > 1 ? `round ${round} ` : ""}(${target.label}) ${target.name.padEnd(24)} c=${String(connections).padStart(2)}  ${fmt(measurement.rps, 0).padStart(6)} req/s  p50 ${fmt(measurement.p50, 2)} ms  p99 ${fmt(measurement.p99, 2)} ms${measurement.failures > 0 ? `  FAILURES ${measurement.failures}` : ""}\n`,
          );
        }
      }
    }
    const results = CONNECTIONS.flatMap((connections) =>
      timed.map((target) =>
        medianOf(rounds.filter((m) => m.connections === connections && m.target === target)),
      ),
    );

    const lines = [
      "",
      "| connections | target | req/s | p50 ms | p99 ms | mean ms | failures |",
      "|---:|---|---:|---:|---:|---:|---:|",
      ...results.map(
        (m) =>
          `| ${m.connections} | (${m.target.label}) ${m.target.name} | ${fmt(m.rps, 0)} | ${fmt(m.p50, 2)} | ${fmt(m.p99, 2)} | ${fmt(m.mean, 2)} | ${m.failures} |`,
      ),
      "",
      "CPU ms per 1 000 answered requests, by process (PostgreSQL: every backend of the shared server):",
      "",
      `| connections | target | ${Object.keys(cpuProbes).join(" | ")} |`,
      `|---:|---|${Object.keys(cpuProbes)
        .map(() => "---:")
        .join("|")}|`,
      ...results.map(
        (m) =>
          `| ${m.connections} | (${m.target.label}) | ${Object.keys(cpuProbes)
            .map((name) => fmt(m.cpu[name] ?? Number.NaN, 0))
            .join(" | ")} |`,
      ),
      "",
      "| connections | c/b req/s | c/a req/s | b/a req/s | d/b req/s | c/b′ req/s | p50 c−b ms | p99 c−b ms |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...CONNECTIONS.map((connections) => {
        const of = (key: Target["key"]) =>
          results.find((m) => m.connections === connections && m.target.key === key);
        const [a, b, w, c, d] = [of("a"), of("b"), of("w"), of("c"), of("d")];
        const ratio = (x: Measurement | undefined, y: Measurement | undefined) =>
          x === undefined || y === undefined ? "n/a" : fmt(x.rps / y.rps, 2);
        const delta = (x: number | undefined, y: number | undefined) =>
          x === undefined || y === undefined ? "n/a" : fmt(x - y, 2);
        return `| ${connections} | ${ratio(c, b)} | ${ratio(c, a)} | ${ratio(b, a)} | ${ratio(d, b)} | ${ratio(c, w)} | ${delta(c?.p50, b?.p50)} | ${delta(c?.p99, b?.p99)} |`;
      }),
      "",
      `Lobby calls during the timed runs: ${lobbyCalls.count - lobbyCallsBefore} (membership cache warm; one reload per GAMEMASTER_MEMBERSHIP_CACHE_TTL, default 30 s, per GM).`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
    if (results.some((m) => m.failures > 0)) process.exitCode = 1;
  } finally {
    stopping = true;
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            setTimeout(() => {
              child.kill("SIGKILL");
              done();
            }, 5_000).unref();
          }),
      ),
    );
    lobby.close();
    await redis.cleanup().catch(() => undefined);
    await database.drop().catch((error: unknown) => {
      process.stderr.write(`could not drop ${database.name}: ${String(error)}\n`);
    });
  }
}

try {
  await main();
} finally {
  // The PostgreSQL and Redis containers of a Docker run go with the bench.
  await stopTestServers();
}
