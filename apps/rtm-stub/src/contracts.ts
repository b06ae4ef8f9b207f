import { createHash } from "node:crypto";
import { z } from "zod";

/** Health event types RTM publishes on `runtime:health_events` (docs/reference.md#streams). */
export const HEALTH_EVENT_TYPES = [
  "container_started",
  "container_exited",
  "container_oom",
  "container_disappeared",
  "probe_failed",
  "probe_recovered",
  "inspect_unhealthy",
] as const;

/** One of {@link HEALTH_EVENT_TYPES}. */
export type HealthEventType = (typeof HEALTH_EVENT_TYPES)[number];

/** Stop reasons accepted by `POST /api/v1/internal/runtimes/{game_id}/stop` (docs/reference.md#admin-operations). */
export const STOP_REASONS = [
  "admin_request",
  "cancelled",
  "finished",
  "timeout",
  "orphan_cleanup",
] as const;

/** Start-failure codes RTM reports in a failed job result. */
export const START_FAILURE_CODES = [
  "start_config_invalid",
  "image_pull_failed",
  "container_start_failed",
] as const;

/** Stream names the stub reads and writes. */
export interface RtmStreams {
  startJobs: string;
  jobResults: string;
  healthEvents: string;
  /** Where the admin intents of a failed start go (`@galaxy/notificationintent`). */
  notificationIntents: string;
}

/** The default stream names (docs/reference.md#streams). */
export const DEFAULT_STREAMS: Readonly<RtmStreams> = Object.freeze({
  startJobs: "runtime:start_jobs",
  jobResults: "runtime:job_results",
  healthEvents: "runtime:health_events",
  notificationIntents: "notification:intents",
});

/** The `producer` of the intents the stub publishes, as the real Runtime Manager names itself. */
export const INTENT_PRODUCER = "rtmanager";

/** The admin intent type announcing a failed start with `errorCode`. */
export function startFailureIntentType(
  errorCode: string,
): "runtime.image_pull_failed" | "runtime.start_config_invalid" | "runtime.container_start_failed" {
  if (errorCode === "image_pull_failed") return "runtime.image_pull_failed";
  if (errorCode === "start_config_invalid") return "runtime.start_config_invalid";
  // container_start_failed, and any other reason the container did not come up.
  return "runtime.container_start_failed";
}

/** Default base URL of the engine stub (its default port). */
export const DEFAULT_ENGINE_BASE_URL = "http://127.0.0.1:8090";

/** One `runtime:health_events` entry before encoding. */
export interface HealthEvent {
  game_id: string;
  container_id: string;
  event_type: HealthEventType;
  occurred_at_ms: number;
  details: Record<string, unknown>;
}

/** One `runtime:job_results` entry before encoding. */
export interface JobResult {
  game_id: string;
  outcome: "success" | "failure";
  engine_endpoint: string;
  error_code: string;
  error_message: string;
  completed_at_ms: number;
}

/** Flat stream fields of a health event (`details` as a JSON string). */
export function encodeHealthEvent(event: HealthEvent): Record<string, string> {
  return {
    game_id: event.game_id,
    container_id: event.container_id,
    event_type: event.event_type,
    occurred_at_ms: String(event.occurred_at_ms),
    details: JSON.stringify(event.details),
  };
}

/** Flat stream fields of a job result. */
export function encodeJobResult(result: JobResult): Record<string, string> {
  return {
    game_id: result.game_id,
    outcome: result.outcome,
    engine_endpoint: result.engine_endpoint,
    error_code: result.error_code,
    error_message: result.error_message,
    completed_at_ms: String(result.completed_at_ms),
  };
}

/** The (fake, deterministic) container id of a game's engine container: 64 hex chars like Docker's. */
export function containerIdFor(gameId: string): string {
  return createHash("sha256").update(`galaxy-game-${gameId}`).digest("hex");
}

/** The engine endpoint RTM reports for a game on the engine stub. */
export function engineEndpointFor(engineBaseUrl: string, gameId: string): string {
  return `${engineBaseUrl.replace(/\/+$/, "")}/games/${encodeURIComponent(gameId)}`;
}

/** Request body of the stop endpoint. */
export const StopBodySchema = z.strictObject({ reason: z.enum(STOP_REASONS) });

/** Request body of the patch endpoint. */
export const PatchBodySchema = z.strictObject({
  image_ref: z.string().min(1, "must be a non-empty string"),
});

/** Request body of `POST /_stub/health-events`. */
export const HealthEventControlSchema = z.strictObject({
  game_id: z.string().min(1, "must be a non-empty string"),
  event_type: z.enum(HEALTH_EVENT_TYPES),
  details: z.record(z.string(), z.unknown()).optional(),
  container_id: z.string().min(1, "must be a non-empty string").optional(),
  occurred_at_ms: z.int().min(0).optional(),
});

/** Request body of `POST /_stub/fail-next`. */
export const FailNextControlSchema = z.strictObject({
  operation: z.enum(["stop", "patch", "start"]),
  error_code: z.string().min(1, "must be a non-empty string").optional(),
  error_message: z.string().optional(),
  status: z.int().min(400).max(599).optional(),
});
