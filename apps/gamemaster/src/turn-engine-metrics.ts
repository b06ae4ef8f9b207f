import type { NotificationType } from "@galaxy/notificationintent";
import { Counter, Histogram, type Registry } from "prom-client";
import type { RtmCallOutcome, RtmOperation } from "./adapters/http/rtm-client.js";
import type { TurnEngineTelemetry } from "./ports/telemetry.js";

/** The turn engine's metrics, part of {@link GameMasterMetrics}. */
export interface TurnEngineMetrics extends TurnEngineTelemetry {
  readonly turnGenerations: Counter<"trigger" | "outcome">;
  readonly turnGenerationDuration: Histogram<"trigger" | "outcome">;
  readonly schedulerLag: Histogram;
  readonly healthEventsConsumed: Counter<"event_type" | "outcome">;
  readonly notificationIntentsPublished: Counter<"notification_type">;
  readonly publishFailures: Counter<"stream">;
  readonly rtmCallDuration: Histogram<"operation" | "outcome">;
  recordIntentPublished(notificationType: NotificationType): void;
  observeRtmCall(operation: RtmOperation, outcome: RtmCallOutcome, seconds: number): void;
}

/** Registers the turn engine's metrics in `registry`. */
export function createTurnEngineMetrics(registry: Registry): TurnEngineMetrics {
  const turnGenerations = new Counter({
    name: "gamemaster_turn_generations_total",
    help: "Turn generation attempts by trigger (scheduler, force) and outcome (generated, finished, failed, discarded, skipped).",
    labelNames: ["trigger", "outcome"] as const,
    registers: [registry],
  });
  const turnGenerationDuration = new Histogram({
    name: "gamemaster_turn_generation_duration_seconds",
    help: "Duration of turn generation attempts (cutoff CAS to outcome CAS) by trigger and outcome.",
    labelNames: ["trigger", "outcome"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const schedulerLag = new Histogram({
    name: "gamemaster_scheduler_lag_seconds",
    help: "now - next_generation_at when the scheduler picked a due game up.",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const healthEventsConsumed = new Counter({
    name: "gamemaster_health_events_consumed_total",
    help: "runtime:health_events entries by event type and outcome (applied, unchanged, unknown_game, malformed, ignored_terminal, stale).",
    labelNames: ["event_type", "outcome"] as const,
    registers: [registry],
  });
  const notificationIntentsPublished = new Counter({
    name: "gamemaster_notification_intents_published_total",
    help: "Notification intents published by type.",
    labelNames: ["notification_type"] as const,
    registers: [registry],
  });
  const publishFailures = new Counter({
    name: "gamemaster_publish_failures_total",
    help: "Stream publishes that failed after their database change (logged, not rolled back).",
    labelNames: ["stream"] as const,
    registers: [registry],
  });
  const rtmCallDuration = new Histogram({
    name: "gamemaster_rtm_call_duration_seconds",
    help: "Latency of Runtime Manager calls by operation and outcome.",
    labelNames: ["operation", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    turnGenerations,
    turnGenerationDuration,
    schedulerLag,
    healthEventsConsumed,
    notificationIntentsPublished,
    publishFailures,
    rtmCallDuration,
    recordTurnGeneration(trigger, outcome, seconds) {
      turnGenerations.inc({ trigger, outcome });
      turnGenerationDuration.observe({ trigger, outcome }, seconds);
    },
    observeSchedulerLag(seconds) {
      schedulerLag.observe(seconds);
    },
    recordHealthEvent(eventType, outcome) {
      healthEventsConsumed.inc({ event_type: eventType, outcome });
    },
    recordPublishFailure(stream) {
      publishFailures.inc({ stream });
    },
    recordIntentPublished(notificationType) {
      notificationIntentsPublished.inc({ notification_type: notificationType });
    },
    observeRtmCall(operation, outcome, seconds) {
      rtmCallDuration.observe({ operation, outcome }, seconds);
    },
  };
}
