import { publish as publishIntent } from "@galaxy/notificationintent";
import {
  closeRedis,
  createRedis,
  createStreamOffsetStore,
  type StreamReader,
  xaddFlat,
} from "@galaxy/redisconn";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { type Logger, pino } from "pino";
import { createLobbyStubApp } from "./app.js";
import { createGmClient, type GmClient } from "./gm-client.js";
import { LobbyService } from "./service.js";
import { LobbyState } from "./state.js";
import { StubTelemetry } from "./telemetry.js";
import { startJobResultsWorker } from "./workers/job-results.js";
import { startLobbyEventsWorker } from "./workers/lobby-events.js";

export type { LobbyStubAppDeps } from "./app.js";
export {
  AddMemberSchema,
  CreateGameSchema,
  createLobbyStubApp,
  LookupMembershipsSchema,
  MAX_LOOKUP_BODY_BYTES,
  MAX_LOOKUP_GAME_IDS,
} from "./app.js";
export type { LobbyStubConfig } from "./config.js";
export { ConfigError, loadConfig, parseDurationMs } from "./config.js";
export type {
  GmCallRecord,
  GmClient,
  GmClientOptions,
  GmResult,
  LivenessView,
  RegisterRuntimeBody,
  RuntimeRecordView,
} from "./gm-client.js";
export { createGmClient, OP_SOURCE_LOBBY } from "./gm-client.js";
export type {
  EntryOutcome,
  GameMemberships,
  IntentPublisher,
  LobbyServiceDeps,
  StartJob,
  StartJobPublisher,
} from "./service.js";
export { INTENT_PRODUCER, LobbyService } from "./service.js";
export type {
  Game,
  GameStatus,
  Member,
  MemberStatus,
  NewGame,
  PlayerTurnStat,
  RuntimeView,
  StartError,
  StateErrorKind,
} from "./state.js";
export { GAME_STATUSES, LobbyState, RUNTIME_STATUSES, StateError } from "./state.js";
export type { CounterName } from "./telemetry.js";
export { COUNTER_NAMES, StubTelemetry } from "./telemetry.js";
export { JOB_RESULTS_LABEL, startJobResultsWorker } from "./workers/job-results.js";
export { GM_EVENTS_LABEL, startLobbyEventsWorker } from "./workers/lobby-events.js";

/** Options of {@link startLobbyStub}; every field but the URLs has the documented default. */
export interface LobbyStubOptions {
  gmBaseUrl: string;
  redisUrl: string;
  redisKeyPrefix?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  gmTimeoutMs?: number;
  startJobsStream?: string;
  jobResultsStream?: string;
  gmEventsStream?: string;
  /** Where `lobby.runtime_paused_after_start` goes; default `notification:intents`. */
  notificationIntentsStream?: string;
  logger?: Logger;
  /** Used when no logger is given; "silent" by default so test output stays clean. */
  logLevel?: string;
  /** XREAD BLOCK timeout of the stream consumers. */
  readerBlockMs?: number;
  /** Replaces the HTTP GM client (tests only). */
  gm?: GmClient;
}

/** A running lobby stub. */
export interface LobbyStub {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  app: Hono;
  state: LobbyState;
  service: LobbyService;
  telemetry: StubTelemetry;
  /** Stops the consumers, closes the HTTP server and the Redis connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the whole lobby stub in-process: HTTP listener, start-job publisher and the two stream
 * consumers. Used by `main.ts` and by the cross-service integration suites.
 */
export async function startLobbyStub(options: LobbyStubOptions): Promise<LobbyStub> {
  const logger = options.logger ?? pino({ level: options.logLevel ?? "silent" });
  const keyPrefix = options.redisKeyPrefix ?? "";
  const startJobsStream = options.startJobsStream ?? "runtime:start_jobs";
  const telemetry = new StubTelemetry();
  const state = new LobbyState();
  const gm =
    options.gm ??
    createGmClient({
      baseUrl: options.gmBaseUrl,
      timeoutMs: options.gmTimeoutMs ?? 5_000,
      onCall: (record) => telemetry.recordCall(record),
    });

  const redisOptions = { url: options.redisUrl, keyPrefix };
  const redis = createRedis({ ...redisOptions, connectionName: "lobby-stub" });
  const jobResultsRedis = createRedis({
    ...redisOptions,
    connectionName: "lobby-stub:job_results",
  });
  const gmEventsRedis = createRedis({ ...redisOptions, connectionName: "lobby-stub:gm_events" });
  const offsets = createStreamOffsetStore(redis);

  const service = new LobbyService({
    state,
    gm,
    telemetry,
    logger,
    startJobs: {
      publish: async (job) => {
        await xaddFlat(redis, startJobsStream, { ...job });
      },
    },
    intents: {
      publish: async (intent) => {
        await publishIntent(redis, intent, {
          stream: options.notificationIntentsStream ?? "notification:intents",
        });
      },
    },
  });

  const readers: StreamReader[] = [
    startJobResultsWorker({
      redis: jobResultsRedis,
      stream: options.jobResultsStream ?? "runtime:job_results",
      offsets,
      service,
      logger,
      blockMs: options.readerBlockMs,
    }),
    startLobbyEventsWorker({
      redis: gmEventsRedis,
      stream: options.gmEventsStream ?? "gm:lobby_events",
      offsets,
      service,
      logger,
      blockMs: options.readerBlockMs,
    }),
  ];

  const app = createLobbyStubApp({ service, telemetry, logger });
  const host = options.host ?? "127.0.0.1";
  let server: ReturnType<typeof serve>;
  let port: number;
  try {
    ({ server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
      (resolve, reject) => {
        const listening = serve(
          { fetch: app.fetch, port: options.port ?? 0, hostname: host },
          (info) => resolve({ server: listening, port: info.port }),
        );
        listening.once("error", reject);
      },
    ));
  } catch (error) {
    await Promise.all(readers.map((reader) => reader.stop()));
    await Promise.all([redis, jobResultsRedis, gmEventsRedis].map((client) => closeRedis(client)));
    throw error;
  }
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info({ url, gm_base_url: options.gmBaseUrl }, "lobby stub listening");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(readers.map((reader) => reader.stop()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await Promise.all(
        [redis, jobResultsRedis, gmEventsRedis].map((client) => closeRedis(client)),
      );
      logger.info("lobby stub closed");
    })();
    return closing;
  };

  return { url, port, app, state, service, telemetry, close };
}
