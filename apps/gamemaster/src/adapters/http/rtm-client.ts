import { ERROR_STATUS, type ErrorCode, GalaxyError, isErrorCode } from "@galaxy/errors";
import type { Dispatcher } from "undici";
import type { RtmClient, StopReason } from "../../ports/rtm-client.js";
import { createHttpAgent, errorEnvelopeOf, httpCall, joinUrl } from "./http-call.js";

/** RTM operations, each with its own latency metric label. */
export type RtmOperation = "stop" | "patch";

/** Outcome label of one RTM call, for metrics: `refused` is an RTM 4xx. */
export type RtmCallOutcome = "ok" | "refused" | "error" | "unreachable";

/** Options of {@link HttpRtmClient}. */
export interface HttpRtmClientOptions {
  /** `GAMEMASTER_RTM_BASE_URL`, e.g. `http://rtmanager:8080`. */
  baseUrl: string;
  /** Deadline of one call (a stop waits for the container to exit). */
  timeoutMs: number;
  /** Observes every call (latency metric). */
  observe?: (operation: RtmOperation, outcome: RtmCallOutcome, seconds: number) => void;
  /** Connection pool (shared with the engine and Lobby clients); by default the client opens its own. */
  dispatcher?: Dispatcher;
}

const MAX_MESSAGE_LENGTH = 300;

/** RTM's `{error:{code,message}}` as one line, else its status and body text. */
export function rtmErrorDetail(status: number, body: string): string {
  const envelope = errorEnvelopeOf(body);
  if (envelope !== null) {
    const text = envelope.message === "" ? "" : `: ${envelope.message}`;
    return `${status} ${envelope.code}${text}`.slice(0, MAX_MESSAGE_LENGTH);
  }
  const text = body.trim();
  return (text === "" ? String(status) : `${status} ${text}`).slice(0, MAX_MESSAGE_LENGTH);
}

/**
 * The GM error for an RTM answer that is not a 2xx (decision 101):
 * - 404 → `not_found` with RTM's message: RTM does not know the game's
 *   container (the stop service treats that as already stopped);
 * - another 4xx whose envelope code GM also knows with that same status
 *   (`invalid_request` 400, `conflict` 409, `semver_patch_only` 422, …) →
 *   RTM's code and message, unchanged;
 * - any other 4xx (a code GM does not have, no envelope) → `conflict`, the
 *   message naming RTM's status, code and message;
 * - 408, 429, 5xx and anything else → `runtime_manager_unavailable`: RTM
 *   could not do the work now, which is an outage, not a refusal.
 */
export function rtmAnswerError(operation: RtmOperation, status: number, body: string): GalaxyError {
  const refusal = status >= 400 && status < 500 && status !== 408 && status !== 429;
  if (!refusal) {
    return new GalaxyError(
      "runtime_manager_unavailable",
      `runtime manager ${operation} answered ${rtmErrorDetail(status, body)}`,
    );
  }
  const envelope = errorEnvelopeOf(body);
  const message = (envelope?.message ?? "").slice(0, MAX_MESSAGE_LENGTH);
  if (status === 404) {
    return new GalaxyError(
      "not_found",
      message === "" ? `runtime manager does not know the game's container` : message,
    );
  }
  if (envelope !== null && isErrorCode(envelope.code) && ERROR_STATUS[envelope.code] === status) {
    const code: ErrorCode = envelope.code;
    return new GalaxyError(code, message === "" ? `runtime manager refused ${operation}` : message);
  }
  return new GalaxyError(
    "conflict",
    `runtime manager refused ${operation}: ${rtmErrorDetail(status, body)}`,
  );
}

/**
 * {@link RtmClient} over HTTP, through the shared call helper and keep-alive
 * pool. No answer (connection failure, timeout) or a 5xx is
 * `runtime_manager_unavailable` (502); an RTM refusal (4xx) keeps RTM's code
 * and message where GM has the code ({@link rtmAnswerError}).
 */
export class HttpRtmClient implements RtmClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly options: HttpRtmClientOptions) {
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? createHttpAgent({ connectionsPerOrigin: 16 });
  }

  /** Closes the connection pool when the client opened it itself. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) {
      await this.dispatcher.close();
    }
  }

  stop(gameId: string, reason: StopReason): Promise<void> {
    return this.call("stop", gameId, { reason });
  }

  patch(gameId: string, imageRef: string): Promise<void> {
    return this.call("patch", gameId, { image_ref: imageRef });
  }

  private async call(operation: RtmOperation, gameId: string, body: unknown): Promise<void> {
    const started = performance.now();
    const observe = (outcome: RtmCallOutcome) =>
      this.options.observe?.(operation, outcome, (performance.now() - started) / 1000);
    let answer: { status: number; body: string };
    try {
      answer = await httpCall({
        dispatcher: this.dispatcher,
        url: joinUrl(
          this.options.baseUrl,
          `/api/v1/internal/runtimes/${encodeURIComponent(gameId)}/${operation}`,
        ),
        method: "POST",
        body,
        timeoutMs: this.options.timeoutMs,
        label: `runtime manager ${operation}`,
        unreachable: (message, cause) =>
          new GalaxyError("runtime_manager_unavailable", message, { cause }),
      });
    } catch (error) {
      observe("unreachable");
      throw error;
    }
    if (answer.status >= 200 && answer.status < 300) {
      observe("ok");
      return;
    }
    const error = rtmAnswerError(operation, answer.status, answer.body);
    observe(error.code === "runtime_manager_unavailable" ? "error" : "refused");
    throw error;
  }
}
