/** The markdown table of `pnpm bench:scheduler`. */
import type { ProcessFigures, RowResult } from "./stats.js";

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** CPU seconds of one or more processes: the sum, and each one when there are several. */
function cpu(processes: readonly ProcessFigures[]): string {
  const total = processes.reduce((sum, process) => sum + process.cpuSeconds, 0);
  if (processes.length === 1) return fixed(total, 1);
  return `${fixed(total, 1)} (${processes.map((process) => fixed(process.cpuSeconds, 1)).join(" + ")})`;
}

function rss(processes: readonly ProcessFigures[]): string {
  return processes.map((process) => fixed(process.peakRssMb, 0)).join(" / ");
}

function ratio(row: RowResult, base: RowResult | undefined): string {
  return base === undefined ? "–" : fixed(row.turnsPerSecond / base.turnsPerSecond, 2);
}

const HEADER = [
  "N",
  "row",
  "wall s",
  "turns/s",
  "× floor",
  "× peer",
  "lag p50 s",
  "lag p99 s",
  "lag max s",
  "turn p50 ms",
  "runner CPU s",
  "runner RSS MiB",
  "engine CPU s",
  "engine RSS MiB",
  "PostgreSQL CPU s",
  "Redis CPU s",
  "load",
];
const RIGHT = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

export function markdownTable(results: readonly RowResult[]): string {
  const rows = results.map((row) => {
    const sameN = results.filter((other) => other.games === row.games);
    const floor = sameN.find((other) => other.row === "floor");
    const peer = sameN.find((other) => other.row === "peer");
    return [
      row.games.toLocaleString("en-US"),
      row.label,
      fixed(row.wallSeconds, 2),
      fixed(row.turnsPerSecond, 0),
      ratio(row, floor),
      ratio(row, peer),
      fixed(row.lagP50, 3),
      fixed(row.lagP99, 3),
      fixed(row.lagMax, 3),
      fixed(row.turnP50Ms, 1),
      cpu(row.runners),
      rss(row.runners),
      cpu([row.engine]),
      rss([row.engine]),
      fixed(row.postgresCpuSeconds, 1),
      fixed(row.redisCpuSeconds, 1),
      `${fixed(row.loadAtT0, 1)}→${fixed(row.loadAtEnd, 1)}`,
    ];
  });
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells
      .map((cell, column) =>
        RIGHT.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join(" | ")} |`;
  const rule = `|${widths
    .map((width, column) =>
      RIGHT.has(column) ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2),
    )
    .join("|")}|`;
  return [line(HEADER), rule, ...rows.map(line)].join("\n");
}
