import type { AddressInfo } from "node:net";
import { closeRedis, createRedis, createStreamOffsetStore } from "@galaxy/redisconn";
import { serve } from "@hono/node-server";
import { createRtmStubApp } from "./app.js";
import { DEFAULT_ENGINE_BASE_URL, DEFAULT_STREAMS, type RtmStreams } from "./contracts.js";
import { createRedisEventPublisher } from "./events.js";
import { RtmStubState } from "./state.js";
import { type RtmStubLogger, startStartJobsWorker } from "./worker.js";

/** Options of {@link startRtmStub}. */
export interface StartRtmStubOptions {
  /** Redis URL (may carry a db index). */
  redisUrl: string;
  /** Prefix for every Redis key, streams included; default none. */
  keyPrefix?: string;
  /** Base URL of the engine stub; job results point at `${engineBaseUrl}/games/{game_id}`. */
  engineBaseUrl?: string;
  streams?: Partial<RtmStreams>;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Max entries of the call log; default 1000. */
  callsLimit?: number;
  /** XREAD BLOCK timeout of the start-jobs reader. */
  blockMs?: number;
  /** Where the reader starts when no offset is saved; default "0". */
  startId?: string;
  logger?: RtmStubLogger;
}

/** A running RTM stub. */
export interface RunningRtmStub {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** The shared state (call log, armed failures), for assertions in tests. */
  readonly state: RtmStubState;
  /** Stops the worker, the listener and both Redis connections. */
  close(): Promise<void>;
}

/**
 * Starts the RTM stub: the HTTP listener and the start-jobs worker, on two Redis connections (the
 * reader blocks on its own). Resolves once the server listens.
 */
export async function startRtmStub(options: StartRtmStubOptions): Promise<RunningRtmStub> {
  const streams: RtmStreams = { ...DEFAULT_STREAMS, ...options.streams };
  const redisOptions = (connectionName: string) => ({
    url: options.redisUrl,
    connectionName,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
  });
  const redis = createRedis(redisOptions("rtm-stub"));
  const reader = createRedis(redisOptions("rtm-stub-reader"));
  const state = new RtmStubState(options.callsLimit);
  const events = createRedisEventPublisher(redis, streams);
  const app = createRtmStubApp({
    state,
    events,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });

  const worker = startStartJobsWorker({
    redis: reader,
    offsets: createStreamOffsetStore(redis),
    stream: streams.startJobs,
    state,
    events,
    engineBaseUrl: options.engineBaseUrl ?? DEFAULT_ENGINE_BASE_URL,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
    ...(options.startId === undefined ? {} : { startId: options.startId }),
  });

  const shutdownRedis = async () => {
    await worker.stop();
    await Promise.allSettled([closeRedis(reader), closeRedis(redis)]);
  };

  const host = options.host ?? "127.0.0.1";
  let server: ReturnType<typeof serve>;
  let port: number;
  try {
    ({ server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
      (resolve, reject) => {
        const created = serve(
          { fetch: app.fetch, port: options.port ?? 0, hostname: host },
          (info) => {
            created.off("error", reject);
            resolve({ server: created, port: (info as AddressInfo).port });
          },
        );
        created.once("error", reject);
      },
    ));
  } catch (error) {
    await shutdownRedis();
    throw error;
  }

  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost.includes(":") ? `[${urlHost}]` : urlHost}:${port}`,
    port,
    state,
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          if ("closeAllConnections" in server) server.closeAllConnections();
        });
        await shutdownRedis();
      })();
      return closing;
    },
  };
}
