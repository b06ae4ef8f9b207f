import type { StreamOffsetStore, StreamReader } from "@galaxy/redisconn";
import { startStreamReader } from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { LobbyService } from "../service.js";

/** Offset label of the job-results consumer. */
export const JOB_RESULTS_LABEL = "lobby-stub:job_results";

/** Options of {@link startJobResultsWorker}. */
export interface JobResultsWorkerOptions {
  /** A dedicated connection: XREAD BLOCK holds it. */
  redis: Redis;
  stream: string;
  offsets: StreamOffsetStore;
  service: LobbyService;
  logger: Logger;
  blockMs?: number;
}

/**
 * Consumes `runtime:job_results`. The handler never throws for a bad entry (it is logged and
 * skipped inside the service), so one poisoned entry cannot stall the stream.
 */
export function startJobResultsWorker(options: JobResultsWorkerOptions): StreamReader {
  const logger = options.logger.child({ worker: "job_results" });
  return startStreamReader({
    redis: options.redis,
    stream: options.stream,
    label: JOB_RESULTS_LABEL,
    offsets: options.offsets,
    blockMs: options.blockMs,
    logger,
    handle: async (entry) => {
      const outcome = await options.service.handleJobResult(entry.fields);
      logger.debug({ entry_id: entry.id, outcome }, "job result handled");
    },
  });
}
