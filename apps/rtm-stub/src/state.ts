/** Operations `POST /_stub/fail-next` can make fail. */
export type FailableOperation = "stop" | "patch" | "start";

/** An armed failure for the next call of one operation. */
export interface ArmedFailure {
  errorCode: string;
  errorMessage: string;
  /** HTTP status for stop/patch; unused for start. */
  status: number;
}

/** Something the stub received, as listed by `GET /_stub/calls`. */
export type StubCall =
  | {
      kind: "rest";
      operation: "stop" | "patch";
      game_id: string;
      body: unknown;
      outcome: "success" | "failure" | "invalid";
      error_code: string;
      at: string;
    }
  | {
      kind: "start_job";
      game_id: string;
      image_ref: string;
      requested_at_ms: string;
      stream_id: string;
      outcome: "success" | "failure" | "skipped";
      error_code: string;
      at: string;
    };

/** Default number of calls `GET /_stub/calls` keeps. */
export const DEFAULT_CALLS_LIMIT = 1000;

/**
 * Mutable state shared by the REST app and the start-jobs worker: the call log (bounded, oldest
 * dropped first) and the queues of armed failures, one queue per operation.
 */
export class RtmStubState {
  private calls: StubCall[] = [];
  private readonly failures: Record<FailableOperation, ArmedFailure[]> = {
    stop: [],
    patch: [],
    start: [],
  };

  constructor(private readonly callsLimit = DEFAULT_CALLS_LIMIT) {}

  record(call: StubCall): void {
    this.calls.push(call);
    if (this.calls.length > this.callsLimit) {
      this.calls.splice(0, this.calls.length - this.callsLimit);
    }
  }

  listCalls(): StubCall[] {
    return [...this.calls];
  }

  clearCalls(): void {
    this.calls = [];
  }

  arm(operation: FailableOperation, failure: ArmedFailure): number {
    this.failures[operation].push(failure);
    return this.failures[operation].length;
  }

  /** The oldest armed failure of `operation`, left armed. */
  peekFailure(operation: FailableOperation): ArmedFailure | undefined {
    return this.failures[operation][0];
  }

  /** Takes the oldest armed failure of `operation`, if any. */
  takeFailure(operation: FailableOperation): ArmedFailure | undefined {
    return this.failures[operation].shift();
  }

  pending(): Record<FailableOperation, number> {
    return {
      stop: this.failures.stop.length,
      patch: this.failures.patch.length,
      start: this.failures.start.length,
    };
  }

  reset(): void {
    this.clearCalls();
    this.failures.stop = [];
    this.failures.patch = [];
    this.failures.start = [];
  }
}
