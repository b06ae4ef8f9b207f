import { GalaxyError } from "@galaxy/errors";
import type { RtmClient, StopReason } from "../../ports/rtm-client.js";

/** RTM operations, each with its own latency metric label. */
export type RtmOperation = "stop" | "patch";

/** Outcome label of one RTM call, for metrics. */
export type RtmCallOutcome = "ok" | "error" | "unreachable";

/** Options of {@link HttpRtmClient}. */
export interface HttpRtmClientOptions {
  /** `GAMEMASTER_RTM_BASE_URL`, e.g. `http://rtmanager:8080`. */
  baseUrl: string;
  /** Deadline of one call (a stop waits for the container to exit). */
  timeoutMs: number;
  /** Observes every call (latency metric). */
  observe?: (operation: RtmOperation, outcome: RtmCallOutcome, seconds: number) => void;
  /** Replaceable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const MAX_MESSAGE_LENGTH = 300;

/** RTM's `{error:{code,message}}` as one line, else its status and body text. */
export function rtmErrorDetail(status: number, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const error = (parsed as { error: unknown }).error;
      if (typeof error === "object" && error !== null) {
        const { code, message } = error as { code?: unknown; message?: unknown };
        if (typeof code === "string") {
          const text = typeof message === "string" && message !== "" ? `: ${message}` : "";
          return `${status} ${code}${text}`.slice(0, MAX_MESSAGE_LENGTH);
        }
      }
    }
  } catch {
    // Not JSON: fall back to the text.
  }
  const text = body.trim();
  return (text === "" ? String(status) : `${status} ${text}`).slice(0, MAX_MESSAGE_LENGTH);
}

/**
 * {@link RtmClient} over HTTP. Any failure is `runtime_manager_unavailable`
 * (docs/reference.md#admin-operations: "RTM failure → runtime_manager_unavailable, state unchanged");
 * the message says whether RTM could not be reached or what it answered.
 */
export class HttpRtmClient implements RtmClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpRtmClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  stop(gameId: string, reason: StopReason): Promise<void> {
    return this.call("stop", gameId, { reason });
  }

  patch(gameId: string, imageRef: string): Promise<void> {
    return this.call("patch", gameId, { image_ref: imageRef });
  }

  private async call(operation: RtmOperation, gameId: string, body: unknown): Promise<void> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/api/v1/internal/runtimes/${encodeURIComponent(gameId)}/${operation}`;
    const started = performance.now();
    const observe = (outcome: RtmCallOutcome) =>
      this.options.observe?.(operation, outcome, (performance.now() - started) / 1000);
    let status: number;
    let text: string;
    try {
      const response = await this.fetchImpl(url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: { accept: "application/json", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      observe("unreachable");
      const isTimeout = error instanceof Error && error.name === "TimeoutError";
      throw new GalaxyError(
        "runtime_manager_unavailable",
        isTimeout
          ? `runtime manager ${operation} timed out after ${this.options.timeoutMs}ms`
          : `runtime manager ${operation} failed: ${connectionReason(error)}`,
        { cause: error },
      );
    }
    if (status >= 200 && status < 300) {
      observe("ok");
      return;
    }
    observe("error");
    throw new GalaxyError(
      "runtime_manager_unavailable",
      `runtime manager ${operation} answered ${rtmErrorDetail(status, text)}`,
    );
  }
}

function connectionReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string") {
      return code;
    }
    current = current.cause;
  }
  return error instanceof Error ? error.message : "connection failed";
}
