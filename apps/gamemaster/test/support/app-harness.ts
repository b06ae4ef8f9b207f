import type { OpenAPIHono } from "@hono/zod-openapi";
import { PlayerAccessCache } from "../../src/adapters/player-access-cache.js";
import type { PlayerTurnStats } from "../../src/domain/runtime-record.js";
import { createApp } from "../../src/http/app.js";
import type { AppEnv } from "../../src/http/context.js";
import { createServices, type GameMasterServices, type ServiceAdapters } from "../../src/wiring.js";
import {
  FakeClock,
  FakeEngine,
  FakeLobby,
  FakeRtm,
  MemoryCacheInvalidations,
  MemoryConsumerOffsets,
  MemoryEngineVersionStore,
  MemoryIntents,
  MemoryLobbyEvents,
  MemoryLogger,
  MemoryOperationLog,
  MemoryPlayerAccess,
  MemoryRuntimeStore,
  MemoryTelemetry,
  MemoryUnitOfWork,
} from "./fakes.js";

/** Options of {@link createMemoryGameMaster}. */
export interface MemoryGameMasterOptions {
  /** Where the hand-moved clock starts (default 2026-01-01T10:00:00.000Z). */
  now?: string;
  /** Membership cache settings (default TTL 30 s, 100 games, a hand-moved clock at 0). */
  membershipCache?: { ttlMs?: number; maxGames?: number; now?: () => number };
}

/**
 * The services of the process, assembled by the real `createServices`
 * (src/wiring.ts) over in-memory fakes of every port they use: the one way
 * unit and route tests get a Game Master. The fakes are returned next to the
 * services so a test can script them (the engine, RTM, Lobby) and read what
 * was written (the stores, the committed outbox messages, the telemetry).
 *
 * Lobby lists the mapped players of a game it was given no roster for as
 * active members, so turn notifications reach every mapped player unless a
 * test says otherwise. The hot path's runtime view does not cache (TTL 0):
 * the tests write the memory stores directly, around the invalidating
 * stores the process puts in front of PostgreSQL.
 */
export function createMemoryGameMaster(options: MemoryGameMasterOptions = {}) {
  const clock = new FakeClock(options.now === undefined ? undefined : new Date(options.now));
  const runtimes = new MemoryRuntimeStore();
  const versions = new MemoryEngineVersionStore(runtimes);
  const operationLog = new MemoryOperationLog();
  const lobbyEvents = new MemoryLobbyEvents();
  const intents = new MemoryIntents();
  const offsets = new MemoryConsumerOffsets();
  const unitOfWork = new MemoryUnitOfWork({
    runtimes,
    operationLog,
    lobbyEvents,
    intents,
    offsets,
  });
  const engine = new FakeEngine();
  const rtm = new FakeRtm();
  const lobby = new FakeLobby((gameId) =>
    runtimes.mappings
      .filter((mapping) => mapping.gameId === gameId)
      .map((mapping) => ({ userId: mapping.userId, raceName: mapping.raceName, status: "active" })),
  );
  const playerAccess = new MemoryPlayerAccess(runtimes);
  const cacheInvalidations = new MemoryCacheInvalidations();
  const telemetry = new MemoryTelemetry();
  const adapters: ServiceAdapters = {
    runtimeRecords: runtimes,
    engineVersions: versions,
    playerMappings: runtimes,
    operationLog,
    engine,
    unitOfWork,
    playerAccess: new PlayerAccessCache({ store: playerAccess, ttlMs: 0, maxGames: 100 }),
    cacheInvalidations,
    lobby,
    rtm,
  };
  const services: GameMasterServices = createServices({
    adapters,
    metrics: telemetry,
    clock,
    membershipCache: {
      ttlMs: options.membershipCache?.ttlMs ?? 30_000,
      maxGames: options.membershipCache?.maxGames ?? 100,
      now: options.membershipCache?.now ?? (() => 0),
    },
  });
  return {
    clock,
    runtimes,
    versions,
    operationLog,
    lobbyEvents,
    intents,
    offsets,
    /** Delivers outbox messages into `lobbyEvents` / `intents` on commit. */
    unitOfWork,
    engine,
    rtm,
    lobby,
    /** The rows behind the hot path's runtime view (counts its reads). */
    playerAccess,
    cacheInvalidations,
    telemetry,
    adapters,
    services,
  };
}

/** What {@link createMemoryGameMaster} returns. */
export type MemoryGameMaster = ReturnType<typeof createMemoryGameMaster>;

/** The GM app over {@link createMemoryGameMaster}, for in-process route tests. */
export function createTestApp(
  options: MemoryGameMasterOptions & { maxBodyBytes?: number; down?: string[] } = {},
) {
  const gm = createMemoryGameMaster(options);
  const { runtimes } = gm;
  const logger = new MemoryLogger();
  const down = options.down ?? [];
  // The stats a game's last engine answer stored with its record.
  const lastStats = {
    remember(gameId: string, stats: readonly PlayerTurnStats[]): void {
      const record = runtimes.records.get(gameId);
      if (record === undefined) throw new Error(`no runtime record for ${gameId}`);
      runtimes.records.set(gameId, { ...record, lastPlayerStats: [...stats] });
    },
  };
  const app: OpenAPIHono<AppEnv> = createApp({
    services: gm.services,
    logger,
    readiness: async () => ({ down }),
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    metrics: { contentType: "text/plain; version=0.0.4", render: async () => "# metrics\n" },
  });
  return { ...gm, app, logger, lastStats };
}

/** JSON request helper for `app.request`. */
export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
