export {
  createHttpAgent,
  type HttpAgentOptions,
  HttpEngineClient,
  type HttpEngineClientOptions,
} from "./adapters/http/engine-client.js";
export { MIGRATIONS_FOLDER, MIGRATIONS_SCHEMA } from "./adapters/postgres/migrations.js";
export { PostgresOutboxCommitListener } from "./adapters/postgres/outbox-commit-listener.js";
export { OUTBOX_COMMIT_LOCK_KEY, PostgresOutboxSource } from "./adapters/postgres/outbox-store.js";
export { schema } from "./adapters/postgres/schema.js";
export { PostgresUnitOfWork } from "./adapters/postgres/unit-of-work.js";
export {
  DEFAULT_STREAM_RETENTION_MS,
  RedisStreamBatchPublisher,
} from "./adapters/redis/stream-batch-publisher.js";
export { ConfigError, type GameMasterConfig, loadConfig, parseGoDuration } from "./config.js";
export { type AppDeps, createApp } from "./http/app.js";
export { buildOpenApiDocument } from "./http/openapi.js";
export { createMetrics, type GameMasterMetrics } from "./metrics.js";
export type { TransactionStores, UnitOfWork } from "./ports/unit-of-work.js";
export {
  type GameMasterHandle,
  type StartGameMasterOptions,
  startGameMaster,
} from "./server.js";
export { OutboxRelay, type OutboxRelayOptions } from "./workers/outbox-relay.js";
