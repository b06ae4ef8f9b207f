import { createStreamOffsetStore } from "@galaxy/redisconn";
import type { Redis } from "ioredis";
import { PostgresOutboxCommitListener } from "../adapters/postgres/outbox-commit-listener.js";
import type { GameMasterConfig } from "../config.js";
import type { Lifecycle } from "../lifecycle.js";
import type { GameMasterMetrics } from "../metrics.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import { LeaseRecovery } from "../services/turn-engine/recover.js";
import type { GameMasterAdapters, GameMasterServices } from "../wiring.js";
import {
  HEALTH_EVENTS_OFFSET_LABEL,
  HealthEventHandler,
  startHealthEventsConsumer,
} from "./health-events.js";
import { OutboxRelay, type OutboxRelayHooks } from "./outbox-relay.js";
import { startRecoveryLoop } from "./recovery.js";
import { SchedulerTicker } from "./scheduler.js";

/** What a background worker gets from the composition root. */
export interface WorkerContext {
  config: GameMasterConfig;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: GameMasterMetrics;
  clock: Clock;
  adapters: GameMasterAdapters;
  services: GameMasterServices;
  /**
   * Opens a dedicated Redis connection (a blocking XREAD must not share the
   * command connection). The composition root closes it at shutdown.
   */
  openRedis(name: string, options?: { commandTimeoutMs?: number }): Redis;
  /** Crash points of the outbox relay (tests only). */
  relayHooks?: OutboxRelayHooks;
  /** Start-up aborted (SIGTERM while starting): stop waiting for the first recovery sweep. */
  signal?: AbortSignal;
}

/**
 * Starts the background workers after the HTTP listener is up. Each worker
 * registers its stop on `ctx.lifecycle` so that SIGTERM lets it finish its
 * in-flight work (the scheduler first: it stops claiming and waits for its
 * turns; then, last-registered first, the health consumer and the
 * recovery loop).
 *
 * 1. Recovery of games whose lease expired (their instance died) and of the
 *    leases this instance's id held before a restart, before the scheduler
 *    starts; start-up waits for its first sweep at most twice the engine
 *    timeout; then every GAMEMASTER_RECOVERY_INTERVAL, on every instance.
 * 2. The scheduler ticker.
 * 3. The runtime:health_events consumer on its own Redis connection.
 * 4. The outbox relay, woken by LISTEN/NOTIFY and polling as a fallback.
 *    It starts first, so that events committed before a crash go out while
 *    the recovery still runs, and stops last.
 */
export async function startWorkers(ctx: WorkerContext): Promise<void> {
  const { config, adapters, services, lifecycle, metrics, clock } = ctx;

  const relayLogger = ctx.logger.child({ worker: "outbox_relay" });
  const commitSignal = new PostgresOutboxCommitListener({
    url: config.postgres.url,
    logger: relayLogger,
  });
  const relay = new OutboxRelay({
    source: adapters.outbox,
    publisher: adapters.streamPublisher,
    logger: relayLogger,
    signal: commitSignal,
    telemetry: metrics,
    batchSize: config.outbox.batchSize,
    pollMs: config.outbox.pollIntervalMs,
    ...(ctx.relayHooks === undefined ? {} : { hooks: ctx.relayHooks }),
  });
  relay.start();
  lifecycle.onShutdown("outbox relay", async () => {
    await relay.stop();
    await commitSignal.close();
  });

  const recoveryLogger = ctx.logger.child({ worker: "recovery" });
  const recovery = new LeaseRecovery({
    runtimeRecords: adapters.runtimeRecords,
    turnGeneration: services.turnGeneration,
    registrations: services.registerRuntime,
    clock,
    logger: recoveryLogger,
    // A GM without leases may still be generating until its turn timeout.
    unleasedGraceMs: config.engine.turnTimeoutMs,
    concurrency: config.scheduler.concurrency,
    owner: config.instanceId,
  });
  const recoveryLoop = startRecoveryLoop({
    recovery,
    logger: recoveryLogger,
    intervalMs: config.scheduler.recoveryIntervalMs,
    firstSweepBudgetMs: 2 * config.engine.timeoutMs,
  });
  lifecycle.onShutdown("recovery", () => recoveryLoop.stop());
  await untilAborted(recoveryLoop.firstSweep, ctx.signal);
  if (ctx.signal?.aborted === true) {
    return;
  }

  const scheduler = new SchedulerTicker({
    runtimeRecords: adapters.runtimeRecords,
    turnGeneration: services.turnGeneration,
    telemetry: metrics,
    clock,
    logger: ctx.logger.child({ worker: "scheduler" }),
    intervalMs: config.scheduler.intervalMs,
    concurrency: config.scheduler.concurrency,
  });
  scheduler.start();
  // Stop claiming games before any other worker stops.
  lifecycle.onShutdown("scheduler", () => scheduler.stop(), { first: true });

  const healthLogger = ctx.logger.child({ worker: "health_events" });
  const healthEvents = startHealthEventsConsumer({
    redis: ctx.openRedis("health-events-reader"),
    offsets: adapters.consumerOffsets,
    // An older GM kept the offset in Redis; read once when PostgreSQL has none.
    legacyOffsets: createStreamOffsetStore(
      ctx.openRedis("health-events-offsets", { commandTimeoutMs: 2_000 }),
    ),
    stream: config.streams.healthEvents,
    handler: new HealthEventHandler({
      unitOfWork: adapters.unitOfWork,
      notifier: services.notifier,
      telemetry: metrics,
      clock,
      logger: healthLogger,
      offsetLabel: HEALTH_EVENTS_OFFSET_LABEL,
    }),
    logger: healthLogger,
  });
  lifecycle.onShutdown("health events consumer", () => healthEvents.stop());
}

function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) {
    return work;
  }
  if (signal.aborted) {
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => resolve();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
