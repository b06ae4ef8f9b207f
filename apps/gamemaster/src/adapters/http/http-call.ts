import { EventEmitter } from "node:events";
import { Agent, type Dispatcher, request } from "undici";

/** Options of {@link createHttpAgent}. */
export interface HttpAgentOptions {
  /** Most sockets kept open per origin (engine, Lobby, RTM); default 128. */
  connectionsPerOrigin?: number;
  /** How long an idle socket is kept for reuse; default 30 s (capped by the server's hint). */
  keepAliveTimeoutMs?: number;
}

/**
 * The keep-alive connection pool of GM's outgoing HTTP calls (undici Agent:
 * one pool per origin). undici's `request` over a pool costs about half of
 * what the global `fetch` costs per call, which is most of the hot path's
 * own CPU besides the database query (see bench/README.md). The per-origin
 * cap keeps a burst of player requests from opening unbounded sockets to one
 * engine; requests beyond it queue and still obey their operation deadline.
 */
export function createHttpAgent(options: HttpAgentOptions = {}): Agent {
  return new Agent({
    connections: options.connectionsPerOrigin ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs ?? 30_000, 30_000),
    pipelining: 1,
  });
}

/** One HTTP exchange of {@link httpCall}. */
export interface HttpCallSpec {
  /** The pool the call goes through. */
  dispatcher: Dispatcher;
  url: string;
  method: "GET" | "POST" | "PUT";
  /** JSON-encoded when present (and `content-type: application/json` set). */
  body?: unknown;
  /** Deadline covering queueing, connecting, the answer and its body. */
  timeoutMs: number;
  /** The call in messages, e.g. `engine init`, `runtime manager stop`. */
  label: string;
  /**
   * Builds the error of a call that got no answer at all (timeout, refused
   * or reset connection, DNS failure); `message` says which, with the label.
   */
  unreachable: (message: string, cause: unknown) => Error;
}

/** What the other side answered: any status, the body always read in full. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_HEADERS = { accept: "application/json" } as const;
const JSON_BODY_HEADERS = {
  accept: "application/json",
  "content-type": "application/json",
} as const;

/**
 * The one way GM's HTTP clients (engine, Lobby, RTM) call a neighbour: undici
 * `request` on the shared keep-alive pool, one deadline per call, the body
 * always consumed (so the socket is reused), no redirects followed. A call
 * without an answer throws `spec.unreachable(...)`; every answer, whatever
 * its status, is returned for the client to map to its own error codes.
 */
export async function httpCall(spec: HttpCallSpec): Promise<HttpAnswer> {
  // One timer per call, cleared on the answer (AbortSignal.timeout would keep
  // a timer alive for the whole deadline after every fast call). undici
  // accepts an EventEmitter emitting "abort" as the signal, which costs far
  // less to create than an AbortController on Node 20.
  const deadline = new EventEmitter();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.emit("abort");
  }, spec.timeoutMs);
  try {
    const response = await request(spec.url, {
      method: spec.method,
      dispatcher: spec.dispatcher,
      signal: deadline,
      headers: spec.body === undefined ? JSON_HEADERS : JSON_BODY_HEADERS,
      ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
    });
    const body = await response.body.text();
    return {
      status: response.statusCode,
      contentType: headerValue(response.headers["content-type"]),
      body,
    };
  } catch (error) {
    throw spec.unreachable(
      timedOut
        ? `${spec.label} timed out after ${spec.timeoutMs}ms`
        : `${spec.label} failed: ${connectionReason(error)}`,
      error,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** The most specific reason a connection failed: the first `code` in the cause chain. */
export function connectionReason(error: unknown): string {
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

/** A Galaxy `{error:{code,message}}` envelope in a response body, or null. */
export function errorEnvelopeOf(body: string): { code: string; message: string } | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const error = (parsed as { error: unknown }).error;
      if (typeof error === "object" && error !== null) {
        const { code, message } = error as { code?: unknown; message?: unknown };
        if (typeof code === "string" && code !== "") {
          return { code, message: typeof message === "string" ? message : "" };
        }
      }
    }
  } catch {
    // Not JSON.
  }
  return null;
}

/** Joins a base URL (trailing slashes ignored) and an absolute path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
}
