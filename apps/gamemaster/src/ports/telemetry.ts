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
