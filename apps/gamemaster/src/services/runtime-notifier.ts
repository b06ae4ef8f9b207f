import { intents, type NotificationIntent } from "@galaxy/notificationintent";
import type { PlayerMapping, PlayerTurnStats, RuntimeRecord } from "../domain/runtime-record.js";
import type { LobbyEventsPublisher } from "../ports/lobby-events-publisher.js";
import type { Logger } from "../ports/logger.js";
import type { NotificationPublisher } from "../ports/notification-publisher.js";
import type { TurnEngineTelemetry } from "../ports/telemetry.js";
import type { LastStatsMemory } from "./last-stats.js";

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
  lobbyEvents: LobbyEventsPublisher;
  notifications: NotificationPublisher;
  lastStats: LastStatsMemory;
  telemetry: TurnEngineTelemetry;
  activeMembers?: ActiveMembersLookup;
}

/**
 * Everything the turn engine tells the outside world: `gm:lobby_events`
 * entries and notification intents. Each publish happens after the database
 * change it reports; a failure is logged and counted and never undoes that
 * change (the database is the source of truth, and Lobby catches up with the
 * next snapshot).
 */
export class RuntimeNotifier {
  constructor(private readonly deps: RuntimeNotifierDeps) {}

  /** Remembers stats that came with an engine answer, for later snapshots without one. */
  rememberStats(gameId: string, stats: readonly PlayerTurnStats[]): void {
    if (stats.length > 0) {
      this.deps.lastStats.remember(gameId, stats);
    }
  }

  /**
   * `runtime_snapshot_update` of `record`. `stats` defaults to the last stats
   * GM published for the game (see {@link LastStatsMemory}).
   */
  async snapshot(
    record: RuntimeRecord,
    occurredAt: Date,
    logger: Logger,
    stats?: readonly PlayerTurnStats[],
  ): Promise<boolean> {
    try {
      await this.deps.lobbyEvents.publishSnapshotUpdate({
        gameId: record.gameId,
        currentTurn: record.currentTurn,
        runtimeStatus: record.status,
        engineHealthSummary: record.engineHealth,
        playerTurnStats: stats ?? this.deps.lastStats.recall(record.gameId),
        occurredAt,
      });
      return true;
    } catch (error) {
      this.deps.telemetry.recordPublishFailure("lobby_events");
      logger.error(
        { err: error, runtime_status: record.status, current_turn: record.currentTurn },
        "publish runtime snapshot update failed",
      );
      return false;
    }
  }

  /** `game_finished` of a finished record. */
  async gameFinished(
    record: RuntimeRecord,
    stats: readonly PlayerTurnStats[],
    logger: Logger,
  ): Promise<boolean> {
    try {
      await this.deps.lobbyEvents.publishGameFinished({
        gameId: record.gameId,
        finalTurnNumber: record.currentTurn,
        runtimeStatus: record.status,
        playerTurnStats: stats,
        finishedAt: record.finishedAt ?? record.updatedAt,
      });
      return true;
    } catch (error) {
      this.deps.telemetry.recordPublishFailure("lobby_events");
      logger.error(
        { err: error, final_turn_number: record.currentTurn },
        "publish game finished failed",
      );
      return false;
    }
  }

  /**
   * The user ids a user-audience intent goes to: the mapped players that
   * Lobby lists as active, or every mapped player when no lookup is wired or
   * Lobby cannot answer (a turn never fails because Lobby is down).
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
    gameId: string,
    turnNumber: number,
    recipients: readonly string[],
    occurredAt: Date,
    logger: Logger,
  ): Promise<boolean> {
    if (recipients.length === 0) {
      logger.info({ turn_number: turnNumber }, "no active member to notify of the new turn");
      return Promise.resolve(false);
    }
    return this.publish(
      () =>
        intents.gameTurnReady({
          producer: NOTIFICATION_PRODUCER,
          gameId,
          turnNumber,
          recipientUserIds: recipients,
          occurredAt,
        }),
      logger,
    );
  }

  /** `game.finished` to `recipients` (nothing when there is nobody to tell). */
  finishedIntent(
    gameId: string,
    finalTurnNumber: number,
    recipients: readonly string[],
    occurredAt: Date,
    logger: Logger,
  ): Promise<boolean> {
    if (recipients.length === 0) {
      logger.info({ final_turn_number: finalTurnNumber }, "no active member to notify of the end");
      return Promise.resolve(false);
    }
    return this.publish(
      () =>
        intents.gameFinished({
          producer: NOTIFICATION_PRODUCER,
          gameId,
          finalTurnNumber,
          recipientUserIds: recipients,
          occurredAt,
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
    input: {
      gameId: string;
      turnNumber: number;
      errorCode: string;
      errorMessage: string;
      attemptStartedAt: Date;
    },
    occurredAt: Date,
    logger: Logger,
  ): Promise<boolean> {
    return this.publish(
      () =>
        intents.gameGenerationFailed({
          producer: NOTIFICATION_PRODUCER,
          gameId: input.gameId,
          turnNumber: input.turnNumber,
          errorCode: input.errorCode,
          errorMessage: input.errorMessage === "" ? input.errorCode : input.errorMessage,
          occurredAt,
          idempotencyKey: `game.generation_failed:${input.gameId}:${input.turnNumber}:${input.attemptStartedAt.getTime()}`,
        }),
      logger,
    );
  }

  private async publish(build: () => NotificationIntent, logger: Logger): Promise<boolean> {
    let intent: NotificationIntent | undefined;
    try {
      intent = build();
      await this.deps.notifications.publish(intent);
      return true;
    } catch (error) {
      this.deps.telemetry.recordPublishFailure("notification_intents");
      logger.error(
        { err: error, notification_type: intent?.notification_type },
        "publish notification intent failed",
      );
      return false;
    }
  }
}
