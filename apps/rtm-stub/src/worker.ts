import { intents } from "@galaxy/notificationintent";
import {
  type StreamEntry,
  type StreamOffsetStore,
  type StreamReader,
  startStreamReader,
} from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import {
  containerIdFor,
  engineEndpointFor,
  INTENT_PRODUCER,
  startFailureIntentType,
} from "./contracts.js";
import type { RtmEventPublisher } from "./events.js";
import type { RtmStubState } from "./state.js";

/** The logging surface of the stub; a pino logger satisfies it. */
export interface RtmStubLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Offset label of the start-jobs reader. */
export const START_JOBS_OFFSET_LABEL = "rtm-stub:start_jobs";

/** Everything handling one start job needs. */
export interface StartJobContext {
  state: RtmStubState;
  events: RtmEventPublisher;
  engineBaseUrl: string;
  logger?: RtmStubLogger;
  now?: () => number;
}

/**
 * Handles one `runtime:start_jobs` entry the way RTM would: on success a `container_started`
 * health event and a `success` job result pointing at the engine stub; on an armed `start`
 * failure (or a job without `image_ref`) the matching `runtime.*` admin intent on
 * `notification:intents`, then a `failure` job result. A job without `game_id` cannot be answered
 * and is logged and skipped. Publishing errors propagate so the reader retries the entry; the
 * intent's idempotency key is derived from the job's stream id, so a retried entry publishes a
 * duplicate that the notification service drops.
 */
export async function handleStartJob(entry: StreamEntry, context: StartJobContext): Promise<void> {
  const now = context.now ?? Date.now;
  const gameId = entry.fields.game_id ?? "";
  const imageRef = entry.fields.image_ref ?? "";
  const requestedAt = entry.fields.requested_at_ms ?? "";
  const base = {
    kind: "start_job" as const,
    game_id: gameId,
    image_ref: imageRef,
    requested_at_ms: requestedAt,
    stream_id: entry.id,
  };

  if (gameId === "") {
    context.logger?.warn(
      { stream_id: entry.id, fields: entry.fields },
      "start job without game_id skipped",
    );
    context.state.record({
      ...base,
      outcome: "skipped",
      error_code: "",
      at: new Date(now()).toISOString(),
    });
    return;
  }

  // Peek, and consume only once the failure result is published: a publish error makes the reader
  // retry this entry, which must fail again rather than silently succeed.
  const armed = context.state.peekFailure("start");
  const failure =
    imageRef === ""
      ? { errorCode: "start_config_invalid", errorMessage: "start job has no image_ref" }
      : armed;

  if (failure !== undefined) {
    const type = startFailureIntentType(failure.errorCode);
    const attemptedAt = now();
    const input = {
      producer: INTENT_PRODUCER,
      gameId,
      // The payload needs an image ref; a job without one names its absence.
      imageRef: imageRef === "" ? "(none)" : imageRef,
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage,
      attemptedAt,
      idempotencyKey: `${type}:${gameId}:${entry.id}`,
    };
    await context.events.publishIntent(
      type === "runtime.image_pull_failed"
        ? intents.runtimeImagePullFailed(input)
        : type === "runtime.start_config_invalid"
          ? intents.runtimeStartConfigInvalid(input)
          : intents.runtimeContainerStartFailed(input),
    );
    await context.events.publishJobResult({
      game_id: gameId,
      outcome: "failure",
      engine_endpoint: "",
      error_code: failure.errorCode,
      error_message: failure.errorMessage,
      completed_at_ms: now(),
    });
    if (failure === armed) context.state.takeFailure("start");
    context.state.record({
      ...base,
      outcome: "failure",
      error_code: failure.errorCode,
      at: new Date(now()).toISOString(),
    });
    context.logger?.info(
      { game_id: gameId, image_ref: imageRef, error_code: failure.errorCode },
      "start job failed",
    );
    return;
  }

  await context.events.publishHealthEvent({
    game_id: gameId,
    container_id: containerIdFor(gameId),
    event_type: "container_started",
    occurred_at_ms: now(),
    details: { image_ref: imageRef },
  });
  await context.events.publishJobResult({
    game_id: gameId,
    outcome: "success",
    engine_endpoint: engineEndpointFor(context.engineBaseUrl, gameId),
    error_code: "",
    error_message: "",
    completed_at_ms: now(),
  });
  context.state.record({
    ...base,
    outcome: "success",
    error_code: "",
    at: new Date(now()).toISOString(),
  });
  context.logger?.info({ game_id: gameId, image_ref: imageRef }, "start job succeeded");
}

/** Options of {@link startStartJobsWorker}. */
export interface StartJobsWorkerOptions extends StartJobContext {
  /** A dedicated connection: the reader blocks on it. */
  redis: Redis;
  offsets: StreamOffsetStore;
  stream: string;
  blockMs?: number;
  retryDelayMs?: number;
  /** Where to start when no offset is saved; default "0" (every job still in the stream). */
  startId?: string;
}

/** Starts consuming the start-jobs stream from the persisted offset. */
export function startStartJobsWorker(options: StartJobsWorkerOptions): StreamReader {
  const context: StartJobContext = {
    state: options.state,
    events: options.events,
    engineBaseUrl: options.engineBaseUrl,
  };
  if (options.logger !== undefined) context.logger = options.logger;
  if (options.now !== undefined) context.now = options.now;
  return startStreamReader({
    redis: options.redis,
    stream: options.stream,
    label: START_JOBS_OFFSET_LABEL,
    offsets: options.offsets,
    handle: (entry) => handleStartJob(entry, context),
    ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.startId === undefined ? {} : { startId: options.startId }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}
