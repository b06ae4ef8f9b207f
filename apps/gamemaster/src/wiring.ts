import type { Redis } from "ioredis";
import { HttpEngineClient } from "./adapters/http/engine-client.js";
import type { Database } from "./adapters/postgres/database.js";
import { PostgresEngineVersionStore } from "./adapters/postgres/engine-version-store.js";
import { PostgresOperationLog } from "./adapters/postgres/operation-log.js";
import { PostgresPlayerMappingStore } from "./adapters/postgres/player-mapping-store.js";
import { PostgresRuntimeRecordStore } from "./adapters/postgres/runtime-record-store.js";
import { RedisLobbyEventsPublisher } from "./adapters/redis/lobby-events-publisher.js";
import type { GameMasterConfig } from "./config.js";
import type { GameMasterMetrics } from "./metrics.js";
import type { Clock } from "./ports/clock.js";
import type { EngineClient } from "./ports/engine-client.js";
import type { EngineVersionStore } from "./ports/engine-version-store.js";
import type { LobbyEventsPublisher } from "./ports/lobby-events-publisher.js";
import type { OperationLog } from "./ports/operation-log.js";
import type { PlayerMappingStore } from "./ports/player-mapping-store.js";
import type { RuntimeRecordStore } from "./ports/runtime-record-store.js";
import { EngineVersionService } from "./services/engine-versions.js";
import { RegisterRuntimeService } from "./services/register-runtime.js";
import { RuntimeQueryService } from "./services/runtimes.js";

/** Every adapter, typed by its port. */
export interface GameMasterAdapters {
  runtimeRecords: RuntimeRecordStore;
  engineVersions: EngineVersionStore;
  playerMappings: PlayerMappingStore;
  operationLog: OperationLog;
  engine: EngineClient;
  lobbyEvents: LobbyEventsPublisher;
}

/** Every service. Later features (turn generation, admin ops, hot path) add theirs here. */
export interface GameMasterServices {
  registerRuntime: RegisterRuntimeService;
  runtimes: RuntimeQueryService;
  engineVersions: EngineVersionService;
}

/** Builds the adapters over the open database and Redis connection. */
export function createAdapters(input: {
  config: GameMasterConfig;
  db: Database;
  redis: Redis;
  metrics: GameMasterMetrics;
}): GameMasterAdapters {
  const { config, db, redis, metrics } = input;
  return {
    runtimeRecords: new PostgresRuntimeRecordStore(db),
    engineVersions: new PostgresEngineVersionStore(db),
    playerMappings: new PostgresPlayerMappingStore(db),
    operationLog: new PostgresOperationLog(db),
    engine: new HttpEngineClient({
      timeoutMs: config.engine.timeoutMs,
      turnTimeoutMs: config.engine.turnTimeoutMs,
      observe: (operation, outcome, seconds) =>
        metrics.observeEngineCall(operation, outcome, seconds),
    }),
    lobbyEvents: new RedisLobbyEventsPublisher({
      redis,
      stream: config.streams.lobbyEvents,
      onPublished: (eventType) => metrics.recordLobbyEventPublished(eventType),
    }),
  };
}

/** Builds the services over the adapters. */
export function createServices(input: {
  adapters: GameMasterAdapters;
  metrics: GameMasterMetrics;
  clock: Clock;
}): GameMasterServices {
  const { adapters, metrics, clock } = input;
  return {
    registerRuntime: new RegisterRuntimeService({
      runtimeRecords: adapters.runtimeRecords,
      engineVersions: adapters.engineVersions,
      playerMappings: adapters.playerMappings,
      operationLog: adapters.operationLog,
      engine: adapters.engine,
      lobbyEvents: adapters.lobbyEvents,
      telemetry: metrics,
      clock,
    }),
    runtimes: new RuntimeQueryService({ runtimeRecords: adapters.runtimeRecords }),
    engineVersions: new EngineVersionService({
      engineVersions: adapters.engineVersions,
      clock,
    }),
  };
}
