/**
 * Row "floor": what the engine stub and the machine allow at all — the same N `/admin/turn`
 * calls from a bare loop (floor-runner.ts), at each concurrency of `BENCH_FLOOR_CONCURRENCY`;
 * the best one is the row.
 */
import { resolve } from "node:path";
import { BENCH_DIR, gameIds, log, nextT0 } from "./common.js";
import { startEngineStub } from "./engine.js";
import { Meter } from "./meter.js";
import { NodeProcess } from "./processes.js";
import { bestOfSweep, type RowResult, summarise, type TurnTimes } from "./stats.js";

const RUNNER = resolve(BENCH_DIR, "scheduler/floor-runner.ts");

async function runAt(games: number, concurrency: number, timeoutMs: number): Promise<RowResult> {
  const engine = await startEngineStub(gameIds(games));
  const runner = new NodeProcess(
    "floor loop",
    RUNNER,
    {
      FLOOR_ENGINE_URL: engine.url,
      FLOOR_GAMES: String(games),
      FLOOR_CONCURRENCY: String(concurrency),
    },
    { talk: true },
  );
  try {
    await runner.receive<{ ready: boolean }>(60_000);
    const t0 = nextT0(1_000);
    const meter = new Meter([runner], engine.process);
    await meter.start();
    runner.send({ t0 });
    const result = await runner.receive<TurnTimes & { failures: number; firstError?: string }>(
      timeoutMs,
    );
    const measured = await meter.stop();
    const failures: string[] = [];
    if (result.failures > 0 || result.finishes.length !== games) {
      failures.push(
        `${result.failures} of ${games} engine calls failed (first: ${result.firstError ?? "?"})`,
      );
    }
    return {
      row: "floor",
      label: `floor (c=${concurrency})`,
      games,
      ...summarise(t0, result),
      ...measured,
      failures,
    };
  } finally {
    await runner.stop();
    await engine.process.stop();
  }
}

/** The floor at every concurrency; the row is the one with the most turns/s. */
export async function runFloor(
  games: number,
  concurrencies: readonly number[],
  timeoutMs: number,
): Promise<RowResult> {
  const sweep: Array<{ setting: string; result: RowResult }> = [];
  for (const concurrency of concurrencies) {
    log(`  N=${games} floor, concurrency ${concurrency}`);
    sweep.push({
      setting: String(concurrency),
      result: await runAt(games, concurrency, timeoutMs),
    });
  }
  return bestOfSweep(`floor N=${games}, turns/s by concurrency`, sweep);
}
