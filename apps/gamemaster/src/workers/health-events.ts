import { parse, type Schedule } from "@galaxy/cronutil";
import {
  type GroupClaimPass,
  type GroupReader,
  type StreamEntry,
  type StreamOffsetStore,
  startGroupReader,
} from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import {
  type HealthEventType,
  healthStatusChange,
  healthSummary,
  isHealthEventType,
} from "../domain/health.js";
import type { RuntimeRecord, RuntimeRecordPatch } from "../domain/runtime-record.js";
import { assertTransition, isTerminalStatus } from "../domain/runtime-status.js";
import { nextActivation } from "../domain/schedule.js";
import { compareStreamIds } from "../domain/stream-id.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { HealthEventOutcome, TurnEngineTelemetry } from "../ports/telemetry.js";
import type { ConsumerOffsetStore, TransactionStores, UnitOfWork } from "../ports/unit-of-work.js";
import { retryCompareAndSet } from "../services/record-write.js";
import type { RuntimeNotifier } from "../services/runtime-notifier.js";

/**
 * Offset label of GM's single reader of `runtime:health_events` before the
 * consumer group (decision 090): read once, to create the group where that
 * reader stopped.
 */
export const HEALTH_EVENTS_OFFSET_LABEL = "gamemaster:health_events";

/** A decoded `runtime:health_events` entry (docs/reference.md#streams). */
export interface HealthEvent {
  gameId: string;
  containerId: string;
  eventType: HealthEventType;
  occurredAt: Date;
  /** RTM-defined details; GM only logs them. */
  details: string;
}

/** Decoding result: the event, or why the entry is malformed. */
export type ParsedHealthEvent =
  | { ok: true; event: HealthEvent }
  | { ok: false; reason: string; eventType: string };

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Decodes one entry: `game_id` (non-empty), `event_type` (one of the seven),
 * `occurred_at_ms` (decimal) are required; `container_id` and `details` are
 * taken as they come (RTM may not know the container any more; GM does not
 * interpret the details).
 */
export function parseHealthEvent(fields: Readonly<Record<string, string>>): ParsedHealthEvent {
  const rawType = fields.event_type ?? "";
  const eventType = isHealthEventType(rawType) ? rawType : "unknown";
  const gameId = fields.game_id ?? "";
  if (gameId.trim() === "") {
    return { ok: false, reason: "game_id: missing or empty", eventType };
  }
  if (!isHealthEventType(rawType)) {
    return {
      ok: false,
      reason: rawType === "" ? "event_type: missing" : `event_type: unknown "${rawType}"`,
      eventType,
    };
  }
  const occurredAtMs = fields.occurred_at_ms ?? "";
  if (!DECIMAL.test(occurredAtMs) || !Number.isSafeInteger(Number(occurredAtMs))) {
    return { ok: false, reason: "occurred_at_ms: not a decimal integer", eventType };
  }
  return {
    ok: true,
    event: {
      gameId,
      containerId: fields.container_id ?? "",
      eventType: rawType,
      occurredAt: new Date(Number(occurredAtMs)),
      details: fields.details ?? "",
    },
  };
}

/** Collaborators of {@link HealthEventHandler}. */
export interface HealthEventHandlerDeps {
  unitOfWork: UnitOfWork;
  notifier: RuntimeNotifier;
  telemetry: TurnEngineTelemetry;
  clock: Clock;
  logger: Logger;
  /**
   * Offset label saved in the transaction of each entry (a single reader
   * that keeps its position in PostgreSQL). GM's consumer group leaves it
   * out and acknowledges the entry after {@link HealthEventHandler.handle}
   * resolved instead; the per-game last-applied id keeps a redelivery from
   * applying twice (decision 090).
   */
  offsetLabel?: string;
}

/**
 * Applies one `runtime:health_events` entry (docs/reference.md#streams): the summary rule, the
 * status transitions of docs/reference.md#runtime-status (lost container → engine_unreachable,
 * container back → running and scheduled again), a `health_transition`
 * operation-log entry per status change, and a `runtime_snapshot_update`
 * only when the summary or the status changed.
 *
 * Exactly once: the record change, its log entry, its outbox rows, the
 * game's `last_health_event_id` (and the offset, when `offsetLabel` is set)
 * commit in ONE transaction. An entry at or below the game's last applied id
 * changes nothing (`stale`: counted and logged), so a replay, a redelivery
 * or an out-of-order entry never moves the status back. Malformed entries,
 * unknown games and terminal runtimes are logged, counted and skipped (the
 * call resolves, so the reader acknowledges them). A database failure throws
 * and nothing commits, so the reader retries the same entry.
 */
export class HealthEventHandler {
  constructor(private readonly deps: HealthEventHandlerDeps) {}

  async handle(entry: StreamEntry): Promise<HealthEventOutcome> {
    const { telemetry } = this.deps;
    const parsed = parseHealthEvent(entry.fields);
    const outcome = await this.deps.unitOfWork.run(async (tx) => {
      const result = parsed.ok ? await this.apply(tx, parsed.event, entry.id) : "malformed";
      if (this.deps.offsetLabel !== undefined) {
        await tx.consumerOffsets.save(this.deps.offsetLabel, entry.id, this.deps.clock.now());
      }
      return result;
    });
    if (!parsed.ok) {
      this.deps.logger.warn(
        { entry_id: entry.id, reason: parsed.reason, fields: entry.fields },
        "malformed health event skipped",
      );
      telemetry.recordHealthEvent(parsed.eventType, "malformed");
      return "malformed";
    }
    telemetry.recordHealthEvent(parsed.event.eventType, outcome);
    return outcome;
  }

  private async apply(
    tx: TransactionStores,
    event: HealthEvent,
    entryId: string,
  ): Promise<HealthEventOutcome> {
    const { clock } = this.deps;
    const logger = this.deps.logger.child({
      game_id: event.gameId,
      event_type: event.eventType,
      entry_id: entryId,
      op_source: "health_events",
    });
    const summary = healthSummary(event.eventType);
    // A concurrent writer (a turn, an admin op, another health event) can move
    // the record between the read and the CAS; the event is then re-evaluated.
    return retryCompareAndSet<HealthEventOutcome>(
      async () => {
        const record = await tx.runtimeRecords.get(event.gameId);
        if (record === null) {
          logger.warn({}, "health event for an unknown game skipped");
          return "unknown_game";
        }
        if (compareStreamIds(entryId, record.lastHealthEventId) <= 0) {
          logger.warn(
            { last_health_event_id: record.lastHealthEventId },
            "health event not newer than the last one applied to the game, ignored",
          );
          return "stale";
        }
        if (isTerminalStatus(record.status)) {
          logger.debug({ runtime_status: record.status }, "health event for a terminal runtime");
          return "ignored_terminal";
        }
        const change = healthStatusChange(event.eventType, record.status);
        const summaryChanged = record.engineHealth !== summary;
        const now = clock.now();
        const patch: RuntimeRecordPatch = { lastHealthEventId: entryId };
        if (summaryChanged) {
          patch.engineHealth = summary;
        }
        if (change !== null) {
          assertTransition(change.from, change.to);
          if (change.to === "running") {
            patch.nextGenerationAt = scheduledAgain(record, now, logger);
          }
        }
        const written = await tx.runtimeRecords.compareAndSet({
          gameId: event.gameId,
          expected: {
            status: record.status,
            currentTurn: record.currentTurn,
            lastHealthEventId: record.lastHealthEventId,
          },
          ...(change === null ? {} : { to: change.to }),
          patch,
          now,
        });
        if (written === null) {
          return null;
        }
        if (change === null && !summaryChanged) {
          logger.debug({ engine_health: summary }, "health event changes nothing");
          return "unchanged";
        }
        if (change !== null) {
          await tx.operationLog.append({
            gameId: event.gameId,
            opKind: "health_transition",
            opSource: "health_events",
            sourceRef: entryId,
            outcome: "success",
            errorCode: "",
            errorMessage: "",
            startedAt: now,
            finishedAt: now,
          });
        }
        logger.info(
          {
            engine_health: written.engineHealth,
            from_status: record.status,
            runtime_status: written.status,
            container_id: event.containerId,
            details: event.details,
          },
          change === null ? "engine health changed" : "runtime status changed by health event",
        );
        this.deps.notifier.snapshot(tx.outbox, written, now);
        return "applied";
      },
      () =>
        new Error(
          `runtime record of game "${event.gameId}" kept changing while a health event was applied`,
        ),
    );
  }
}

/**
 * A game back from engine_unreachable keeps its next activation if it is
 * still ahead, else gets the first activation after now (missed ticks are not
 * replayed).
 */
function scheduledAgain(record: RuntimeRecord, now: Date, logger: Logger): Date | null {
  let schedule: Schedule | null = null;
  try {
    schedule = parse(record.turnSchedule);
  } catch (error) {
    logger.error({ err: error, turn_schedule: record.turnSchedule }, "invalid turn schedule");
  }
  return nextActivation({
    schedule,
    event: { kind: "resumed" },
    recorded: record.nextGenerationAt,
    skipNextTick: record.skipNextTick,
    now,
  }).nextGenerationAt;
}

/** Metrics of the health consumer's group reader. */
export interface HealthEventsGroupTelemetry {
  /** After each claim pass: entries claimed from idle replicas, the group's pending count. */
  recordHealthEventsClaimPass(pass: GroupClaimPass): void;
}

/** Options of {@link startHealthEventsConsumer}. */
export interface HealthEventsConsumerOptions {
  /**
   * A dedicated connection (XREADGROUP BLOCK); the reader owns and closes
   * it. Also used for the legacy Redis offset (read before the first
   * blocking read).
   */
  redis: Redis;
  /** The single reader's offset in PostgreSQL: where a missing group starts. */
  offsets: ConsumerOffsetStore;
  /**
   * Offsets of an even older GM that kept them in Redis: read when
   * PostgreSQL has none, so an upgrade does not replay the whole stream.
   */
  legacyOffsets?: StreamOffsetStore;
  stream: string;
  /** Consumer group shared by every replica. */
  group: string;
  /** This replica's consumer name (its instance id). */
  consumer: string;
  /** Applies the entries; without an `offsetLabel` (the group keeps the position). */
  handler: HealthEventHandler;
  logger: Logger;
  telemetry?: HealthEventsGroupTelemetry;
  /** Pending this long with another replica → claimed; default 30 s. */
  claimIdleMs?: number;
  claimIntervalMs?: number;
  blockMs?: number;
  retryDelayMs?: number;
}

/**
 * Where a new consumer group starts: after the entry the single reader of
 * earlier versions saved (PostgreSQL, else the older Redis key), so an
 * upgrade neither replays nor skips; `0` (the whole retention-bounded
 * stream, harmless by the per-game guard) when there is none.
 */
export async function healthEventsGroupStart(
  offsets: ConsumerOffsetStore,
  legacyOffsets?: StreamOffsetStore,
): Promise<string> {
  const saved = await offsets.load(HEALTH_EVENTS_OFFSET_LABEL);
  if (saved !== null) {
    return saved;
  }
  return (await legacyOffsets?.load(HEALTH_EVENTS_OFFSET_LABEL)) ?? "0";
}

/**
 * Starts the `runtime:health_events` consumer (decision 090): redisconn's
 * group reader in the group shared by every replica, consumer name = the
 * instance id, so each entry is applied by one replica. An entry is
 * acknowledged after {@link HealthEventHandler.handle} committed it; a
 * database failure leaves it pending and it is retried. An entry a dead
 * replica left pending is claimed after `claimIdleMs` and applied here; one
 * applied before (the replica died between its commit and its XACK) or
 * older than what the game has seen since is `stale` and changes nothing.
 */
export function startHealthEventsConsumer(options: HealthEventsConsumerOptions): GroupReader {
  const { telemetry } = options;
  return startGroupReader({
    redis: options.redis,
    stream: options.stream,
    group: options.group,
    consumer: options.consumer,
    startId: () => healthEventsGroupStart(options.offsets, options.legacyOffsets),
    logger: options.logger,
    ...(options.claimIdleMs === undefined ? {} : { claimIdleMs: options.claimIdleMs }),
    ...(options.claimIntervalMs === undefined ? {} : { claimIntervalMs: options.claimIntervalMs }),
    ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(telemetry === undefined
      ? {}
      : { onClaimPass: (pass: GroupClaimPass) => telemetry.recordHealthEventsClaimPass(pass) }),
    handle: async (entry) => {
      await options.handler.handle(entry);
    },
  });
}
