import { GalaxyError } from "@galaxy/errors";
import type { PlayerMapping, RuntimeRecord } from "../../src/domain/runtime-record.js";
import type {
  EngineClient,
  EngineRawResponse,
  EngineState,
} from "../../src/ports/engine-client.js";
import { noopLogger } from "../../src/ports/logger.js";
import type { RtmClient, StopReason } from "../../src/ports/rtm-client.js";
import type {
  HealthEventOutcome,
  PublishStream,
  TurnEngineTelemetry,
  TurnOutcome,
  TurnTrigger,
} from "../../src/ports/telemetry.js";
import { BanishRaceService } from "../../src/services/banish-race.js";
import { ForceNextTurnService } from "../../src/services/force-next-turn.js";
import type { OperationContext } from "../../src/services/operation-context.js";
import { PatchRuntimeService } from "../../src/services/patch-runtime.js";
import { type ActiveMembersLookup, RuntimeNotifier } from "../../src/services/runtime-notifier.js";
import { StopRuntimeService } from "../../src/services/stop-runtime.js";
import { TurnGenerationService } from "../../src/services/turn-generation.js";
import {
  FakeClock,
  MemoryConsumerOffsets,
  MemoryEngineVersionStore,
  MemoryIntents,
  MemoryLobbyEvents,
  MemoryLogger,
  MemoryOperationLog,
  MemoryRuntimeStore,
  MemoryUnitOfWork,
  stateFor,
} from "./fakes.js";

/** One scripted answer of the engine: a state, an error to throw, or a function of the call. */
export type EngineAnswer =
  | EngineState
  | Error
  | ((endpoint: string) => EngineState | Promise<EngineState>);

/**
 * An engine for the turn engine's unit tests: `/admin/turn` advances a
 * per-endpoint turn counter (or answers what a test queued), `/admin/status`
 * reports it, banish records the race. `gate` holds a turn until released.
 */
export class TurnEngine implements EngineClient {
  readonly calls: { operation: string; endpoint: string; args: unknown }[] = [];
  readonly turns = new Map<string, number>();
  readonly finishAt = new Map<string, number>();
  readonly turnAnswers: EngineAnswer[] = [];
  statusAnswer: EngineAnswer | undefined;
  banishError: Error | undefined;
  readonly banished: { endpoint: string; raceName: string }[] = [];
  readonly races = ["Aelinari", "Borg"];
  private gates: (() => void)[] = [];
  private gated = false;

  /** Holds every `/admin/turn` until {@link release}. */
  hold(): void {
    this.gated = true;
  }

  /** Lets the held turns (and later ones) through. */
  release(): void {
    this.gated = false;
    for (const open of this.gates.splice(0)) open();
  }

  stateOf(endpoint: string): EngineState {
    const turn = this.turns.get(endpoint) ?? 0;
    const finishAt = this.finishAt.get(endpoint) ?? 0;
    return {
      turn,
      finished: finishAt > 0 && turn >= finishAt,
      players: this.races.map((raceName, index) => ({
        raceName,
        enginePlayerUuid: `uuid-${raceName}`,
        planets: 1 + index + turn,
        population: 100 * (index + 1) + turn * 10,
      })),
    };
  }

  async init(endpoint: string, raceNames: readonly string[]): Promise<EngineState> {
    this.calls.push({ operation: "init", endpoint, args: raceNames });
    return stateFor(raceNames);
  }

  async command(): Promise<EngineRawResponse> {
    throw new Error("not scripted");
  }

  async order(): Promise<EngineRawResponse> {
    throw new Error("not scripted");
  }

  async report(): Promise<EngineRawResponse> {
    throw new Error("not scripted");
  }

  async turn(endpoint: string): Promise<EngineState> {
    this.calls.push({ operation: "turn", endpoint, args: null });
    if (this.gated) {
      await new Promise<void>((resolve) => this.gates.push(resolve));
    }
    const scripted = this.turnAnswers.shift();
    if (scripted !== undefined) {
      return answer(scripted, endpoint);
    }
    this.turns.set(endpoint, (this.turns.get(endpoint) ?? 0) + 1);
    return this.stateOf(endpoint);
  }

  async status(endpoint: string): Promise<EngineState> {
    this.calls.push({ operation: "status", endpoint, args: null });
    if (this.statusAnswer !== undefined) {
      return answer(this.statusAnswer, endpoint);
    }
    return this.stateOf(endpoint);
  }

  async banish(endpoint: string, raceName: string): Promise<void> {
    this.calls.push({ operation: "banish", endpoint, args: raceName });
    if (this.banishError !== undefined) {
      throw this.banishError;
    }
    this.banished.push({ endpoint, raceName });
  }

  turnCalls(endpoint?: string): number {
    return this.calls.filter(
      (call) => call.operation === "turn" && (endpoint === undefined || call.endpoint === endpoint),
    ).length;
  }
}

async function answer(scripted: EngineAnswer, endpoint: string): Promise<EngineState> {
  if (scripted instanceof Error) {
    throw scripted;
  }
  return typeof scripted === "function" ? scripted(endpoint) : scripted;
}

/** An RTM that records its calls; `failNext` makes the next call of an operation fail. */
export class FakeRtm implements RtmClient {
  readonly calls: { operation: "stop" | "patch"; gameId: string; arg: string }[] = [];
  private readonly failures = new Map<string, Error>();
  /** Runs inside each call before it answers (to interleave other work). */
  during: (() => Promise<void>) | undefined;

  failNext(
    operation: "stop" | "patch",
    error: Error = new GalaxyError(
      "runtime_manager_unavailable",
      `runtime manager ${operation} answered 500`,
    ),
  ): void {
    this.failures.set(operation, error);
  }

  async stop(gameId: string, reason: StopReason): Promise<void> {
    await this.call("stop", gameId, reason);
  }

  async patch(gameId: string, imageRef: string): Promise<void> {
    await this.call("patch", gameId, imageRef);
  }

  private async call(operation: "stop" | "patch", gameId: string, arg: string): Promise<void> {
    this.calls.push({ operation, gameId, arg });
    await this.during?.();
    const failure = this.failures.get(operation);
    if (failure !== undefined) {
      this.failures.delete(operation);
      throw failure;
    }
  }
}

/** Counts what the turn engine records. */
export class MemoryTurnTelemetry implements TurnEngineTelemetry {
  readonly turns: { trigger: TurnTrigger; outcome: TurnOutcome }[] = [];
  readonly lags: number[] = [];
  readonly healthEvents: { eventType: string; outcome: HealthEventOutcome }[] = [];
  readonly publishFailures: PublishStream[] = [];
  recordTurnGeneration(trigger: TurnTrigger, outcome: TurnOutcome): void {
    this.turns.push({ trigger, outcome });
  }
  observeSchedulerLag(seconds: number): void {
    this.lags.push(seconds);
  }
  recordHealthEvent(eventType: string, outcome: HealthEventOutcome): void {
    this.healthEvents.push({ eventType, outcome });
  }
  recordPublishFailure(stream: PublishStream): void {
    this.publishFailures.push(stream);
  }
}

/** The in-memory stores the turn-engine services run on. */
export interface TurnEngineStores {
  clock: FakeClock;
  runtimes: MemoryRuntimeStore;
  versions: MemoryEngineVersionStore;
  operationLog: MemoryOperationLog;
  lobbyEvents: MemoryLobbyEvents;
  intents: MemoryIntents;
  offsets: MemoryConsumerOffsets;
  /** Delivers outbox messages into `lobbyEvents` / `intents` on commit. */
  unitOfWork: MemoryUnitOfWork;
}

/** Fresh in-memory stores with a hand-moved clock set to `nowIso`. */
export function memoryStores(nowIso: string): TurnEngineStores {
  const runtimes = new MemoryRuntimeStore();
  const operationLog = new MemoryOperationLog();
  const lobbyEvents = new MemoryLobbyEvents();
  const intents = new MemoryIntents();
  const offsets = new MemoryConsumerOffsets();
  return {
    clock: new FakeClock(new Date(nowIso)),
    runtimes,
    versions: new MemoryEngineVersionStore(runtimes),
    operationLog,
    lobbyEvents,
    intents,
    offsets,
    unitOfWork: new MemoryUnitOfWork({ runtimes, operationLog, lobbyEvents, intents, offsets }),
  };
}

/** Builds the turn-engine services over in-memory stores and fakes. */
export function createTurnEngineServices(
  stores: TurnEngineStores,
  options: { activeMembers?: ActiveMembersLookup } = {},
) {
  const engine = new TurnEngine();
  const rtm = new FakeRtm();
  const notifications = stores.intents;
  const telemetry = new MemoryTurnTelemetry();
  const notifier = new RuntimeNotifier({
    telemetry,
    ...(options.activeMembers === undefined ? {} : { activeMembers: options.activeMembers }),
  });
  const turnGeneration = new TurnGenerationService({
    runtimeRecords: stores.runtimes,
    playerMappings: stores.runtimes,
    operationLog: stores.operationLog,
    unitOfWork: stores.unitOfWork,
    engine,
    notifier,
    telemetry,
    clock: stores.clock,
    logger: noopLogger,
    owner: "gm-test",
    leaseMs: 15_000,
  });
  return {
    engine,
    rtm,
    notifications,
    telemetry,
    notifier,
    turnGeneration,
    forceNextTurn: new ForceNextTurnService({ runtimeRecords: stores.runtimes, turnGeneration }),
    stopRuntime: new StopRuntimeService({
      runtimeRecords: stores.runtimes,
      operationLog: stores.operationLog,
      unitOfWork: stores.unitOfWork,
      rtm,
      notifier,
      clock: stores.clock,
    }),
    patchRuntime: new PatchRuntimeService({
      runtimeRecords: stores.runtimes,
      engineVersions: stores.versions,
      operationLog: stores.operationLog,
      unitOfWork: stores.unitOfWork,
      rtm,
      clock: stores.clock,
    }),
    banishRace: new BanishRaceService({
      runtimeRecords: stores.runtimes,
      playerMappings: stores.runtimes,
      operationLog: stores.operationLog,
      engine,
      clock: stores.clock,
    }),
  };
}

/** A running record with two mapped players, inserted into `runtimes`. */
export async function seedRunningGame(
  runtimes: MemoryRuntimeStore,
  gameId: string,
  overrides: Partial<RuntimeRecord> = {},
): Promise<RuntimeRecord> {
  const now = new Date("2026-01-01T10:00:00.000Z");
  const record: RuntimeRecord = {
    gameId,
    status: "running",
    engineEndpoint: `http://engine/games/${gameId}`,
    currentImageRef: "galaxy/game:1.4.2",
    currentEngineVersion: "1.4.2",
    turnSchedule: "0 * * * *",
    currentTurn: 0,
    nextGenerationAt: new Date("2026-01-01T11:00:00.000Z"),
    skipNextTick: false,
    engineHealth: "",
    createdAt: now,
    updatedAt: now,
    startedAt: now,
    stoppedAt: null,
    finishedAt: null,
    lastPlayerStats: [],
    lastHealthEventId: "",
    ...overrides,
  };
  await runtimes.insert(record);
  const mappings: PlayerMapping[] = [
    {
      gameId,
      userId: "user-1",
      raceName: "Aelinari",
      enginePlayerUuid: "uuid-Aelinari",
      createdAt: now,
    },
    { gameId, userId: "user-2", raceName: "Borg", enginePlayerUuid: "uuid-Borg", createdAt: now },
  ];
  await runtimes.insertMany(mappings);
  return record;
}

/** An operation context for service calls in tests. */
export function testContext(
  opSource: OperationContext["opSource"] = "admin_rest",
  logger = new MemoryLogger(),
): OperationContext & { logger: MemoryLogger } {
  return { opSource, sourceRef: "test", logger };
}
