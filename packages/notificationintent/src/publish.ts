import { xaddFlat } from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import { encode } from "./codec.js";
import { NOTIFICATION_INTENTS_STREAM, type NotificationIntent } from "./schemas.js";

/** Options of {@link publish}. */
export interface PublishOptions {
  /** Stream to publish on; defaults to {@link NOTIFICATION_INTENTS_STREAM}. */
  stream?: string;
  /** Approximate MAXLEN of the stream; defaults to the redisconn default. */
  maxLen?: number;
}

/**
 * Validates, encodes and XADDs one intent. Returns the stream entry id. Invalid intents throw
 * {@link NotificationIntentError} before anything is written.
 */
export async function publish(
  redis: Redis,
  intent: NotificationIntent,
  options: PublishOptions = {},
): Promise<string> {
  const fields = encode(intent);
  const stream = options.stream ?? NOTIFICATION_INTENTS_STREAM;
  return options.maxLen === undefined
    ? xaddFlat(redis, stream, fields)
    : xaddFlat(redis, stream, fields, { maxLen: options.maxLen });
}
