/**
 * `BENCH_ROUNDS`: the rows of one N run K times, round after round (floor, writes, GM, peer, then
 * again), so that outside load on the shared machine hits every row alike. The table shows each
 * row's median round; the notes show every round, and the ratios round by round (a row against
 * the floor and the peer of the same round), whose median is the figure least moved by the noise.
 */
import type { RowKey, RowResult } from "./stats.js";

/** The median of `values` (the lower middle one for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function figures(values: readonly number[], digits: number): string {
  return values.map((value) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a")).join(", ");
}

export interface RoundsSummary {
  /** Per row, the round with the median turns/s, carrying every round's failures. */
  rows: RowResult[];
  /** One line per row: its rounds, and its ratios round by round. */
  notes: string[];
}

/**
 * `rounds[r]` holds round r's results, one per row, in the same row order every round (all of
 * one N). One round: the results as they are, no notes.
 */
export function summariseRounds(rounds: readonly (readonly RowResult[])[]): RoundsSummary {
  const first = rounds[0] ?? [];
  if (rounds.length <= 1) return { rows: [...first], notes: [] };
  const byRow = new Map<RowKey, RowResult[]>();
  for (const round of rounds) {
    for (const result of round) {
      byRow.set(result.row, [...(byRow.get(result.row) ?? []), result]);
    }
  }
  const sameRound = (row: RowKey, index: number) =>
    rounds[index]?.find((result) => result.row === row);
  const rows: RowResult[] = [];
  const notes: string[] = [];
  for (const [row, results] of byRow) {
    const rates = results.map((result) => result.turnsPerSecond);
    const middle = median(rates);
    const picked = results.find((result) => result.turnsPerSecond === middle) ?? results[0];
    if (picked === undefined) continue;
    rows.push({
      ...picked,
      label: `${picked.label} · median of ${results.length}`,
      failures: results.flatMap((result, index) =>
        result.failures.map((failure) => `round ${index + 1}: ${failure}`),
      ),
    });
    const ratioTo = (base: RowKey) =>
      results.map(
        (result, index) =>
          result.turnsPerSecond / (sameRound(base, index)?.turnsPerSecond ?? Number.NaN),
      );
    const parts = [
      `N=${picked.games} ${picked.label} by round: turns/s ${figures(rates, 0)}; wall s ${figures(
        results.map((result) => result.wallSeconds),
        2,
      )}`,
    ];
    for (const base of ["floor", "peer"] as const) {
      if (row === base || !byRow.has(base)) continue;
      const ratios = ratioTo(base);
      parts.push(`× ${base} ${figures(ratios, 2)} (median ${figures([median(ratios)], 2)})`);
    }
    notes.push(parts.join("; "));
  }
  return { rows, notes };
}
