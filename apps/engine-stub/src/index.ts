export {
  createEngineStubApp,
  DEFAULT_CALLS_LIMIT,
  type EngineStubLogger,
  type EngineStubOptions,
} from "./app.js";
export { enginePlayerUuid, type PlayerStats, playerStatsAt } from "./determinism.js";
export {
  ENGINE_OPERATIONS,
  type EngineOperation,
  type RecordedCall,
  type StatePlayer,
  type StateResponse,
} from "./game-store.js";
export { type RunningEngineStub, type StartEngineStubOptions, startEngineStub } from "./server.js";
