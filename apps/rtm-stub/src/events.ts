import { type NotificationIntent, publish } from "@galaxy/notificationintent";
import { xaddFlat } from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import {
  encodeHealthEvent,
  encodeJobResult,
  type HealthEvent,
  type JobResult,
  type RtmStreams,
} from "./contracts.js";

/** Where the stub publishes what RTM would publish. */
export interface RtmEventPublisher {
  /** XADDs one health event; resolves to the entry id. */
  publishHealthEvent(event: HealthEvent): Promise<string>;
  /** XADDs one job result; resolves to the entry id. */
  publishJobResult(result: JobResult): Promise<string>;
  /** XADDs one notification intent (a failed start's admin alert); resolves to the entry id. */
  publishIntent(intent: NotificationIntent): Promise<string>;
}

/** A publisher writing to the configured Redis streams. */
export function createRedisEventPublisher(
  redis: Redis,
  streams: Pick<RtmStreams, "jobResults" | "healthEvents" | "notificationIntents">,
): RtmEventPublisher {
  return {
    publishHealthEvent: (event) => xaddFlat(redis, streams.healthEvents, encodeHealthEvent(event)),
    publishJobResult: (result) => xaddFlat(redis, streams.jobResults, encodeJobResult(result)),
    publishIntent: (intent) => publish(redis, intent, { stream: streams.notificationIntents }),
  };
}
