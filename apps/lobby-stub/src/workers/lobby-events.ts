import type { StreamOffsetStore, StreamReader } from "@galaxy/redisconn";
import { startStreamReader } from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { LobbyService } from "../service.js";

/** Offset label of the `gm:lobby_events` consumer. */
export const GM_EVENTS_LABEL = "lobby-stub:gm_events";

/** Options of {@link startLobbyEventsWorker}. */
export interface LobbyEventsWorkerOptions {
  /** A dedicated connection: XREAD BLOCK holds it. */
  redis: Redis;
  stream: string;
  offsets: StreamOffsetStore;
  service: LobbyService;
  logger: Logger;
  blockMs?: number;
}

/** Consumes `gm:lobby_events` into the Lobby's view of each game. */
export function startLobbyEventsWorker(options: LobbyEventsWorkerOptions): StreamReader {
  const logger = options.logger.child({ worker: "gm_events" });
  return startStreamReader({
    redis: options.redis,
    stream: options.stream,
    label: GM_EVENTS_LABEL,
    offsets: options.offsets,
    blockMs: options.blockMs,
    logger,
    handle: async (entry) => {
      const outcome = options.service.handleLobbyEvent(entry.fields);
      logger.debug({ entry_id: entry.id, outcome }, "lobby event handled");
    },
  });
}
