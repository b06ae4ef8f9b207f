/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL_PAIR = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === "n" ? "\n" : char));
}

function parseValue(raw: string): number {
  if (raw === "+Inf") return Number.POSITIVE_INFINITY;
  if (raw === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/** Parses the samples of a Prometheus text exposition (comments and blank lines skipped). */
export function parseMetricsText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(LABEL_PAIR)) {
      labels[pair[1] as string] = unescapeLabel(pair[2] as string);
    }
    samples.push({ name: match[1] as string, labels, value: parseValue(match[3] as string) });
  }
  return samples;
}

/** What the overview shows of /metrics. */
export interface OverviewMetrics {
  /** `gamemaster_runtimes` by status. */
  runtimesByStatus: Record<string, number>;
  /** `gamemaster_scheduler_lag_seconds`: null until the scheduler picked a game up. */
  schedulerLag: { count: number; meanSeconds: number; p95AtMostSeconds: number | null } | null;
  /** `gamemaster_outbox_backlog`; null when this Game Master does not report it. */
  outboxBacklog: number | null;
  /** `gamemaster_outbox_oldest_age_seconds`; null when not reported. */
  outboxOldestAgeSeconds: number | null;
  /** `gamemaster_turn_generations_total` with outcome="failed", summed over triggers. */
  failedGenerations: number;
}

function sum(samples: readonly MetricSample[], name: string): number | null {
  const matching = samples.filter((sample) => sample.name === name);
  return matching.length === 0 ? null : matching.reduce((total, s) => total + s.value, 0);
}

/**
 * The overview's numbers from the text of /metrics, so the console and a
 * Prometheus dashboard never disagree. The p95 is the upper bound of the
 * first histogram bucket that holds 95 % of the observations.
 */
export function overviewMetrics(text: string): OverviewMetrics {
  const samples = parseMetricsText(text);
  const runtimesByStatus: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name === "gamemaster_runtimes" && sample.labels.status !== undefined) {
      runtimesByStatus[sample.labels.status] = sample.value;
    }
  }
  const lagCount = sum(samples, "gamemaster_scheduler_lag_seconds_count") ?? 0;
  const lagSum = sum(samples, "gamemaster_scheduler_lag_seconds_sum") ?? 0;
  let p95: number | null = null;
  if (lagCount > 0) {
    const buckets = samples
      .filter((s) => s.name === "gamemaster_scheduler_lag_seconds_bucket")
      .map((s) => ({ le: parseValue(s.labels.le ?? "+Inf"), count: s.value }))
      .sort((a, b) => a.le - b.le);
    p95 = buckets.find((bucket) => bucket.count >= lagCount * 0.95)?.le ?? null;
  }
  return {
    runtimesByStatus,
    schedulerLag:
      lagCount > 0
        ? { count: lagCount, meanSeconds: lagSum / lagCount, p95AtMostSeconds: p95 }
        : null,
    outboxBacklog: sum(samples, "gamemaster_outbox_backlog"),
    outboxOldestAgeSeconds: sum(samples, "gamemaster_outbox_oldest_age_seconds"),
    failedGenerations: samples
      .filter(
        (s) => s.name === "gamemaster_turn_generations_total" && s.labels.outcome === "failed",
      )
      .reduce((total, s) => total + s.value, 0),
  };
}
