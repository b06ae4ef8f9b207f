import type { RuntimeStatus } from "./runtime-status.js";

/** Event types RTM publishes on `runtime:health_events` (docs/reference.md#streams). */
export const HEALTH_EVENT_TYPES = [
  "container_started",
  "container_exited",
  "container_oom",
  "container_disappeared",
  "probe_failed",
  "probe_recovered",
  "inspect_unhealthy",
] as const;

/** One health event type. */
export type HealthEventType = (typeof HEALTH_EVENT_TYPES)[number];

/** The engine-health summary strings GM keeps per game ('' until the first event). */
export type EngineHealthSummary =
  | "healthy"
  | "probe_failed"
  | "inspect_unhealthy"
  | "exited"
  | "oom"
  | "disappeared";

/** Whether `value` names a health event type. */
export function isHealthEventType(value: string): value is HealthEventType {
  return (HEALTH_EVENT_TYPES as readonly string[]).includes(value);
}

const SUMMARY: Readonly<Record<HealthEventType, EngineHealthSummary>> = {
  container_started: "healthy",
  probe_recovered: "healthy",
  probe_failed: "probe_failed",
  inspect_unhealthy: "inspect_unhealthy",
  container_exited: "exited",
  container_oom: "oom",
  container_disappeared: "disappeared",
};

/** The summary rule of docs/reference.md#streams. */
export function healthSummary(eventType: HealthEventType): EngineHealthSummary {
  return SUMMARY[eventType];
}

/** A status change a health event asks for, or null when it leaves the status alone. */
export interface HealthStatusChange {
  from: RuntimeStatus;
  to: RuntimeStatus;
}

const LOST_CONTAINER: ReadonlySet<HealthEventType> = new Set([
  "container_exited",
  "container_oom",
  "container_disappeared",
]);

const CONTAINER_BACK: ReadonlySet<HealthEventType> = new Set([
  "container_started",
  "probe_recovered",
]);

const CAN_LOSE_ENGINE: ReadonlySet<RuntimeStatus> = new Set([
  "running",
  "generation_in_progress",
  "generation_failed",
]);

/**
 * The status transition of docs/reference.md#runtime-status a health event causes from `status`:
 * a lost container (exited, oom, disappeared) moves running,
 * generation_in_progress and generation_failed to engine_unreachable; a
 * container back (started, probe recovered) moves engine_unreachable to
 * running. Everything else — probe and inspect observations, events for
 * statuses the table does not name — changes only the summary.
 */
export function healthStatusChange(
  eventType: HealthEventType,
  status: RuntimeStatus,
): HealthStatusChange | null {
  if (LOST_CONTAINER.has(eventType) && CAN_LOSE_ENGINE.has(status)) {
    return { from: status, to: "engine_unreachable" };
  }
  if (CONTAINER_BACK.has(eventType) && status === "engine_unreachable") {
    return { from: status, to: "running" };
  }
  return null;
}
