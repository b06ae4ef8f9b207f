import { randomUUID } from "node:crypto";
import { GalaxyError } from "@galaxy/errors";
import { type NotificationIntent, parseIntent } from "@galaxy/notificationintent";
import type { EngineVersion, EngineVersionStatus } from "../../src/domain/engine-version.js";
import type { OperationEntry, OperationRecord } from "../../src/domain/operation.js";
import type { PlayerMapping, RuntimeRecord } from "../../src/domain/runtime-record.js";
import { isTerminalStatus, type RuntimeStatus } from "../../src/domain/runtime-status.js";
import type {
  CacheInvalidation,
  CacheInvalidationPublisher,
} from "../../src/ports/cache-invalidation.js";
import type { Clock } from "../../src/ports/clock.js";
import type {
  EngineClient,
  EngineRawResponse,
  EngineState,
} from "../../src/ports/engine-client.js";
import type {
  DeleteEngineVersionResult,
  EngineVersionPatch,
  EngineVersionStore,
} from "../../src/ports/engine-version-store.js";
import type { LobbyClient, Membership } from "../../src/ports/lobby-client.js";
import type { GameFinishedEvent, RuntimeSnapshotUpdate } from "../../src/ports/lobby-events.js";
import type { Logger } from "../../src/ports/logger.js";
import type { MembershipCacheTelemetry } from "../../src/ports/membership.js";
import type { OperationLog, OperationLogPageQuery } from "../../src/ports/operation-log.js";
import type { EventOutbox } from "../../src/ports/outbox.js";
import type { PlayerAccess, PlayerAccessStore } from "../../src/ports/player-access.js";
import type { PlayerMappingStore } from "../../src/ports/player-mapping-store.js";
import type { RtmClient, StopReason } from "../../src/ports/rtm-client.js";
import type {
  ClaimDueInput,
  ClaimOneInput,
  CompareAndSetInput,
  ExpiredLeasesQuery,
  ListRuntimesQuery,
  RuntimeRecordStore,
  TurnSettlement,
} from "../../src/ports/runtime-record-store.js";
import type {
  HealthEventOutcome,
  PublishStream,
  Telemetry,
  TurnEngineTelemetry,
  TurnOutcome,
  TurnTrigger,
} from "../../src/ports/telemetry.js";
import type {
  ConsumerOffsetStore,
  TransactionStores,
  UnitOfWork,
} from "../../src/ports/unit-of-work.js";
import type { OperationContext } from "../../src/services/operation-context.js";

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(public current: Date = new Date("2026-01-01T10:00:00.000Z")) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A logger that keeps every line for assertions. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: { level: string; obj: object; msg?: string | undefined }[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}
  debug = (obj: object, msg?: string) => this.push("debug", obj, msg);
  info = (obj: object, msg?: string) => this.push("info", obj, msg);
  warn = (obj: object, msg?: string) => this.push("warn", obj, msg);
  error = (obj: object, msg?: string) => this.push("error", obj, msg);
  child(bindings: Record<string, unknown>): Logger {
    return new MemoryLogger(this.lines, { ...this.bindings, ...bindings });
  }
  private push(level: string, obj: object, msg?: string) {
    this.lines.push({ level, obj: { ...this.bindings, ...obj }, msg });
  }
}

/** Wraps a store method so a test can make its next call fail. */
export class FailureSwitch {
  private readonly failures = new Map<string, unknown>();
  failNext(method: string, error: unknown = new Error(`${method} failed`)): void {
    this.failures.set(method, error);
  }
  check(method: string): void {
    if (this.failures.has(method)) {
      const error = this.failures.get(method);
      this.failures.delete(method);
      throw error;
    }
  }
}

/** In-memory runtime records + player mappings (one object: the rollback deletes both). */
export class MemoryRuntimeStore implements RuntimeRecordStore, PlayerMappingStore {
  readonly records = new Map<string, RuntimeRecord>();
  readonly mappings: PlayerMapping[] = [];
  readonly faults = new FailureSwitch();

  async get(gameId: string): Promise<RuntimeRecord | null> {
    this.faults.check("get");
    const record = this.records.get(gameId);
    return record === undefined ? null : { ...record };
  }
  async insert(record: RuntimeRecord): Promise<void> {
    this.faults.check("insert");
    if (this.records.has(record.gameId)) {
      throw new GalaxyError("conflict", `runtime for game "${record.gameId}" already exists`);
    }
    this.records.set(record.gameId, { ...record });
  }
  async compareAndSet(input: CompareAndSetInput): Promise<RuntimeRecord | null> {
    this.faults.check("compareAndSet");
    const record = this.records.get(input.gameId);
    const { expected } = input;
    if (
      record === undefined ||
      !(typeof expected.status === "string"
        ? record.status === expected.status
        : expected.status.includes(record.status)) ||
      (expected.leaseToken !== undefined && (record.leaseToken ?? null) !== expected.leaseToken) ||
      (expected.nextGenerationAt !== undefined &&
        (record.nextGenerationAt?.getTime() ?? null) !==
          (expected.nextGenerationAt?.getTime() ?? null)) ||
      (expected.currentTurn !== undefined && record.currentTurn !== expected.currentTurn) ||
      (expected.skipNextTick !== undefined && record.skipNextTick !== expected.skipNextTick) ||
      (expected.lastHealthEventId !== undefined &&
        record.lastHealthEventId !== expected.lastHealthEventId)
    ) {
      return null;
    }
    const updated: RuntimeRecord = {
      ...record,
      ...input.patch,
      ...(input.to === undefined ? {} : { status: input.to }),
      updatedAt: input.now,
    };
    this.records.set(input.gameId, updated);
    return { ...updated };
  }
  async deleteWithMappings(gameId: string, guard?: { leaseToken: string }): Promise<void> {
    this.faults.check("deleteWithMappings");
    if (guard !== undefined && this.records.get(gameId)?.leaseToken !== guard.leaseToken) {
      return;
    }
    this.records.delete(gameId);
    for (let index = this.mappings.length - 1; index >= 0; index -= 1) {
      if (this.mappings[index]?.gameId === gameId) {
        this.mappings.splice(index, 1);
      }
    }
  }
  async list(query: ListRuntimesQuery): Promise<RuntimeRecord[]> {
    this.faults.check("list");
    return [...this.records.values()]
      .filter((record) => query.status === undefined || record.status === query.status)
      .filter((record) => query.afterGameId === undefined || record.gameId > query.afterGameId)
      .filter(
        (record) =>
          query.nextGenerationBefore === undefined ||
          (record.nextGenerationAt !== null &&
            record.nextGenerationAt.getTime() < query.nextGenerationBefore.getTime()),
      )
      .filter(
        (record) =>
          query.engineVersion === undefined || record.currentEngineVersion === query.engineVersion,
      )
      .sort((a, b) => (a.gameId < b.gameId ? -1 : 1))
      .slice(0, query.limit);
  }
  async claimDue(input: ClaimDueInput): Promise<RuntimeRecord[]> {
    this.faults.check("claimDue");
    const due = [...this.records.values()]
      .filter(
        (record) =>
          record.status === "running" &&
          !record.skipNextTick &&
          (record.leaseToken ?? null) === null &&
          record.nextGenerationAt !== null &&
          record.nextGenerationAt.getTime() <= input.now.getTime(),
      )
      .sort(
        (a, b) =>
          (a.nextGenerationAt?.getTime() ?? 0) - (b.nextGenerationAt?.getTime() ?? 0) ||
          (a.gameId < b.gameId ? -1 : 1),
      )
      .slice(0, input.limit);
    return due.map((record) => {
      const claimed: RuntimeRecord = {
        ...record,
        status: "generation_in_progress",
        leaseOwner: input.owner,
        leaseToken: randomUUID(),
        leaseExpiresAt: input.leaseExpiresAt,
        leaseTrigger: "scheduler",
        updatedAt: input.now,
      };
      this.records.set(record.gameId, claimed);
      return { ...claimed };
    });
  }
  async settleTurns(settlements: readonly TurnSettlement[], now: Date): Promise<RuntimeRecord[]> {
    this.faults.check("settleTurns");
    const written: RuntimeRecord[] = [];
    for (const settlement of settlements) {
      const record = this.records.get(settlement.gameId);
      if (
        record === undefined ||
        record.status !== "generation_in_progress" ||
        record.leaseToken !== settlement.leaseToken ||
        record.currentTurn !== settlement.expectedTurn
      ) {
        continue;
      }
      const updated: RuntimeRecord = {
        ...record,
        status: settlement.status,
        currentTurn: settlement.currentTurn,
        nextGenerationAt: settlement.nextGenerationAt,
        skipNextTick: settlement.skipNextTick,
        finishedAt: settlement.finishedAt ?? record.finishedAt,
        lastPlayerStats: settlement.lastPlayerStats ?? record.lastPlayerStats,
        leaseOwner: null,
        leaseToken: null,
        leaseExpiresAt: null,
        leaseTrigger: null,
        updatedAt: now,
      };
      this.records.set(settlement.gameId, updated);
      written.push({ ...updated });
    }
    return written;
  }
  async claim(input: ClaimOneInput): Promise<RuntimeRecord | null> {
    this.faults.check("claim");
    const record = this.records.get(input.gameId);
    if (
      record === undefined ||
      !input.from.includes(record.status) ||
      (record.leaseToken ?? null) !== null
    ) {
      return null;
    }
    const claimed: RuntimeRecord = {
      ...record,
      status: "generation_in_progress",
      leaseOwner: input.owner,
      leaseToken: input.token,
      leaseExpiresAt: input.leaseExpiresAt,
      leaseTrigger: input.trigger,
      updatedAt: input.now,
    };
    this.records.set(input.gameId, claimed);
    return { ...claimed };
  }
  async renewLeases(tokens: readonly string[], leaseExpiresAt: Date): Promise<number> {
    let held = 0;
    for (const [gameId, record] of this.records) {
      if (record.leaseToken != null && tokens.includes(record.leaseToken)) {
        this.records.set(gameId, { ...record, leaseExpiresAt });
        held += 1;
      }
    }
    return held;
  }
  async listExpiredLeases(input: ExpiredLeasesQuery): Promise<RuntimeRecord[]> {
    return [...this.records.values()]
      .filter((record) =>
        record.leaseToken != null
          ? (record.leaseExpiresAt != null &&
              record.leaseExpiresAt.getTime() < input.now.getTime()) ||
            (input.leftBy !== undefined &&
              record.leaseOwner === input.leftBy.owner &&
              record.updatedAt.getTime() < input.leftBy.before.getTime())
          : (record.status === "generation_in_progress" || record.status === "starting") &&
            record.updatedAt.getTime() < input.unleasedBefore.getTime(),
      )
      .slice(0, input.limit)
      .map((record) => ({ ...record }));
  }
  async listDueSkipped(now: Date, limit: number): Promise<RuntimeRecord[]> {
    return [...this.records.values()]
      .filter(
        (record) =>
          record.status === "running" &&
          record.skipNextTick &&
          (record.leaseToken ?? null) === null &&
          record.nextGenerationAt !== null &&
          record.nextGenerationAt.getTime() <= now.getTime(),
      )
      .slice(0, limit)
      .map((record) => ({ ...record }));
  }
  async countByStatus(): Promise<Partial<Record<RuntimeStatus, number>>> {
    const counts: Partial<Record<RuntimeStatus, number>> = {};
    for (const record of this.records.values()) {
      counts[record.status] = (counts[record.status] ?? 0) + 1;
    }
    return counts;
  }
  async insertMany(mappings: readonly PlayerMapping[]): Promise<void> {
    this.faults.check("insertMany");
    for (const mapping of mappings) {
      const clash = this.mappings.some(
        (existing) =>
          existing.gameId === mapping.gameId &&
          (existing.userId === mapping.userId || existing.raceName === mapping.raceName),
      );
      if (clash || !this.records.has(mapping.gameId)) {
        throw new GalaxyError("conflict", "player mapping already exists");
      }
    }
    this.mappings.push(...mappings.map((mapping) => ({ ...mapping })));
  }
  async listByGame(gameId: string): Promise<PlayerMapping[]> {
    this.faults.check("listByGame");
    return this.mappings.filter((mapping) => mapping.gameId === gameId);
  }
  async listByGames(gameIds: readonly string[]): Promise<PlayerMapping[]> {
    this.faults.check("listByGames");
    return this.mappings.filter((mapping) => gameIds.includes(mapping.gameId));
  }
  async getByUser(gameId: string, userId: string): Promise<PlayerMapping | null> {
    return this.mappings.find((m) => m.gameId === gameId && m.userId === userId) ?? null;
  }
  async getByRace(gameId: string, raceName: string): Promise<PlayerMapping | null> {
    return this.mappings.find((m) => m.gameId === gameId && m.raceName === raceName) ?? null;
  }
}

/** In-memory engine-version registry; `runtimes` is consulted for the in-use rule. */
export class MemoryEngineVersionStore implements EngineVersionStore {
  readonly versions = new Map<string, EngineVersion>();
  readonly faults = new FailureSwitch();

  constructor(private readonly runtimes?: MemoryRuntimeStore) {}

  async list(status?: EngineVersionStatus): Promise<EngineVersion[]> {
    this.faults.check("list");
    return [...this.versions.values()].filter((v) => status === undefined || v.status === status);
  }
  async get(version: string): Promise<EngineVersion | null> {
    this.faults.check("get");
    const found = this.versions.get(version);
    return found === undefined ? null : { ...found };
  }
  async insert(version: EngineVersion): Promise<void> {
    this.faults.check("insert");
    if (this.versions.has(version.version)) {
      throw new GalaxyError("conflict", `engine version "${version.version}" already exists`);
    }
    this.versions.set(version.version, { ...version });
  }
  async update(
    version: string,
    patch: EngineVersionPatch,
    now: Date,
  ): Promise<EngineVersion | null> {
    this.faults.check("update");
    const found = this.versions.get(version);
    if (found === undefined) {
      return null;
    }
    const updated = { ...found, ...patch, updatedAt: now };
    this.versions.set(version, updated);
    return { ...updated };
  }
  async delete(version: string): Promise<DeleteEngineVersionResult> {
    this.faults.check("delete");
    if (!this.versions.has(version)) {
      return "not_found";
    }
    const inUse = [...(this.runtimes?.records.values() ?? [])].some(
      (record) => record.currentEngineVersion === version && !isTerminalStatus(record.status),
    );
    if (inUse) {
      return "in_use";
    }
    this.versions.delete(version);
    return "deleted";
  }
}

/** In-memory operation log. */
export class MemoryOperationLog implements OperationLog {
  readonly entries: OperationRecord[] = [];
  readonly faults = new FailureSwitch();
  async append(entry: OperationEntry): Promise<number> {
    this.faults.check("append");
    const id = this.entries.length + 1;
    this.entries.push({ ...entry, id });
    return id;
  }
  async appendMany(entries: readonly OperationEntry[]): Promise<void> {
    this.faults.check("append");
    for (const entry of entries) {
      this.entries.push({ ...entry, id: this.entries.length + 1 });
    }
  }
  async listByGame(gameId: string): Promise<OperationRecord[]> {
    return this.entries.filter((entry) => entry.gameId === gameId).reverse();
  }
  async listPage(query: OperationLogPageQuery): Promise<OperationRecord[]> {
    this.faults.check("listPage");
    return this.entries
      .filter(
        (entry) =>
          entry.gameId === query.gameId &&
          (query.beforeId === undefined || entry.id < query.beforeId) &&
          (query.opKind === undefined || entry.opKind === query.opKind),
      )
      .reverse()
      .slice(0, query.limit);
  }
}

/** The lobby events a {@link MemoryUnitOfWork} committed. */
export class MemoryLobbyEvents {
  readonly snapshots: RuntimeSnapshotUpdate[] = [];
  readonly finished: GameFinishedEvent[] = [];
}

/** The intents a {@link MemoryUnitOfWork} committed. */
export class MemoryIntents {
  readonly intents: NotificationIntent[] = [];

  ofType<T extends NotificationIntent["notification_type"]>(type: T) {
    return this.intents.filter(
      (intent): intent is Extract<NotificationIntent, { notification_type: T }> =>
        intent.notification_type === type,
    );
  }
}

/** Offsets of stream consumers, in memory. */
export class MemoryConsumerOffsets implements ConsumerOffsetStore {
  readonly offsets = new Map<string, string>();
  async load(label: string): Promise<string | null> {
    return this.offsets.get(label) ?? null;
  }
  async save(label: string, id: string): Promise<void> {
    this.offsets.set(label, id);
  }
}

/**
 * A {@link UnitOfWork} over the memory stores: `work` writes the stores
 * directly; its outbox messages reach `lobbyEvents` / `intents` only when it
 * resolves ("commits"), and are dropped when it throws. Store writes made
 * before a throw are NOT undone — the PostgreSQL one is tested for that.
 */
export class MemoryUnitOfWork implements UnitOfWork {
  commits = 0;
  rollbacks = 0;
  readonly faults = new FailureSwitch();

  constructor(
    private readonly stores: {
      runtimes: MemoryRuntimeStore;
      operationLog: MemoryOperationLog;
      lobbyEvents: MemoryLobbyEvents;
      intents: MemoryIntents;
      offsets?: MemoryConsumerOffsets;
    },
  ) {}

  async run<T>(work: (tx: TransactionStores) => Promise<T>): Promise<T> {
    this.faults.check("run");
    const queued: (() => void)[] = [];
    let next = 0;
    const eventId = () => `event-${this.commits}-${next++}`;
    const { lobbyEvents, intents } = this.stores;
    const outbox: EventOutbox = {
      snapshotUpdate(event) {
        queued.push(() => lobbyEvents.snapshots.push(event));
        return eventId();
      },
      gameFinished(event) {
        queued.push(() => lobbyEvents.finished.push(event));
        return eventId();
      },
      intent(intent) {
        const valid = parseIntent(intent);
        queued.push(() => intents.intents.push(valid));
        return eventId();
      },
    };
    // Like a transaction, a failed unit of work leaves the stores as they were.
    const { runtimes, operationLog } = this.stores;
    const records = new Map(runtimes.records);
    const mappings = [...runtimes.mappings];
    const entries = operationLog.entries.length;
    try {
      const result = await work({
        runtimeRecords: runtimes,
        playerMappings: runtimes,
        operationLog,
        consumerOffsets: this.stores.offsets ?? new MemoryConsumerOffsets(),
        outbox,
      });
      for (const deliver of queued) deliver();
      this.commits += 1;
      return result;
    } catch (error) {
      this.rollbacks += 1;
      runtimes.records.clear();
      for (const [gameId, record] of records) runtimes.records.set(gameId, record);
      runtimes.mappings.splice(0, runtimes.mappings.length, ...mappings);
      operationLog.entries.splice(entries);
      throw error;
    }
  }
}

/** One scripted answer of the engine: a state, an error to throw, or a function of the call. */
export type EngineAnswer =
  | EngineState
  | Error
  | ((endpoint: string) => EngineState | Promise<EngineState>);

/** One hot-path call the engine received. */
export interface EngineHotCall {
  operation: "command" | "order" | "report";
  endpoint: string;
  actor: string;
  payload: unknown;
}

/**
 * The one engine of the in-memory tests. Admin side (recorded in `calls`):
 * `init` answers `initResult` (by default turn 0 with one player per race),
 * `/admin/turn` advances a per-endpoint turn counter or answers what a test
 * queued in `turnAnswers`, `/admin/status` reports the counter (or
 * `statusAnswer`), banish records the race; `hold` keeps every turn waiting
 * until `release`. Hot path (recorded in `hotCalls`): command, order and
 * report answer `reply` (an answer or an error to throw).
 */
export class FakeEngine implements EngineClient {
  readonly calls: { operation: string; endpoint: string; args: unknown }[] = [];
  initResult: EngineState | Error | ((races: readonly string[]) => EngineState) = (races) =>
    stateFor(races);
  readonly turns = new Map<string, number>();
  readonly finishAt = new Map<string, number>();
  readonly turnAnswers: EngineAnswer[] = [];
  statusAnswer: EngineAnswer | undefined;
  banishError: Error | undefined;
  readonly banished: { endpoint: string; raceName: string }[] = [];
  /** The races `/admin/turn` and `/admin/status` report. */
  readonly races = ["Aelinari", "Borg"];
  readonly hotCalls: EngineHotCall[] = [];
  reply: EngineRawResponse | Error = {
    status: 200,
    contentType: "application/json",
    body: '{"ok":true}',
  };
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
    const result = this.initResult;
    if (result instanceof Error) {
      throw result;
    }
    return typeof result === "function" ? result(raceNames) : result;
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

  async command(
    endpoint: string,
    actor: string,
    commands: readonly unknown[],
  ): Promise<EngineRawResponse> {
    return this.hot({ operation: "command", endpoint, actor, payload: commands });
  }

  async order(
    endpoint: string,
    actor: string,
    orders: readonly unknown[],
  ): Promise<EngineRawResponse> {
    return this.hot({ operation: "order", endpoint, actor, payload: orders });
  }

  async report(endpoint: string, player: string, turn: number): Promise<EngineRawResponse> {
    return this.hot({ operation: "report", endpoint, actor: player, payload: turn });
  }

  private hot(call: EngineHotCall): EngineRawResponse {
    this.hotCalls.push(call);
    if (this.reply instanceof Error) {
      throw this.reply;
    }
    return this.reply;
  }
}

async function answer(scripted: EngineAnswer, endpoint: string): Promise<EngineState> {
  if (scripted instanceof Error) {
    throw scripted;
  }
  return typeof scripted === "function" ? scripted(endpoint) : scripted;
}

/** A StateResponse at turn 0 with one player per race. */
export function stateFor(races: readonly string[]): EngineState {
  return {
    turn: 0,
    finished: false,
    players: races.map((raceName, index) => ({
      raceName,
      enginePlayerUuid: `uuid-${raceName}`,
      planets: 1 + index,
      population: 100 * (index + 1),
    })),
  };
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

/**
 * A scripted Lobby: a roster per game, call counting, a switch to make it
 * fail. A game no {@link setRoster} named answers `unlisted(gameId)` (by
 * default nobody).
 */
export class FakeLobby implements LobbyClient {
  readonly rosters = new Map<string, Membership[]>();
  readonly calls: string[] = [];
  /** When set, every call throws it (after `delayMs`). */
  failure: Error | undefined;
  /** Delay of every answer, so that concurrent misses overlap. */
  delayMs = 0;

  /** Whether this Lobby offers the batch lookup (an older Lobby does not). */
  lookupSupported = false;
  /** The game ids of every batch lookup, in call order. */
  readonly lookups: string[][] = [];

  constructor(private readonly unlisted: (gameId: string) => Membership[] = () => []) {}

  async lookupMemberships(gameIds: readonly string[]): Promise<Map<string, Membership[]> | null> {
    if (!this.lookupSupported) {
      return null;
    }
    this.lookups.push([...gameIds]);
    return this.answer(new Map(gameIds.map((gameId) => [gameId, this.rosterNow(gameId)])));
  }

  setRoster(gameId: string, members: [userId: string, raceName: string, status: string][]): void {
    this.rosters.set(
      gameId,
      members.map(([userId, raceName, status]) => ({ userId, raceName, status })),
    );
  }

  async getMemberships(gameId: string): Promise<Membership[]> {
    this.calls.push(gameId);
    return this.answer(this.rosterNow(gameId));
  }

  /**
   * The roster as of the call, like a Lobby that read its database before a
   * slow answer travelled back.
   */
  private rosterNow(gameId: string): Membership[] {
    return (this.rosters.get(gameId) ?? this.unlisted(gameId)).map((member) => ({ ...member }));
  }

  /** `value` after `delayMs`, or the failure set when the call was made. */
  private async answer<T>(value: T): Promise<T> {
    const failure = this.failure;
    if (this.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    }
    if (failure !== undefined) {
      throw failure;
    }
    return value;
  }
}

/** The service_unavailable the real Lobby client throws. */
export function lobbyDown(): GalaxyError {
  return new GalaxyError(
    "service_unavailable",
    "cannot verify membership: Game Lobby is unavailable",
  );
}

/** {@link PlayerAccessStore} over the in-memory runtime store. */
export class MemoryPlayerAccess implements PlayerAccessStore {
  calls = 0;
  constructor(private readonly runtimes: MemoryRuntimeStore) {}

  async getPlayerAccess(gameId: string, userId: string): Promise<PlayerAccess | null> {
    this.calls += 1;
    this.runtimes.faults.check("getPlayerAccess");
    const record = this.runtimes.records.get(gameId);
    if (record === undefined) {
      return null;
    }
    const mapping = this.runtimes.mappings.find(
      (candidate) => candidate.gameId === gameId && candidate.userId === userId,
    );
    return {
      status: record.status,
      engineEndpoint: record.engineEndpoint,
      raceName: mapping?.raceName ?? null,
    };
  }
}

/** The cache-invalidation broadcasts this replica sent. */
export class MemoryCacheInvalidations implements CacheInvalidationPublisher {
  readonly sent: CacheInvalidation[] = [];
  publish(invalidation: CacheInvalidation): void {
    this.sent.push(invalidation);
  }
}

/** Keeps what the services record: register outcomes, turns, health events, cache hits. */
export class MemoryTelemetry implements Telemetry, TurnEngineTelemetry, MembershipCacheTelemetry {
  readonly registerOutcomes: { outcome: string; errorCode: string }[] = [];
  readonly turns: { trigger: TurnTrigger; outcome: TurnOutcome }[] = [];
  readonly lags: number[] = [];
  readonly healthEvents: { eventType: string; outcome: HealthEventOutcome }[] = [];
  readonly publishFailures: PublishStream[] = [];
  membershipCacheHits = 0;
  membershipCacheMisses = 0;
  recordRegisterRuntime(outcome: string, errorCode: string): void {
    this.registerOutcomes.push({ outcome, errorCode });
  }
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
  recordMembershipCacheHit(): void {
    this.membershipCacheHits += 1;
  }
  recordMembershipCacheMiss(): void {
    this.membershipCacheMisses += 1;
  }
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
