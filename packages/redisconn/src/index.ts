export {
  closeRedis,
  createRedis,
  pingRedis,
  REDIS_DEFAULTS,
  type RedisOptions,
  retryDelay,
} from "./client.js";
export {
  type GroupClaimPass,
  type GroupReader,
  type GroupReaderLogger,
  type GroupReaderOptions,
  startGroupReader,
} from "./group-reader.js";
export {
  type StreamReader,
  type StreamReaderLogger,
  type StreamReaderOptions,
  startStreamReader,
} from "./reader.js";
export {
  createStreamOffsetStore,
  DEFAULT_STREAM_MAX_LEN,
  fieldsToRecord,
  type StreamEntry,
  type StreamOffsetStore,
  streamOffsetKey,
  xaddFlat,
} from "./streams.js";
