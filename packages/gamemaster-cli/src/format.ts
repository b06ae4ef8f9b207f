import Table from "cli-table3";

/** Borderless, colourless table (reads like `kubectl get`, pastes into tickets). */
export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({
    head,
    chars: {
      top: "",
      "top-mid": "",
      "top-left": "",
      "top-right": "",
      bottom: "",
      "bottom-mid": "",
      "bottom-left": "",
      "bottom-right": "",
      left: "",
      "left-mid": "",
      mid: "",
      "mid-mid": "",
      right: "",
      "right-mid": "",
      middle: "  ",
    },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  t.push(...rows.map((row) => row.map(String)));
  return `${t
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")}\n`;
}

/** Key/value lines for one object. */
export function fields(entries: [string, string | number | boolean | null][]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries
    .map(
      ([key, value]) =>
        `${key.padEnd(width)}  ${value === null || value === "" ? "-" : String(value)}`,
    )
    .join("\n")
    .concat("\n");
}

/** An ISO timestamp as `2026-01-01 11:00:00Z`; `-` for null. */
export function time(iso: string | null): string {
  if (iso === null) return "-";
  return iso.replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}

/** Milliseconds between two ISO timestamps, human-sized. */
export function duration(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return "-";
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.round(ms / 60_000)}m`;
}
