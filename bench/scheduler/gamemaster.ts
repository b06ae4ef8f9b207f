/**
 * Rows "GM ×1" and "GM ×3": Game Master as deployed — `replicas` processes of its real entry
 * point on one database and one Redis, each with its own GAMEMASTER_INSTANCE_ID and port, the
 * environment of a deployment (only what apps/gamemaster/README.md marks required, the
 * isolation prefix, and BENCH_CONCURRENCY / BENCH_GM_LOG_LEVEL when given). The games go
 * straight into the database; the outcome is read back from it.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "@galaxy/testkit";
import type pg from "pg";
import { BENCH_DIR, gameIds, log, nextT0, ROOT, sleep, waitUntil } from "./common.js";
import { startEngineStub } from "./engine.js";
import { insertGames, scheduleAll, turnsLogged, turnTimes, verifyGames } from "./games-sql.js";
import { Meter } from "./meter.js";
import { NodeProcess, waitForHttp } from "./processes.js";
import { withRowServers } from "./row-servers.js";
import { type RowResult, summarise } from "./stats.js";

export interface GameMasterOptions {
  games: number;
  replicas: number;
  /** GAMEMASTER_SCHEDULER_CONCURRENCY per process; GM's default when undefined. */
  concurrency: number | undefined;
  /** GAMEMASTER_LOG_LEVEL; GM's default (info) when undefined. */
  logLevel: string | undefined;
  timeoutMs: number;
  /** Run under `--cpu-prof` and return the profile's path with the row. */
  profile?: boolean;
  /** Another GM entry point (e.g. the build, apps/gamemaster/dist/main.js). */
  entry?: string;
}

/** How long the operation log may stand still before the burst counts as stuck. */
const STALL_MS = 30_000;

/**
 * Waits until every game has a successful turn-generation entry. A burst that stops making
 * progress (no new entry of any kind for {@link STALL_MS}) ends the wait early: the verification
 * then says which games are missing.
 */
async function waitForTurns(
  sql: pg.Pool,
  games: number,
  gms: readonly NodeProcess[],
  timeoutMs: number,
): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  await waitUntil(
    `${games} successful turn-generation entries`,
    async () => {
      const dead = gms.find((gm) => gm.exited);
      if (dead !== undefined) throw new Error(`${dead.name} exited:\n${dead.tail()}`);
      const { succeeded, logged } = await turnsLogged(sql);
      if (logged !== last) {
        last = logged;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange > STALL_MS) {
        log(`    no progress for ${STALL_MS / 1000} s: ${succeeded} of ${games} turns generated`);
        return true;
      }
      return succeeded >= games;
    },
    timeoutMs,
    250,
  );
}

export async function runGameMaster(
  options: GameMasterOptions,
): Promise<{ result: RowResult; profilePath?: string }> {
  const { games, replicas } = options;
  return withRowServers(
    `bench_sched_gm${replicas}_${games}`,
    async ({ database, redis, sql, started }) => {
      const ids = gameIds(games);
      const profileDir = options.profile ? mkdtempSync(join(tmpdir(), "gm-cpu-prof-")) : undefined;
      const engine = await startEngineStub(ids);
      started.push(engine.process);
      const lobbyPort = await freePort();
      const lobby = new NodeProcess("lobby", resolve(BENCH_DIR, "scheduler/lobby-server.ts"), {
        LOBBY_PORT: String(lobbyPort),
      });
      started.push(lobby);
      await waitForHttp(`http://127.0.0.1:${lobbyPort}/healthz`, lobby);

      const entry = options.entry ?? resolve(ROOT, "apps/gamemaster/src/main.ts");
      const gms: NodeProcess[] = [];
      for (let index = 1; index <= replicas; index += 1) {
        const port = await freePort();
        const gm = new NodeProcess(
          replicas === 1 ? "gamemaster" : `gamemaster ${index}`,
          entry,
          {
            GAMEMASTER_HTTP_PORT: String(port),
            GAMEMASTER_POSTGRES_URL: database.url,
            GAMEMASTER_REDIS_URL: redis.url,
            GAMEMASTER_REDIS_KEY_PREFIX: redis.keyPrefix,
            GAMEMASTER_LOBBY_BASE_URL: `http://127.0.0.1:${lobbyPort}`,
            // Never called: no stop or patch happens during a burst.
            GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
            GAMEMASTER_INSTANCE_ID: `bench-gm-${index}`,
            ...(options.concurrency === undefined
              ? {}
              : { GAMEMASTER_SCHEDULER_CONCURRENCY: String(options.concurrency) }),
            ...(options.logLevel === undefined ? {} : { GAMEMASTER_LOG_LEVEL: options.logLevel }),
            // V8 flags of the GM processes only (e.g. heap tuning experiments).
            ...(process.env.BENCH_GM_NODE_OPTIONS
              ? { NODE_OPTIONS: process.env.BENCH_GM_NODE_OPTIONS }
              : {}),
          },
          profileDir === undefined
            ? {}
            : { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] },
        );
        gms.push(gm);
        started.push(gm);
        // /readyz answers once the migrations ran (replicas wait for each other's migration lock).
        await waitForHttp(`http://127.0.0.1:${port}/readyz`, gm);
      }

      log(`    inserting ${games} runtime records and their player mappings`);
      await insertGames(sql, engine.url, ids);
      const t0 = nextT0(1_000);
      await scheduleAll(sql, t0);
      const meter = new Meter(gms, engine.process, { sql, name: database.name }, true);
      await sleep(t0 - Date.now() - 50);
      await meter.start();
      await waitForTurns(sql, games, gms, options.timeoutMs);
      const measured = await meter.stop();
      const failures = await verifyGames(sql, games);
      const result: RowResult = {
        row: options.profile ? "gm1-prof" : replicas === 1 ? "gm1" : "gm3",
        label: `GM ×${replicas}${options.profile ? " (--cpu-prof)" : ""}`,
        games,
        ...summarise(t0, await turnTimes(sql)),
        ...measured,
        failures,
      };
      // A graceful stop: GM exits 0 and node writes the CPU profile on the way out.
      await Promise.all(gms.map((gm) => gm.stop(30_000)));
      const profile =
        profileDir === undefined
          ? undefined
          : readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"));
      return profileDir === undefined || profile === undefined
        ? { result }
        : { result, profilePath: join(profileDir, profile) };
    },
  );
}
