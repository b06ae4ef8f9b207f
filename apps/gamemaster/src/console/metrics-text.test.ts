import { describe, expect, it } from "vitest";
import { overviewMetrics, parseMetricsText } from "./metrics-text.js";

const TEXT = `# HELP gamemaster_runtimes Runtime records by status.
# TYPE gamemaster_runtimes gauge
gamemaster_runtimes{status="running"} 3
gamemaster_runtimes{status="generation_failed"} 1
gamemaster_runtimes{status="stopped"} 0
# TYPE gamemaster_scheduler_lag_seconds histogram
gamemaster_scheduler_lag_seconds_bucket{le="0.1"} 10
gamemaster_scheduler_lag_seconds_bucket{le="0.5"} 18
gamemaster_scheduler_lag_seconds_bucket{le="1"} 19
gamemaster_scheduler_lag_seconds_bucket{le="+Inf"} 20
gamemaster_scheduler_lag_seconds_sum 6
gamemaster_scheduler_lag_seconds_count 20
gamemaster_turn_generations_total{trigger="scheduler",outcome="failed"} 2
gamemaster_turn_generations_total{trigger="force",outcome="failed"} 1
gamemaster_turn_generations_total{trigger="force",outcome="generated"} 7
`;

describe("overviewMetrics", () => {
  it("reads counts by status, scheduler lag and failed generations from /metrics text", () => {
    const numbers = overviewMetrics(TEXT);
    expect(numbers.runtimesByStatus).toEqual({ running: 3, generation_failed: 1, stopped: 0 });
    expect(numbers.schedulerLag).toEqual({ count: 20, meanSeconds: 0.3, p95AtMostSeconds: 1 });
    expect(numbers.failedGenerations).toBe(3);
  });

  it("reports the outbox only when the Game Master exports it", () => {
    expect(overviewMetrics(TEXT)).toMatchObject({
      outboxBacklog: null,
      outboxOldestAgeSeconds: null,
    });
    const withOutbox = `${TEXT}gamemaster_outbox_backlog 42\ngamemaster_outbox_oldest_age_seconds 3.5\n`;
    expect(overviewMetrics(withOutbox)).toMatchObject({
      outboxBacklog: 42,
      outboxOldestAgeSeconds: 3.5,
    });
  });

  it("has no lag before the scheduler picked anything up", () => {
    expect(overviewMetrics("gamemaster_scheduler_lag_seconds_count 0\n").schedulerLag).toBeNull();
  });
});

describe("parseMetricsText", () => {
  it("parses escaped label values and special numbers, skipping comments", () => {
    expect(parseMetricsText('# c\nm{a="x\\"y",b="1"} +Inf\nn 2.5e-3\n\n')).toEqual([
      { name: "m", labels: { a: 'x"y', b: "1" }, value: Number.POSITIVE_INFINITY },
      { name: "n", labels: {}, value: 0.0025 },
    ]);
  });
});
