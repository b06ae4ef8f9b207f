import type { Redis } from "ioredis";
import type { Dispatcher } from "undici";
import { HttpEngineClient } from "./adapters/http/engine-client.js";
import { HttpLobbyClient } from "./adapters/http/lobby-client.js";
import { HttpRtmClient } from "./adapters/http/rtm-client.js";
import {
  InvalidatingPlayerMappingStore,
  InvalidatingRuntimeRecordStore,
  runtimeViewWriteHook,
} from "./adapters/invalidating-stores.js";
import { PlayerAccessCache } from "./adapters/player-access-cache.js";
import { PostgresConsumerOffsetStore } from "./adapters/postgres/consumer-offset-store.js";
import type { RootDatabase } from "./adapters/postgres/database.js";
import { PostgresEngineVersionStore } from "./adapters/postgres/engine-version-store.js";
import { PostgresOperationLog } from "./adapters/postgres/operation-log.js";
import { PostgresOutboxSource } from "./adapters/postgres/outbox-store.js";
import { PostgresPlayerAccessStore } from "./adapters/postgres/player-access-store.js";
import { PostgresPlayerMappingStore } from "./adapters/postgres/player-mapping-store.js";
import { PostgresRuntimeRecordStore } from "./adapters/postgres/runtime-record-store.js";
import { PostgresUnitOfWork } from "./adapters/postgres/unit-of-work.js";
import { RedisCacheInvalidationPublisher } from "./adapters/redis/cache-invalidation-bus.js";
import { RedisStreamBatchPublisher } from "./adapters/redis/stream-batch-publisher.js";
import type { GameMasterConfig } from "./config.js";
import type { GameMasterMetrics } from "./metrics.js";
import type {
  CacheInvalidationHandler,
  CacheInvalidationPublisher,
} from "./ports/cache-invalidation.js";
import type { Clock } from "./ports/clock.js";
import type { EngineClient } from "./ports/engine-client.js";
import type { EngineVersionStore } from "./ports/engine-version-store.js";
import type { LobbyClient } from "./ports/lobby-client.js";
import { type Logger, noopLogger } from "./ports/logger.js";
import type { MembershipCacheTelemetry } from "./ports/membership.js";
import type { OperationLog } from "./ports/operation-log.js";
import type { OutboxSource, StreamBatchPublisher } from "./ports/outbox.js";
import type { PlayerMappingStore } from "./ports/player-mapping-store.js";
import type { RtmClient } from "./ports/rtm-client.js";
import type { RuntimeRecordStore } from "./ports/runtime-record-store.js";
import type { Telemetry, TurnEngineTelemetry } from "./ports/telemetry.js";
import type { ConsumerOffsetStore, UnitOfWork } from "./ports/unit-of-work.js";
import { BanishRaceService } from "./services/banish-race.js";
import { EngineVersionService } from "./services/engine-versions.js";
import { ForceNextTurnService } from "./services/force-next-turn.js";
import { GamePlayersService } from "./services/game-players.js";
import { MembershipCache } from "./services/membership-cache.js";
import { OperationHistoryService } from "./services/operation-history.js";
import { PatchRuntimeService } from "./services/patch-runtime.js";
import { PlayerActionService } from "./services/player-actions.js";
import { RegisterRuntimeService } from "./services/register-runtime.js";
import { RuntimeNotifier } from "./services/runtime-notifier.js";
import { RuntimeQueryService } from "./services/runtimes.js";
import { SchedulePreviewService } from "./services/schedule-preview.js";
import { StopRuntimeService } from "./services/stop-runtime.js";
import { TurnGenerationService } from "./services/turn-generation.js";

/** Every adapter, typed by its port. */
export interface GameMasterAdapters {
  runtimeRecords: RuntimeRecordStore;
  engineVersions: EngineVersionStore;
  playerMappings: PlayerMappingStore;
  operationLog: OperationLog;
  engine: EngineClient;
  /** One PostgreSQL transaction for a state change, its log entry and its outbox rows. */
  unitOfWork: UnitOfWork;
  /** The relay's side of the outbox table. */
  outbox: OutboxSource;
  /** Appends outbox rows to their stream (Lua, high-water mark, MINID retention). */
  streamPublisher: StreamBatchPublisher;
  /** Offsets of the stream consumers (health events), in PostgreSQL. */
  consumerOffsets: ConsumerOffsetStore;
  /**
   * Runtime status + player mapping in one query, behind the in-process
   * runtime view (hot path, decisions 061 and 080).
   */
  playerAccess: PlayerAccessCache;
  /** Tells the other replicas which cached views to drop (decision 080). */
  cacheInvalidations: CacheInvalidationPublisher;
  /** Lobby's roster endpoint (membership cache misses). */
  lobby: LobbyClient;
  /** Runtime Manager stop / patch (admin operations). */
  rtm: RtmClient;
}

/**
 * The adapters the services are built on; the outbox relay and the stream
 * consumers take the others. Tests hand {@link createServices} fakes of these
 * ports (test/support/app-harness.ts) and so assemble the services exactly as
 * the process does.
 */
export type ServiceAdapters = Omit<
  GameMasterAdapters,
  "outbox" | "streamPublisher" | "consumerOffsets"
>;

/** The business metrics the services record (the process passes its GameMasterMetrics). */
export type ServiceTelemetry = Telemetry & MembershipCacheTelemetry & TurnEngineTelemetry;

/** Every service. Later features (turn generation, admin ops, hot path) add theirs here. */
export interface GameMasterServices {
  registerRuntime: RegisterRuntimeService;
  runtimes: RuntimeQueryService;
  engineVersions: EngineVersionService;
  /** In-process membership cache in front of Lobby. */
  memberships: MembershipCache;
  /** Player commands, orders and reports. */
  playerActions: PlayerActionService;
  /** Lobby events + notification intents of the turn engine. */
  notifier: RuntimeNotifier;
  /** Turn generation for the scheduler, force-next-turn and the recovery of interrupted turns. */
  turnGeneration: TurnGenerationService;
  forceNextTurn: ForceNextTurnService;
  stopRuntime: StopRuntimeService;
  patchRuntime: PatchRuntimeService;
  banishRace: BanishRaceService;
  /** Players of a game with their last stats (operators: the console). */
  players: GamePlayersService;
  schedulePreview: SchedulePreviewService;
  operationHistory: OperationHistoryService;
}

/** Builds the adapters over the open database and Redis connection. */
export function createAdapters(input: {
  config: GameMasterConfig;
  db: RootDatabase;
  redis: Redis;
  metrics: GameMasterMetrics;
  logger: Logger;
  /**
   * Keep-alive connection pool shared by the HTTP clients (engine, Lobby, RTM);
   * the composition root closes it at shutdown. Without one each client
   * opens its own.
   */
  httpAgent?: Dispatcher;
}): GameMasterAdapters {
  const { config, db, redis, metrics } = input;
  const dispatcher = input.httpAgent === undefined ? {} : { dispatcher: input.httpAgent };
  const cacheInvalidations = new RedisCacheInvalidationPublisher({
    redis,
    channel: config.cacheInvalidationChannel,
    instanceId: config.instanceId,
    logger: input.logger.child({ component: "cache_invalidation" }),
    onPublished: (invalidation) => metrics.recordCacheInvalidation("sent", invalidation.kind),
  });
  // The hot path's runtime view (decisions 061, 080): every write to runtime
  // records or player mappings goes through an invalidating store, which
  // drops the view here and tells the other replicas to drop theirs.
  const playerAccess = new PlayerAccessCache({
    store: new PostgresPlayerAccessStore(db),
    ttlMs: config.runtimeCacheTtlMs,
    maxGames: config.membershipCache.maxGames,
  });
  const writeHook = runtimeViewWriteHook({ view: playerAccess, publisher: cacheInvalidations });
  return {
    runtimeRecords: new InvalidatingRuntimeRecordStore(
      new PostgresRuntimeRecordStore(db),
      writeHook,
    ),
    engineVersions: new PostgresEngineVersionStore(db),
    playerMappings: new InvalidatingPlayerMappingStore(
      new PostgresPlayerMappingStore(db),
      writeHook,
    ),
    operationLog: new PostgresOperationLog(db),
    engine: new HttpEngineClient({
      timeoutMs: config.engine.timeoutMs,
      turnTimeoutMs: config.engine.turnTimeoutMs,
      observe: (operation, outcome, seconds) =>
        metrics.observeEngineCall(operation, outcome, seconds),
      ...dispatcher,
    }),
    unitOfWork: new PostgresUnitOfWork({
      db,
      streams: {
        lobbyEvents: config.streams.lobbyEvents,
        notificationIntents: config.streams.notificationIntents,
      },
      writeHook,
    }),
    outbox: new PostgresOutboxSource(db),
    streamPublisher: new RedisStreamBatchPublisher({
      redis,
      retentionMs: config.outbox.retentionMs,
    }),
    consumerOffsets: new PostgresConsumerOffsetStore(db),
    playerAccess,
    cacheInvalidations,
    lobby: new HttpLobbyClient({
      baseUrl: config.lobbyBaseUrl,
      timeoutMs: config.lobbyTimeoutMs,
      observe: (outcome, seconds) => metrics.observeLobbyCall(outcome, seconds),
      ...dispatcher,
    }),
    rtm: new HttpRtmClient({
      baseUrl: config.rtmBaseUrl,
      timeoutMs: config.rtmTimeoutMs,
      observe: (operation, outcome, seconds) => metrics.observeRtmCall(operation, outcome, seconds),
      ...dispatcher,
    }),
  };
}

/** Builds the services over the adapters. */
export function createServices(input: {
  adapters: ServiceAdapters;
  metrics: ServiceTelemetry;
  clock: Clock;
  /**
   * TTL and size of the membership cache (`config.membershipCache`); `now`
   * (monotonic ms, default `performance.now`) lets tests move its time.
   */
  membershipCache: { ttlMs: number; maxGames: number; now?: () => number };
  /**
   * The claims this instance takes (docs/flows.md#turn-claims-and-leases):
   * its id and `GAMEMASTER_TURN_LEASE`; a registration's claim also covers
   * the engine's init timeout. Default: a single instance named
   * `gamemaster` with 15 s leases (unit tests).
   */
  leases?: {
    owner: string;
    leaseMs: number;
    engineTimeoutMs: number;
    /** The turn timeout: how long a turn the engine has not finished may still be in progress. */
    turnTimeoutMs?: number;
  };
  logger?: Logger;
}): GameMasterServices {
  const { adapters, metrics, clock } = input;
  const memberships = new MembershipCache({
    lobby: adapters.lobby,
    ttlMs: input.membershipCache.ttlMs,
    maxGames: input.membershipCache.maxGames,
    telemetry: metrics,
    invalidations: adapters.cacheInvalidations,
    ...(input.membershipCache.now === undefined ? {} : { now: input.membershipCache.now }),
  });
  const notifier = new RuntimeNotifier({
    telemetry: metrics,
    // Decision 050: intents go to the mapped players Lobby lists as active;
    // when Lobby cannot answer, to every mapped player (a turn never fails
    // because Lobby is down).
    activeMembers: async (gameId, userIds) => {
      const members = await memberships.members(gameId);
      return userIds.filter((userId) => members.get(userId) === "active");
    },
    prepareMembers: (gameIds) => memberships.warm(gameIds),
  });
  const leases = input.leases ?? { owner: "gamemaster", leaseMs: 15_000, engineTimeoutMs: 5_000 };
  const turnGeneration = new TurnGenerationService({
    logger: input.logger ?? noopLogger,
    owner: leases.owner,
    leaseMs: leases.leaseMs,
    interruptedTurnGraceMs: leases.turnTimeoutMs ?? 0,
    runtimeRecords: adapters.runtimeRecords,
    playerMappings: adapters.playerMappings,
    operationLog: adapters.operationLog,
    unitOfWork: adapters.unitOfWork,
    engine: adapters.engine,
    notifier,
    telemetry: metrics,
    clock,
  });
  return {
    registerRuntime: new RegisterRuntimeService({
      runtimeRecords: adapters.runtimeRecords,
      engineVersions: adapters.engineVersions,
      playerMappings: adapters.playerMappings,
      operationLog: adapters.operationLog,
      engine: adapters.engine,
      unitOfWork: adapters.unitOfWork,
      telemetry: metrics,
      clock,
      lease: { owner: leases.owner, ms: leases.leaseMs + leases.engineTimeoutMs },
      lobby: adapters.lobby,
    }),
    runtimes: new RuntimeQueryService({ runtimeRecords: adapters.runtimeRecords }),
    schedulePreview: new SchedulePreviewService({ runtimeRecords: adapters.runtimeRecords, clock }),
    operationHistory: new OperationHistoryService({ operationLog: adapters.operationLog }),
    engineVersions: new EngineVersionService({
      engineVersions: adapters.engineVersions,
      clock,
    }),
    memberships,
    playerActions: new PlayerActionService({
      playerAccess: adapters.playerAccess,
      memberships,
      engine: adapters.engine,
    }),
    notifier,
    turnGeneration,
    forceNextTurn: new ForceNextTurnService({
      runtimeRecords: adapters.runtimeRecords,
      turnGeneration,
    }),
    stopRuntime: new StopRuntimeService({
      runtimeRecords: adapters.runtimeRecords,
      operationLog: adapters.operationLog,
      unitOfWork: adapters.unitOfWork,
      rtm: adapters.rtm,
      notifier,
      clock,
    }),
    patchRuntime: new PatchRuntimeService({
      runtimeRecords: adapters.runtimeRecords,
      engineVersions: adapters.engineVersions,
      operationLog: adapters.operationLog,
      unitOfWork: adapters.unitOfWork,
      rtm: adapters.rtm,
      clock,
    }),
    banishRace: new BanishRaceService({
      runtimeRecords: adapters.runtimeRecords,
      playerMappings: adapters.playerMappings,
      operationLog: adapters.operationLog,
      engine: adapters.engine,
      clock,
    }),
    players: new GamePlayersService({
      runtimeRecords: adapters.runtimeRecords,
      playerMappings: adapters.playerMappings,
    }),
  };
}

/**
 * Applies the other replicas' broadcasts to this replica's caches: the
 * membership rosters and the hot path's runtime view.
 */
export function createCacheInvalidationHandler(input: {
  memberships: Pick<MembershipCache, "drop" | "clear">;
  runtimeView: Pick<PlayerAccessCache, "invalidate" | "clear">;
}): CacheInvalidationHandler {
  const { memberships, runtimeView } = input;
  return {
    apply(invalidation) {
      switch (invalidation.kind) {
        case "membership":
          memberships.drop(invalidation.gameId);
          return;
        case "runtime":
          runtimeView.invalidate(invalidation.gameId);
          return;
        case "runtimes":
          for (const gameId of invalidation.gameIds) {
            runtimeView.invalidate(gameId);
          }
          return;
        case "runtime_all":
          runtimeView.clear();
          return;
      }
    },
    resync() {
      memberships.clear();
      runtimeView.clear();
    },
  };
}
