/**
 * Row "floor + durable writes": what Game Master's guarantees cost at the least on this machine —
 * the floor's engine loop plus the batched claim, guarded settle, operation log, outbox and relay
 * (writes-floor-runner.ts), on Game Master's schema (its migrations) and the row's own database
 * and Redis prefix. The best of `BENCH_WRITES_SHAPES` (workers × batch) is the row. No Game
 * Master service runs (the row borrows GM's migrations and its relay script only): the gap between
 * this row and GM ×1 is GM's own cost, the gap between the floor and this row the guarantees'.
 */
import { resolve } from "node:path";
import { MIGRATIONS_FOLDER, MIGRATIONS_SCHEMA } from "@galaxy/gamemaster";
import { runMigrations } from "@galaxy/postgres";
import { BENCH_DIR, gameIds, log, nextT0 } from "./common.js";
import { startEngineStub } from "./engine.js";
import { insertGames, scheduleAll, turnTimes, verifyGames } from "./games-sql.js";
import { Meter } from "./meter.js";
import { NodeProcess } from "./processes.js";
import { withRowServers } from "./row-servers.js";
import { bestOfSweep, type RowResult, summarise } from "./stats.js";

const RUNNER = resolve(BENCH_DIR, "scheduler/writes-floor-runner.ts");

export interface WritesShape {
  workers: number;
  batch: number;
}

/** "2x128,4x64" → shapes; anything but a pair of positive integers is left out. */
export function writesShapes(value: string | undefined): WritesShape[] {
  const positive = (part: string | undefined) =>
    /^\d+$/.test(part ?? "") && Number(part) > 0 ? Number(part) : undefined;
  return (value ?? "2x128,4x64").split(",").flatMap((item) => {
    const parts = item.trim().split("x");
    const workers = positive(parts[0]);
    const batch = positive(parts[1]);
    return parts.length === 2 && workers !== undefined && batch !== undefined
      ? [{ workers, batch }]
      : [];
  });
}

async function runShape(games: number, shape: WritesShape, timeoutMs: number): Promise<RowResult> {
  return withRowServers(
    `bench_sched_writes_${games}`,
    async ({ database, redis, sql, started }) => {
      const ids = gameIds(games);
      await runMigrations(sql, {
        migrationsFolder: MIGRATIONS_FOLDER,
        migrationsSchema: MIGRATIONS_SCHEMA,
      });
      const engine = await startEngineStub(ids);
      started.push(engine.process);
      await insertGames(sql, engine.url, ids);
      const runner = new NodeProcess(
        "writes loop",
        RUNNER,
        {
          WRITES_DATABASE_URL: database.url,
          WRITES_REDIS_URL: redis.url,
          WRITES_REDIS_KEY_PREFIX: redis.keyPrefix,
          WRITES_ENGINE_URL: engine.url,
          WRITES_GAMES: String(games),
          WRITES_WORKERS: String(shape.workers),
          WRITES_BATCH: String(shape.batch),
        },
        { talk: true },
      );
      started.push(runner);
      await runner.receive<{ ready: boolean }>(60_000);
      const t0 = nextT0(1_000);
      await scheduleAll(sql, t0);
      const meter = new Meter([runner], engine.process, { sql, name: database.name }, true);
      await meter.start();
      runner.send({ t0 });
      const outcome = await runner.receive<{
        settled: number;
        relayed: number;
        failures: number;
        firstError?: string;
      }>(timeoutMs);
      const measured = await meter.stop();
      const failures = await verifyGames(sql, games);
      if (outcome.failures > 0) {
        failures.push(`${outcome.failures} turns failed (first: ${outcome.firstError ?? "?"})`);
      }
      if (outcome.relayed !== games * 2) {
        failures.push(`${outcome.relayed} outbox rows relayed (expected ${games * 2})`);
      }
      return {
        row: "writes",
        label: `floor + writes (${shape.workers}×${shape.batch})`,
        games,
        ...summarise(t0, await turnTimes(sql)),
        ...measured,
        failures,
      };
    },
  );
}

/** The row at every shape; the row is the one with the most turns/s. */
export async function runWritesFloor(
  games: number,
  shapes: readonly WritesShape[],
  timeoutMs: number,
): Promise<RowResult> {
  if (shapes.length === 0) {
    throw new Error("BENCH_WRITES_SHAPES names no workers×batch pair (e.g. 2x128,4x64)");
  }
  const sweep: Array<{ setting: string; result: RowResult }> = [];
  for (const shape of shapes) {
    log(`  N=${games} floor + durable writes, ${shape.workers} workers × ${shape.batch}`);
    sweep.push({
      setting: `${shape.workers}×${shape.batch}`,
      result: await runShape(games, shape, timeoutMs),
    });
  }
  return bestOfSweep(`floor + writes N=${games}, turns/s by workers × batch`, sweep);
}
