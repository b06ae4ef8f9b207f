import {
  type StreamEntry,
  type StreamOffsetStore,
  type StreamReader,
  startStreamReader,
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
import { nextGenerationAt } from "../domain/schedule.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { HealthEventOutcome, TurnEngineTelemetry } from "../ports/telemetry.js";
import { appendOperation } from "../services/op-log.js";
import type { RuntimeNotifier } from "../services/runtime-notifier.js";

/** Offset label of GM's reader of `runtime:health_events`. */
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
  runtimeRecords: RuntimeRecordStore;
  operationLog: OperationLog;
  notifier: RuntimeNotifier;
  telemetry: TurnEngineTelemetry;
  clock: Clock;
  logger: Logger;
}

// A concurrent writer (a turn, an admin op) can move the record between the
// read and the CAS; the event is then re-evaluated against the new status.
const MAX_CAS_ATTEMPTS = 5;

/**
 * Applies one `runtime:health_events` entry (docs/reference.md#streams): the summary rule, the
 * status transitions of docs/reference.md#runtime-status (lost container → engine_unreachable,
 * container back → running and scheduled again), a `health_transition`
 * operation-log entry per status change, and a `runtime_snapshot_update` only
 * when the summary or the status changed — so a duplicate event changes
 * nothing and publishes nothing. Malformed entries, unknown games and
 * terminal runtimes are logged, counted and skipped. A database failure
 * throws, so the reader retries the same entry instead of skipping it.
 */
export class HealthEventHandler {
  constructor(private readonly deps: HealthEventHandlerDeps) {}

  async handle(entry: StreamEntry): Promise<HealthEventOutcome> {
    const { telemetry } = this.deps;
    const parsed = parseHealthEvent(entry.fields);
    if (!parsed.ok) {
      telemetry.recordHealthEvent(parsed.eventType, "malformed");
      this.deps.logger.warn(
        { entry_id: entry.id, reason: parsed.reason, fields: entry.fields },
        "malformed health event skipped",
      );
      return "malformed";
    }
    const event = parsed.event;
    const outcome = await this.apply(event, entry.id);
    telemetry.recordHealthEvent(event.eventType, outcome);
    return outcome;
  }

  private async apply(event: HealthEvent, entryId: string): Promise<HealthEventOutcome> {
    const { runtimeRecords, clock } = this.deps;
    const logger = this.deps.logger.child({
      game_id: event.gameId,
      event_type: event.eventType,
      entry_id: entryId,
      op_source: "health_events",
    });
    const summary = healthSummary(event.eventType);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
      const record = await runtimeRecords.get(event.gameId);
      if (record === null) {
        logger.warn({}, "health event for an unknown game skipped");
        return "unknown_game";
      }
      if (isTerminalStatus(record.status)) {
        logger.debug({ runtime_status: record.status }, "health event for a terminal runtime");
        return "ignored_terminal";
      }
      const change = healthStatusChange(event.eventType, record.status);
      const summaryChanged = record.engineHealth !== summary;
      if (change === null && !summaryChanged) {
        logger.debug({ engine_health: summary }, "health event changes nothing");
        return "unchanged";
      }
      const now = clock.now();
      const patch: RuntimeRecordPatch = {};
      if (summaryChanged) {
        patch.engineHealth = summary;
      }
      if (change !== null) {
        assertTransition(change.from, change.to);
        if (change.to === "running") {
          patch.nextGenerationAt = scheduledAgain(record, now, logger);
        }
      }
      const written = await runtimeRecords.compareAndSet({
        gameId: event.gameId,
        expected: { status: record.status, currentTurn: record.currentTurn },
        ...(change === null ? {} : { to: change.to }),
        patch,
        now,
      });
      if (written === null) {
        continue;
      }
      if (change !== null) {
        await appendOperation(
          this.deps.operationLog,
          {
            gameId: event.gameId,
            opKind: "health_transition",
            opSource: "health_events",
            sourceRef: entryId,
            outcome: "success",
            errorCode: "",
            errorMessage: "",
            startedAt: now,
            finishedAt: now,
          },
          logger,
        );
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
      await this.deps.notifier.snapshot(written, now, logger);
      return "applied";
    }
    throw new Error(
      `runtime record of game "${event.gameId}" kept changing while a health event was applied`,
    );
  }
}

/**
 * A game back from engine_unreachable keeps its next activation if it is
 * still ahead, else gets the first activation after now (missed ticks are not
 * replayed).
 */
function scheduledAgain(record: RuntimeRecord, now: Date, logger: Logger): Date | null {
  if (record.nextGenerationAt !== null && record.nextGenerationAt.getTime() > now.getTime()) {
    return record.nextGenerationAt;
  }
  try {
    return nextGenerationAt(record.turnSchedule, now);
  } catch (error) {
    logger.error({ err: error, turn_schedule: record.turnSchedule }, "invalid turn schedule");
    return null;
  }
}

/** Options of {@link startHealthEventsConsumer}. */
export interface HealthEventsConsumerOptions {
  /** A dedicated connection (XREAD BLOCK); the reader owns and closes it. */
  redis: Redis;
  offsets: StreamOffsetStore;
  stream: string;
  handler: HealthEventHandler;
  logger: Logger;
  label?: string;
  blockMs?: number;
  retryDelayMs?: number;
}

/**
 * Starts the `runtime:health_events` consumer: redisconn's blocking reader
 * with the offset persisted under {@link HEALTH_EVENTS_OFFSET_LABEL}, entries
 * applied in order, each offset saved after its entry was handled. With no
 * saved offset the whole (MAXLEN-bounded) stream is read: replaying old
 * events in order ends in the state the latest one describes.
 */
export function startHealthEventsConsumer(options: HealthEventsConsumerOptions): StreamReader {
  return startStreamReader({
    redis: options.redis,
    stream: options.stream,
    label: options.label ?? HEALTH_EVENTS_OFFSET_LABEL,
    offsets: options.offsets,
    startId: "0",
    logger: options.logger,
    ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    handle: async (entry) => {
      await options.handler.handle(entry);
    },
  });
}
