import { intents, type NotificationIntent } from "@galaxy/notificationintent";
import type { PlayerMapping, PlayerTurnStats, RuntimeRecord } from "../domain/runtime-record.js";
import type { Logger } from "../ports/logger.js";
import type { EventOutbox } from "../ports/outbox.js";
import type { TurnEngineTelemetry } from "../ports/telemetry.js";

/** `producer` of every intent GM publishes. */
export const NOTIFICATION_PRODUCER = "gamemaster";

/**
 * Lobby's view of membership: the subset of `userIds` that are active members
 * of the game. Optional: when it is absent, or it fails, the recipients are
 * the game's player mappings.
 */
export type ActiveMembersLookup = (
  gameId: string,
  userIds: readonly string[],
) => Promise<readonly string[]>;

/** Collaborators of {@link RuntimeNotifier}. */
export interface RuntimeNotifierDeps {
  telemetry: TurnEngineTelemetry;
  activeMembers?: ActiveMembersLookup;
  /**
   * Starts loading what {@link ActiveMembersLookup} will need for these games
   * (their rosters, in one Lobby call); never rejects.
   */
  prepareMembers?: (gameIds: readonly string[]) => Promise<void>;
}

/**
 * Everything the turn engine tells the outside world: `gm:lobby_events`
 * entries and notification intents, written into the outbox of the unit of
 * work that makes the change they report — so they commit (or vanish) with
 * it, and the relay publishes them exactly once (decision 070). Nothing here
 * talks to Redis.
 */
export class RuntimeNotifier {
  constructor(private readonly deps: RuntimeNotifierDeps) {}

  /**
   * `runtime_snapshot_update` of `record`. `stats` defaults to the stats
   * stored with the record (those of the last engine answer).
   */
  snapshot(
    outbox: EventOutbox,
    record: RuntimeRecord,
    occurredAt: Date,
    stats?: readonly PlayerTurnStats[],
  ): string {
    return outbox.snapshotUpdate({
      gameId: record.gameId,
      currentTurn: record.currentTurn,
      runtimeStatus: record.status,
      engineHealthSummary: record.engineHealth,
      playerTurnStats: stats ?? record.lastPlayerStats,
      occurredAt,
    });
  }

  /** `game_finished` of a finished record. */
  gameFinished(
    outbox: EventOutbox,
    record: RuntimeRecord,
    stats: readonly PlayerTurnStats[],
  ): string {
    return outbox.gameFinished({
      gameId: record.gameId,
      finalTurnNumber: record.currentTurn,
      runtimeStatus: record.status,
      playerTurnStats: stats,
      finishedAt: record.finishedAt ?? record.updatedAt,
    });
  }

  /**
   * Called with a claimed batch of turns, before their engine calls: the
   * rosters the batch's recipients need are read while the engines work.
   */
  prepareRecipients(gameIds: readonly string[]): Promise<void> {
    return this.deps.prepareMembers?.(gameIds) ?? Promise.resolve();
  }

  /**
   * The user ids a user-audience intent goes to: the mapped players that
   * Lobby lists as active, or every mapped player when no lookup is wired or
   * Lobby cannot answer (a turn never fails because Lobby is down). Asked
   * before the unit of work opens: a transaction never waits for HTTP.
   */
  async recipients(
    gameId: string,
    mappings: readonly PlayerMapping[],
    logger: Logger,
  ): Promise<string[]> {
    const mapped = [...new Set(mappings.map((mapping) => mapping.userId))].sort();
    const lookup = this.deps.activeMembers;
    if (lookup === undefined) {
      return mapped;
    }
    try {
      const active = new Set(await lookup(gameId, mapped));
      return mapped.filter((userId) => active.has(userId));
    } catch (error) {
      logger.warn(
        { err: error },
        "active members unavailable, notifying every mapped player instead",
      );
      return mapped;
    }
  }

  /** `game.turn.ready` to `recipients` (nothing when there is nobody to tell). */
  turnReady(
    outbox: EventOutbox,
    input: { gameId: string; turnNumber: number; recipients: readonly string[]; occurredAt: Date },
    logger: Logger,
  ): boolean {
    if (input.recipients.length === 0) {
      logger.info({ turn_number: input.turnNumber }, "no active member to notify of the new turn");
      return false;
    }
    return this.enqueue(
      outbox,
      () =>
        intents.gameTurnReady({
          producer: NOTIFICATION_PRODUCER,
          gameId: input.gameId,
          turnNumber: input.turnNumber,
          recipientUserIds: input.recipients,
          occurredAt: input.occurredAt,
        }),
      logger,
    );
  }

  /** `game.finished` to `recipients` (nothing when there is nobody to tell). */
  finishedIntent(
    outbox: EventOutbox,
    input: {
      gameId: string;
      finalTurnNumber: number;
      recipients: readonly string[];
      occurredAt: Date;
    },
    logger: Logger,
  ): boolean {
    if (input.recipients.length === 0) {
      logger.info(
        { final_turn_number: input.finalTurnNumber },
        "no active member to notify of the end",
      );
      return false;
    }
    return this.enqueue(
      outbox,
      () =>
        intents.gameFinished({
          producer: NOTIFICATION_PRODUCER,
          gameId: input.gameId,
          finalTurnNumber: input.finalTurnNumber,
          recipientUserIds: input.recipients,
          occurredAt: input.occurredAt,
        }),
      logger,
    );
  }

  /**
   * `game.generation_failed` to the operators. The idempotency key names the
   * attempt (its cutoff time), not only the turn: a retried turn that fails
   * again is a new alert, while re-publishing the same attempt is de-duplicated.
   */
  generationFailed(
    outbox: EventOutbox,
    input: {
      gameId: string;
      turnNumber: number;
      errorCode: string;
      errorMessage: string;
      attemptStartedAt: Date;
      occurredAt: Date;
    },
    logger: Logger,
  ): boolean {
    return this.enqueue(
      outbox,
      () =>
        intents.gameGenerationFailed({
          producer: NOTIFICATION_PRODUCER,
          gameId: input.gameId,
          turnNumber: input.turnNumber,
          errorCode: input.errorCode,
          errorMessage: input.errorMessage === "" ? input.errorCode : input.errorMessage,
          occurredAt: input.occurredAt,
          idempotencyKey: `game.generation_failed:${input.gameId}:${input.turnNumber}:${input.attemptStartedAt.getTime()}`,
        }),
      logger,
    );
  }

  // An intent that does not validate is a bug in GM, not a reason to undo
  // the state change: it is logged and counted, the rest commits.
  private enqueue(outbox: EventOutbox, build: () => NotificationIntent, logger: Logger): boolean {
    let intent: NotificationIntent | undefined;
    try {
      intent = build();
      outbox.intent(intent);
      return true;
    } catch (error) {
      this.deps.telemetry.recordPublishFailure("notification_intents");
      logger.error(
        { err: error, notification_type: intent?.notification_type },
        "invalid notification intent not queued",
      );
      return false;
    }
  }
}
