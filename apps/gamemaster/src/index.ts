export {
  createHttpAgent,
  type HttpAgentOptions,
  HttpEngineClient,
  type HttpEngineClientOptions,
} from "./adapters/http/engine-client.js";
export { ConfigError, type GameMasterConfig, loadConfig, parseGoDuration } from "./config.js";
export { type AppDeps, createApp } from "./http/app.js";
export { buildOpenApiDocument } from "./http/openapi.js";
export { createMetrics, type GameMasterMetrics } from "./metrics.js";
export {
  type GameMasterHandle,
  type StartGameMasterOptions,
  startGameMaster,
} from "./server.js";
