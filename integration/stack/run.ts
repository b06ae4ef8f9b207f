import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { isGameMasterError } from "@galaxy/gamemaster-client";
import { Redis } from "ioredis";
import pg from "pg";
import { gmClient } from "../support/gm.js";
import { requestJson } from "../support/http.js";
import {
  assertBuilt,
  createServices,
  type Service,
  type ServiceName,
  stopServices,
} from "../support/stack.js";
import { waitFor } from "../support/wait.js";

// The local stack behind `bash scripts/stack.sh` / `pnpm stack`: the four apps as the suites
// run them (same wiring, support/stack.ts), on fixed ports, against the local PostgreSQL and
// Redis, with an engine version and a running demo game. Ctrl-C / SIGTERM stops everything.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface StackSettings {
  ports: Record<ServiceName, number>;
  postgresServerUrl: string;
  database: string;
  redisUrl: string;
  redisKeyPrefix: string;
  logLevel: string;
  logDir: string;
  turnSchedule: string;
  schedulerInterval: string;
  demo: boolean;
}

class StackError extends Error {}

function readSettings(env: NodeJS.ProcessEnv): StackSettings {
  const problems: string[] = [];
  const port = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65_535) {
      problems.push(`${name}: "${raw}" is not a port`);
    }
    return value;
  };
  const text = (name: string, fallback: string) => {
    const raw = env[name];
    return raw === undefined || raw === "" ? fallback : raw;
  };
  const settings: StackSettings = {
    ports: {
      gamemaster: port("STACK_GM_PORT", 8080),
      "engine-stub": port("STACK_ENGINE_PORT", 8090),
      "rtm-stub": port("STACK_RTM_PORT", 8091),
      "lobby-stub": port("STACK_LOBBY_PORT", 8092),
    },
    postgresServerUrl: text("STACK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    database: text("STACK_DATABASE", "galaxy_stack"),
    redisUrl: text("STACK_REDIS_URL", "redis://127.0.0.1:6379/0"),
    redisKeyPrefix: text("STACK_REDIS_KEY_PREFIX", "stack:"),
    logLevel: text("STACK_LOG_LEVEL", "info"),
    logDir: text("STACK_LOG_DIR", `${ROOT}.stack/logs`),
    turnSchedule: text("STACK_TURN_SCHEDULE", "0 * * * *"),
    schedulerInterval: text("STACK_SCHEDULER_INTERVAL", "1s"),
    demo: text("STACK_DEMO", "1") !== "0",
  };
  if (!/^[a-z_][a-z0-9_]*$/.test(settings.database)) {
    problems.push(`STACK_DATABASE: "${settings.database}" must match [a-z_][a-z0-9_]*`);
  }
  if (new Set(Object.values(settings.ports)).size !== 4) {
    problems.push("STACK_*_PORT: the four ports must differ");
  }
  if (problems.length > 0) throw new StackError(`invalid settings:\n  ${problems.join("\n  ")}`);
  return settings;
}

const say = (line: string) => process.stdout.write(`[stack] ${line}\n`);

async function assertPortFree(name: ServiceName, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new StackError(
          error.code === "EADDRINUSE"
            ? `port ${port} (${name}) is already in use: stop what listens there (an earlier stack?) or choose another port with STACK_${envPortName(name)}_PORT`
            : `cannot listen on port ${port} (${name}): ${error.message}`,
        ),
      );
    });
    server.listen({ port, host: "0.0.0.0" }, () => server.close(() => resolve()));
  });
}

function envPortName(name: ServiceName): string {
  return { gamemaster: "GM", "engine-stub": "ENGINE", "rtm-stub": "RTM", "lobby-stub": "LOBBY" }[
    name
  ];
}

function redactUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password !== "") url.password = "***";
  return url.toString();
}

/**
 * A fresh database for GM on every start: the stubs keep their state in memory, so runtimes
 * left by an earlier run would belong to games no lobby or engine knows any more.
 */
async function resetDatabase(settings: StackSettings): Promise<string> {
  const client = new pg.Client({
    connectionString: settings.postgresServerUrl,
    connectionTimeoutMillis: 3_000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new StackError(
      `PostgreSQL is not reachable at ${redactUrl(settings.postgresServerUrl)} (${describe(error)}).\n` +
        "  Run `bash scripts/setup.sh` (installs and starts PostgreSQL and Redis), or point\n" +
        "  STACK_POSTGRES_URL at a server whose role may CREATE DATABASE.",
    );
  }
  try {
    await client.query(`DROP DATABASE IF EXISTS "${settings.database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${settings.database}"`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const url = new URL(settings.postgresServerUrl);
  url.pathname = `/${settings.database}`;
  return url.toString();
}

/** Deletes the keys of an earlier run (streams and stream offsets) under the stack's prefix. */
async function resetRedis(settings: StackSettings): Promise<void> {
  const redis = new Redis(settings.redisUrl, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new StackError(
      `Redis is not reachable at ${redactUrl(settings.redisUrl)} (${describe(error)}).\n` +
        "  Run `bash scripts/setup.sh` (installs and starts PostgreSQL and Redis), or set STACK_REDIS_URL.",
    );
  }
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(
        cursor,
        "MATCH",
        `${settings.redisKeyPrefix}*`,
        "COUNT",
        500,
      );
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner) => describe(inner)).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}

async function call(
  method: string,
  url: string,
  body: unknown,
  accept: readonly number[],
): Promise<unknown> {
  const response = await requestJson(method, url, body === undefined ? {} : { body });
  if (!accept.includes(response.status)) {
    throw new StackError(
      `${method} ${url} answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

async function seed(settings: StackSettings, gm: Service, lobby: Service): Promise<void> {
  // 409: already registered (STACK_DATABASE reused by hand) — fine, the image ref stands.
  await gmClient(gm.url)
    .createEngineVersion({ version: "1.0.0", image_ref: "galaxy/game:1.0.0" })
    .catch((error: unknown) => {
      if (!isGameMasterError(error) || error.code !== "conflict") throw error;
    });
  say("engine version 1.0.0 → galaxy/game:1.0.0 registered in GM");
  if (!settings.demo) return;
  await call(
    "POST",
    `${lobby.url}/api/v1/games`,
    {
      game_id: "demo",
      name: "Demo game",
      target_engine_version: "1.0.0",
      turn_schedule: settings.turnSchedule,
    },
    [201],
  );
  for (const member of [
    { user_id: "alice", race_name: "Aelinari" },
    { user_id: "bob", race_name: "Borgh" },
  ]) {
    await call("POST", `${lobby.url}/api/v1/games/demo/members`, member, [201]);
  }
  await call("POST", `${lobby.url}/api/v1/games/demo/start`, undefined, [202]);
  const game = (await waitFor(
    async () => {
      const response = await requestJson<{ status: string; start_error: unknown }>(
        "GET",
        `${lobby.url}/api/v1/games/demo`,
      );
      const status = response.body.status;
      if (status === "start_failed" || status === "paused") {
        throw new StackError(
          `demo game is ${status}: ${JSON.stringify(response.body.start_error)}`,
        );
      }
      return status === "running" ? response.body : undefined;
    },
    { what: "the demo game to run", timeoutMs: 30_000 },
  )) as { status: string };
  say(`demo game "demo" is ${game.status} (alice → Aelinari, bob → Borgh)`);
}

function cheatSheet(settings: StackSettings): string {
  const p = settings.ports;
  const prefix = settings.redisKeyPrefix;
  return `
Galaxy stack is up.
  Console       http://127.0.0.1:${p.gamemaster}/console   (open in a browser; demo game: /console/games/demo)
  Game Master   http://127.0.0.1:${p.gamemaster}   /healthz /readyz /metrics /openapi.json
  Lobby stub    http://127.0.0.1:${p["lobby-stub"]}   /api/v1/games /_stub/metrics
  RTM stub      http://127.0.0.1:${p["rtm-stub"]}   /_stub/calls /_stub/health-events
  Engine stub   http://127.0.0.1:${p["engine-stub"]}   /games/demo/_stub/calls
  State: database ${settings.database}, Redis keys ${prefix}* (reset at every start)
  Logs:  ${settings.logDir}/<service>.log

Play one turn (docs/examples-stack.md walks through it):
  GM=http://127.0.0.1:${p.gamemaster} L=http://127.0.0.1:${p["lobby-stub"]}
  curl -s $L/api/v1/games/demo                                   # lobby view: turn 0, running
  curl -s -X POST $GM/api/v1/internal/games/demo/commands -H 'x-user-id: alice' \\
       -H 'content-type: application/json' -d '{"commands":[{"type":"build","planet":1}]}'
  curl -s -X PUT $GM/api/v1/internal/games/demo/orders -H 'x-user-id: bob' \\
       -H 'content-type: application/json' -d '{"orders":[{"type":"move","fleet":1}]}'
  curl -s -X POST $GM/api/v1/internal/games/demo/runtime/force-next-turn
  curl -s $L/api/v1/games/demo                                   # turn 1, new player stats
  curl -s $GM/api/v1/internal/games/demo/reports/1 -H 'x-user-id: alice'
  redis-cli XRANGE ${prefix}gm:lobby_events - +                   # what GM told the lobby

Operate GM with the galaxy-gm CLI (docs/cli.md):
  export GAMEMASTER_URL=http://127.0.0.1:${p.gamemaster}
  pnpm exec galaxy-gm runtimes list                              # the demo game
  pnpm exec galaxy-gm turns force demo                           # asks first; --yes skips
  pnpm exec galaxy-gm schedule show demo                         # the next tick is skipped
  pnpm exec galaxy-gm ops demo                                   # the operation history

Ctrl-C stops everything.
`;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  assertBuilt(["engine-stub", "rtm-stub", "gamemaster", "lobby-stub"]);
  for (const [name, port] of Object.entries(settings.ports)) {
    await assertPortFree(name as ServiceName, port);
  }
  const postgresUrl = await resetDatabase(settings);
  await resetRedis(settings);
  say(
    `PostgreSQL database ${settings.database} and Redis prefix "${settings.redisKeyPrefix}" are fresh`,
  );

  mkdirSync(settings.logDir, { recursive: true });
  const logFiles: WriteStream[] = [];
  const services = createServices(
    {
      ports: settings.ports,
      postgresUrl,
      redisUrl: settings.redisUrl,
      redisKeyPrefix: settings.redisKeyPrefix,
      logLevel: settings.logLevel,
      overrides: {
        gamemaster: { GAMEMASTER_SCHEDULER_INTERVAL: settings.schedulerInterval },
        // Reachable from other machines of the network like GM and the lobby stub.
        "engine-stub": { ENGINE_STUB_HTTP_HOST: "0.0.0.0" },
        "rtm-stub": { RTM_STUB_HTTP_HOST: "0.0.0.0" },
      },
    },
    (name) => {
      const file = createWriteStream(`${settings.logDir}/${name}.log`, { flags: "w" });
      logFiles.push(file);
      return (chunk) => file.write(chunk);
    },
  );
  const [, , gm, lobby] = services;

  let stopping: Promise<never> | undefined;
  const shutdown = (code: number, reason: string): Promise<never> => {
    stopping ??= (async () => {
      say(`${reason}: stopping every service`);
      const exits = await stopServices(services);
      for (const [name, exit] of Object.entries(exits)) {
        if (exit.code !== 0) say(`${name} exited with ${JSON.stringify(exit)}`);
      }
      await Promise.all(logFiles.map((file) => new Promise((resolve) => file.end(resolve))));
      say("stopped");
      process.exit(code);
    })();
    return stopping;
  };
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches the whole process group at once; only a signal that comes
    // well after the first is someone insisting.
    if (firstSignalAt !== undefined && Date.now() - firstSignalAt < 2_000) return;
    if (firstSignalAt !== undefined) {
      say(`${signal} again: killing what is left`);
      for (const service of services) {
        const child = service.process;
        if (child?.running === true && child.pid !== undefined) {
          try {
            process.kill(child.pid, "SIGKILL");
          } catch {
            // Exited in the meantime.
          }
        }
      }
      process.exit(130);
    }
    firstSignalAt = Date.now();
    void shutdown(0, signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    for (const service of services) {
      await service.start();
      say(`${service.name} is up on ${service.url} (log: ${settings.logDir}/${service.name}.log)`);
    }
    await seed(settings, gm, lobby);
  } catch (error) {
    if (stopping !== undefined) return;
    process.stderr.write(`[stack] start failed: ${describe(error)}\n`);
    await shutdown(1, "start failed");
    return;
  }
  for (const service of services) {
    void service.process?.exited.then((exit) => {
      if (stopping === undefined) {
        process.stderr.write(
          `[stack] ${service.name} exited unexpectedly (${JSON.stringify(exit)}); last output:\n${service.process?.tail(30) ?? ""}\n`,
        );
        void shutdown(1, `${service.name} died`);
      }
    });
  }
  process.stdout.write(cheatSheet(settings));
}

main().catch((error: unknown) => {
  process.stderr.write(`[stack] ${describe(error)}\n`);
  process.exit(1);
});
