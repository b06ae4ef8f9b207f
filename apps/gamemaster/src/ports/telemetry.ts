import type { OpOutcome } from "../domain/operation.js";

/**
 * Business metrics services record. Adapters record their own technical
 * metrics (engine latency, events published) where the I/O happens.
 */
export interface Telemetry {
  recordRegisterRuntime(outcome: OpOutcome, errorCode: string): void;
}

/** A Telemetry that records nothing (tests, tools). */
export const noopTelemetry: Telemetry = {
  recordRegisterRuntime: () => undefined,
};

/** What started a turn generation. */
export type TurnTrigger = "scheduler" | "force";

/**
 * How a turn generation attempt ended: `generated` (running again),
 * `finished`, `failed` (generation_failed), `discarded` (the outcome lost its
 * CAS, e.g. to an admin stop), `skipped` (a regular tick consumed the
 * force-next-turn skip flag).
 */
export type TurnOutcome = "generated" | "finished" | "failed" | "discarded" | "skipped";

/** Outcome of one consumed `runtime:health_events` entry. */
export type HealthEventOutcome =
  | "applied"
  | "unchanged"
  | "unknown_game"
  | "malformed"
  | "ignored_terminal"
  /** Older than (or the same as) the last entry applied to the game: ignored. */
  | "stale";

/** Streams GM publishes on, for the publish-failure metric. */
export type PublishStream = "lobby_events" | "notification_intents";

/** Metrics of the turn engine: turns, scheduler, health events, publish failures. */
export interface TurnEngineTelemetry {
  recordTurnGeneration(trigger: TurnTrigger, outcome: TurnOutcome, seconds: number): void;
  /** now − next_generation_at when the scheduler picked a game up. */
  observeSchedulerLag(seconds: number): void;
  recordHealthEvent(eventType: string, outcome: HealthEventOutcome): void;
  /** A publish that failed after the database change it reports (logged, never rolled back). */
  recordPublishFailure(stream: PublishStream): void;
}

/** A TurnEngineTelemetry that records nothing (tests, tools). */
export const noopTurnEngineTelemetry: TurnEngineTelemetry = {
  recordTurnGeneration: () => undefined,
  observeSchedulerLag: () => undefined,
  recordHealthEvent: () => undefined,
  recordPublishFailure: () => undefined,
};
