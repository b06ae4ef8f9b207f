import { randomUUID } from "node:crypto";
import { GalaxyError } from "@galaxy/errors";
import { type NotificationIntent, parseIntent } from "@galaxy/notificationintent";
import type { EngineVersion, EngineVersionStatus } from "../../src/domain/engine-version.js";
import type { OperationEntry, OperationRecord } from "../../src/domain/operation.js";
import type { PlayerMapping, RuntimeRecord } from "../../src/domain/runtime-record.js";
import { isTerminalStatus, type RuntimeStatus } from "../../src/domain/runtime-status.js";
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
import type { GameFinishedEvent, RuntimeSnapshotUpdate } from "../../src/ports/lobby-events.js";
import type { Logger } from "../../src/ports/logger.js";
import type { OperationLog, OperationLogPageQuery } from "../../src/ports/operation-log.js";
import type { EventOutbox } from "../../src/ports/outbox.js";
import type { PlayerMappingStore } from "../../src/ports/player-mapping-store.js";
import type {
  ClaimDueInput,
  ClaimOneInput,
  CompareAndSetInput,
  ListRuntimesQuery,
  RuntimeRecordStore,
  UpdateRecordInput,
  UpdateStatusInput,
} from "../../src/ports/runtime-record-store.js";
import type { Telemetry } from "../../src/ports/telemetry.js";
import type {
  ConsumerOffsetStore,
  TransactionStores,
  UnitOfWork,
} from "../../src/ports/unit-of-work.js";

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
  async updateStatus(input: UpdateStatusInput): Promise<boolean> {
    this.faults.check("updateStatus");
    const record = this.records.get(input.gameId);
    if (record === undefined || record.status !== input.from) {
      return false;
    }
    this.records.set(input.gameId, {
      ...record,
      ...input.patch,
      status: input.to,
      updatedAt: input.now,
    });
    return true;
  }
  async update(input: UpdateRecordInput): Promise<boolean> {
    this.faults.check("update");
    const record = this.records.get(input.gameId);
    if (
      record === undefined ||
      (input.expectedStatus !== undefined && record.status !== input.expectedStatus)
    ) {
      return false;
    }
    this.records.set(input.gameId, { ...record, ...input.patch, updatedAt: input.now });
    return true;
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
  async listDueRunning(now: Date, limit: number): Promise<RuntimeRecord[]> {
    return [...this.records.values()]
      .filter(
        (record) =>
          record.status === "running" &&
          record.nextGenerationAt !== null &&
          record.nextGenerationAt.getTime() <= now.getTime(),
      )
      .slice(0, limit);
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
  async listExpiredLeases(input: {
    now: Date;
    unleasedBefore: Date;
    limit: number;
    ownedBy?: string;
  }): Promise<RuntimeRecord[]> {
    return [...this.records.values()]
      .filter((record) =>
        record.leaseToken != null
          ? (record.leaseExpiresAt != null &&
              record.leaseExpiresAt.getTime() < input.now.getTime()) ||
            (input.ownedBy !== undefined && record.leaseOwner === input.ownedBy)
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
    try {
      const result = await work({
        runtimeRecords: this.stores.runtimes,
        playerMappings: this.stores.runtimes,
        operationLog: this.stores.operationLog,
        consumerOffsets: this.stores.offsets ?? new MemoryConsumerOffsets(),
        outbox,
      });
      for (const deliver of queued) deliver();
      this.commits += 1;
      return result;
    } catch (error) {
      this.rollbacks += 1;
      throw error;
    }
  }
}

/** A scripted engine: `init` answers from `initResult` (a state or an error to throw). */
export class FakeEngine implements EngineClient {
  initResult: EngineState | Error | ((races: readonly string[]) => EngineState) = (races) =>
    stateFor(races);
  readonly calls: { operation: string; endpoint: string; args: unknown }[] = [];

  async init(endpoint: string, raceNames: readonly string[]): Promise<EngineState> {
    this.calls.push({ operation: "init", endpoint, args: raceNames });
    const result = this.initResult;
    if (result instanceof Error) {
      throw result;
    }
    return typeof result === "function" ? result(raceNames) : result;
  }
  async status(): Promise<EngineState> {
    throw new Error("not scripted");
  }
  async turn(): Promise<EngineState> {
    throw new Error("not scripted");
  }
  async banish(): Promise<void> {
    throw new Error("not scripted");
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

/** Counts telemetry calls. */
export class MemoryTelemetry implements Telemetry {
  readonly registerOutcomes: { outcome: string; errorCode: string }[] = [];
  recordRegisterRuntime(outcome: string, errorCode: string): void {
    this.registerOutcomes.push({ outcome, errorCode });
  }
}
