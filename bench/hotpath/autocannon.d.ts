// The slice of autocannon 8's API the hot-path bench uses (the package ships no types).
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  /** Options of one run. */
  export interface AutocannonOptions {
    url: string;
    method?: "GET" | "POST" | "PUT";
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
  }

  /** Aggregated statistics of one run (latencies in ms, whole milliseconds). */
  export interface AutocannonResult {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    "2xx": number;
    requests: { average: number; total: number; sent: number };
    latency: { average: number; p50: number; p99: number };
  }

  /** A running instance; `response` carries the exact latency in ms. */
  export interface AutocannonInstance extends EventEmitter {
    on(
      event: "response",
      listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
    ): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    stop(): void;
  }

  function autocannon(
    options: AutocannonOptions,
    done: (error: Error | null, result: AutocannonResult) => void,
  ): AutocannonInstance;

  // biome-ignore lint/style/noDefaultExport: autocannon's CommonJS export is its default export.
  export default autocannon;
}
