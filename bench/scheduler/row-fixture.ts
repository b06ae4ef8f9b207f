/** A row result for the bench helpers' tests: only the row, its rate and its failures matter. */
import type { RowKey, RowResult } from "./stats.js";

export function result(row: RowKey, turnsPerSecond: number, failures: string[] = []): RowResult {
  const none = { name: "", cpuSeconds: 0, peakRssMb: 0 };
  return {
    row,
    label: row,
    games: 10_000,
    wallSeconds: 10_000 / turnsPerSecond,
    turnsPerSecond,
    lagP50: 0,
    lagP99: 0,
    lagMax: 0,
    turnP50Ms: 0,
    loadAtT0: 0,
    loadAtEnd: 0,
    runners: [none],
    engine: none,
    postgresCpuSeconds: 0,
    redisCpuSeconds: 0,
    failures,
  };
}
