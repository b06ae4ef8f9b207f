/** The figures of one row, computed the same way from every row's per-turn timestamps. */
export type RowKey = "floor" | "writes" | "gm1" | "gm3" | "peer" | "gm1-prof";

/** One process of a row, sampled around the burst. */
export interface ProcessFigures {
  name: string;
  /** CPU seconds from just before T0 until the last outcome was seen. */
  cpuSeconds: number;
  /** Peak RSS over the process's life, MiB. */
  peakRssMb: number;
}

export interface RowResult {
  row: RowKey;
  label: string;
  games: number;
  /** T0 → the last outcome. */
  wallSeconds: number;
  /** N / (last outcome − first turn start): the drain rate, without the pickup phase. */
  turnsPerSecond: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** Median time one turn took, its start → its outcome. */
  turnP50Ms: number;
  /** The machine's 1-minute load average at T0 and at the last outcome. */
  loadAtT0: number;
  loadAtEnd: number;
  /** The scheduling side: the floor's loop, each GM, the graphile-worker process. */
  runners: ProcessFigures[];
  engine: ProcessFigures;
  /** The row's own PostgreSQL backends (NaN: the row has no database). */
  postgresCpuSeconds: number;
  /** The machine's Redis server, whoever used it (NaN: the row does not use Redis). */
  redisCpuSeconds: number;
  /** A remark printed under the table (e.g. the floor's concurrency sweep). */
  note?: string;
  /** Verification failures: any makes the bench exit non-zero. */
  failures: string[];
}

/** Per-turn timestamps of a row, epoch milliseconds. */
export interface TurnTimes {
  starts: readonly number[];
  finishes: readonly number[];
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function extreme(values: readonly number[], pick: (a: number, b: number) => number): number {
  let result = Number.NaN;
  for (const value of values) result = Number.isNaN(result) ? value : pick(result, value);
  return result;
}

/** Wall time, drain rate, lag (turn start − T0) and turn duration of a row. */
export function summarise(t0: number, times: TurnTimes) {
  const firstStart = extreme(times.starts, Math.min);
  const lastFinish = extreme(times.finishes, Math.max);
  const lags = times.starts.map((start) => (start - t0) / 1000).sort((a, b) => a - b);
  const durations = times.finishes
    .map((finish, index) => finish - (times.starts[index] ?? Number.NaN))
    .sort((a, b) => a - b);
  return {
    wallSeconds: (lastFinish - t0) / 1000,
    turnsPerSecond: times.finishes.length / Math.max(0.001, (lastFinish - firstStart) / 1000),
    lagP50: percentile(lags, 50),
    lagP99: percentile(lags, 99),
    lagMax: lags[lags.length - 1] ?? Number.NaN,
    turnP50Ms: percentile(durations, 50),
  };
}

/**
 * A row measured at several settings (the floor's concurrencies, the writes row's shapes): the
 * result with the most turns/s, every setting's failures, and the sweep as a note.
 */
export function bestOfSweep(
  title: string,
  sweep: ReadonlyArray<{ setting: string; result: RowResult }>,
): RowResult {
  const first = sweep[0];
  if (first === undefined) throw new Error(`${title}: no setting to measure`);
  const best = sweep.reduce((a, b) => (b.result.turnsPerSecond > a.result.turnsPerSecond ? b : a));
  return {
    ...best.result,
    failures: sweep.flatMap(({ result }) => result.failures.map((f) => `${result.label}: ${f}`)),
    note: `${title}: ${sweep
      .map(({ setting, result }) => `${setting} → ${result.turnsPerSecond.toFixed(0)}`)
      .join(", ")}`,
  };
}
