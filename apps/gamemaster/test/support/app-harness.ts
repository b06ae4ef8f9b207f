import type { OpenAPIHono } from "@hono/zod-openapi";
import type { PlayerTurnStats } from "../../src/domain/runtime-record.js";
import { createApp } from "../../src/http/app.js";
import type { AppEnv } from "../../src/http/context.js";
import { EngineVersionService } from "../../src/services/engine-versions.js";
import { GamePlayersService } from "../../src/services/game-players.js";
import { MembershipCache } from "../../src/services/membership-cache.js";
import { OperationHistoryService } from "../../src/services/operation-history.js";
import { PlayerActionService } from "../../src/services/player-actions.js";
import { RegisterRuntimeService } from "../../src/services/register-runtime.js";
import { RuntimeQueryService } from "../../src/services/runtimes.js";
import { SchedulePreviewService } from "../../src/services/schedule-preview.js";
import {
  FakeClock,
  FakeEngine,
  MemoryConsumerOffsets,
  MemoryEngineVersionStore,
  MemoryIntents,
  MemoryLobbyEvents,
  MemoryLogger,
  MemoryOperationLog,
  MemoryRuntimeStore,
  MemoryTelemetry,
  MemoryUnitOfWork,
} from "./fakes.js";
import { FakeLobby, MemoryPlayerAccess, ScriptedEngine } from "./hot-path-fakes.js";
import { createTurnEngineServices } from "./turn-fakes.js";

/** The GM app over in-memory fakes, for in-process route tests. */
export function createTestApp(
  options: {
    maxBodyBytes?: number;
    down?: string[];
    /** Membership cache settings (default TTL 30 s, 100 games, a hand-moved clock at 0). */
    membershipCache?: { ttlMs?: number; maxGames?: number; now?: () => number };
  } = {},
) {
  const clock = new FakeClock();
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
  const hotEngine = new ScriptedEngine();
  const lobby = new FakeLobby();
  const playerAccess = new MemoryPlayerAccess(runtimes);
  const memberships = new MembershipCache({
    lobby,
    ttlMs: options.membershipCache?.ttlMs ?? 30_000,
    maxGames: options.membershipCache?.maxGames ?? 100,
    now: options.membershipCache?.now ?? (() => 0),
  });
  const logger = new MemoryLogger();
  const turnEngine = createTurnEngineServices({
    clock,
    runtimes,
    versions,
    operationLog,
    lobbyEvents,
    intents,
    offsets,
    unitOfWork,
  });
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
    services: {
      registerRuntime: new RegisterRuntimeService({
        runtimeRecords: runtimes,
        engineVersions: versions,
        playerMappings: runtimes,
        operationLog,
        engine,
        unitOfWork,
        telemetry: new MemoryTelemetry(),
        clock,
      }),
      runtimes: new RuntimeQueryService({ runtimeRecords: runtimes }),
      schedulePreview: new SchedulePreviewService({ runtimeRecords: runtimes, clock }),
      operationHistory: new OperationHistoryService({ operationLog }),
      engineVersions: new EngineVersionService({ engineVersions: versions, clock }),
      memberships,
      playerActions: new PlayerActionService({ playerAccess, memberships, engine: hotEngine }),
      forceNextTurn: turnEngine.forceNextTurn,
      stopRuntime: turnEngine.stopRuntime,
      patchRuntime: turnEngine.patchRuntime,
      banishRace: turnEngine.banishRace,
      players: new GamePlayersService({
        runtimeRecords: runtimes,
        playerMappings: runtimes,
      }),
    },
    logger,
    readiness: async () => ({ down }),
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    metrics: { contentType: "text/plain; version=0.0.4", render: async () => "# metrics\n" },
  });
  return {
    app,
    clock,
    runtimes,
    versions,
    operationLog,
    lobbyEvents,
    engine,
    logger,
    hotEngine,
    lobby,
    playerAccess,
    memberships,
    turnEngine,
    lastStats,
  };
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
