import type { AddressInfo } from "node:net";
import {
  closePool,
  createDatabase,
  createPool,
  migrationStatus,
  pingPostgres,
  runMigrations,
} from "@galaxy/postgres";
import { closeRedis, createRedis, pingRedis } from "@galaxy/redisconn";
import { serve } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Redis } from "ioredis";
import type { Logger as PinoLogger } from "pino";
import { createHttpAgent } from "./adapters/http/engine-client.js";
import { MIGRATIONS_FOLDER, MIGRATIONS_SCHEMA } from "./adapters/postgres/migrations.js";
import { schema } from "./adapters/postgres/schema.js";
import { startCacheInvalidationSubscriber } from "./adapters/redis/cache-invalidation-bus.js";
import type { GameMasterConfig } from "./config.js";
import { createApp } from "./http/app.js";
import { answerClientError } from "./http/client-error.js";
import type { AppEnv } from "./http/context.js";
import { Lifecycle } from "./lifecycle.js";
import { createLogger, withInstanceId } from "./logger.js";
import { createMetrics, type GameMasterMetrics } from "./metrics.js";
import { type Clock, systemClock } from "./ports/clock.js";
import {
  createAdapters,
  createCacheInvalidationHandler,
  createServices,
  type GameMasterAdapters,
  type GameMasterServices,
} from "./wiring.js";
import { startWorkers } from "./workers/index.js";
import type { OutboxRelayHooks } from "./workers/outbox-relay.js";

/** Options of {@link startGameMaster}. */
export interface StartGameMasterOptions {
  /** Defaults to a JSON logger on stdout at `config.logLevel`. */
  logger?: PinoLogger;
  /** Interface to listen on; default all interfaces. */
  host?: string;
  clock?: Clock;
  /** Timeout of the /readyz pings; default 1 000 ms. */
  readinessTimeoutMs?: number;
  /** Start the background workers (default true; some tests want the HTTP surface only). */
  workers?: boolean;
  /** Crash points of the outbox relay (tests only). */
  relayHooks?: OutboxRelayHooks;
  /**
   * Aborts the start-up (SIGTERM while starting): checked between the steps;
   * whatever was opened is closed and the promise rejects with
   * {@link StartAbortedError}. A migration under way finishes first (it is
   * one transaction).
   */
  signal?: AbortSignal;
  /**
   * Told when start-up enters a stage: `migrating` (waiting for the
   * migration lock, applying migrations: one transaction, so the process
   * may simply exit), then `starting` (pools, listener, workers: a stop must
   * unwind them).
   */
  onStage?: (stage: StartStage) => void;
}

/** Stages of the start-up reported through {@link StartGameMasterOptions.onStage}. */
export type StartStage = "migrating" | "starting";

/** Rejection of {@link startGameMaster} when its `signal` aborted the start-up. */
export class StartAbortedError extends Error {
  constructor() {
    super("start-up aborted");
    this.name = "StartAbortedError";
  }
}

/** A running Game Master. */
export interface GameMasterHandle {
  /** `http://host:port` of the listener. */
  url: string;
  port: number;
  app: OpenAPIHono<AppEnv>;
  adapters: GameMasterAdapters;
  services: GameMasterServices;
  metrics: GameMasterMetrics;
  lifecycle: Lifecycle;
  /**
   * Graceful stop: stop accepting, let in-flight requests finish, run the
   * shutdown hooks (workers), close Redis and PostgreSQL. Idempotent.
   */
  close(): Promise<void>;
}

const POSTGRES_STATEMENT_TIMEOUT_MS = 30_000;
const POSTGRES_CONNECTION_TIMEOUT_MS = 3_000;
const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/**
 * Starts Game Master in-process: opens PostgreSQL, applies the migrations
 * before anything listens (a failure rejects and leaves nothing open), opens
 * Redis, wires adapters → services → HTTP app, listens, then starts the
 * workers. `main.ts` wraps it with signal handling; tests and benchmarks call
 * it directly.
 */
export async function startGameMaster(
  config: GameMasterConfig,
  options: StartGameMasterOptions = {},
): Promise<GameMasterHandle> {
  const logger = withInstanceId(
    options.logger ?? createLogger({ level: config.logLevel, instanceId: config.instanceId }),
    config.instanceId,
  );
  const clock = options.clock ?? systemClock;
  if (config.shutdownTimeoutMs <= config.engine.turnTimeoutMs) {
    // Honoured as given, but a turn in flight at SIGTERM may be cut (and
    // left to the recovery of an expired lease): say so once, at start.
    logger.warn(
      {
        shutdown_timeout_ms: config.shutdownTimeoutMs,
        turn_timeout_ms: config.engine.turnTimeoutMs,
      },
      "shutdown timeout is not above the turn timeout",
    );
  }
  const aborted = () => options.signal?.aborted === true;
  if (aborted()) {
    throw new StartAbortedError();
  }

  const pool = createPool({
    url: config.postgres.url,
    maxConnections: config.postgres.maxConnections,
    connectionTimeoutMs: POSTGRES_CONNECTION_TIMEOUT_MS,
    statementTimeoutMs: POSTGRES_STATEMENT_TIMEOUT_MS,
    applicationName: "gamemaster",
    onError: (error) => logger.warn({ err: error }, "idle postgres connection failed"),
  });
  options.onStage?.("migrating");
  logger.info({ migrations_folder: MIGRATIONS_FOLDER }, "applying migrations");
  try {
    await runMigrations(pool, {
      migrationsFolder: MIGRATIONS_FOLDER,
      migrationsSchema: MIGRATIONS_SCHEMA,
    });
  } catch (error) {
    await closePool(pool).catch(() => undefined);
    throw error;
  }
  logger.info({ migrations_folder: MIGRATIONS_FOLDER }, "migrations applied");
  options.onStage?.("starting");
  if (aborted()) {
    await closePool(pool).catch(() => undefined);
    throw new StartAbortedError();
  }

  const redisClients: Redis[] = [];
  const openRedis = (
    name: string,
    options: { commandTimeoutMs?: number; autoPipelining?: boolean } = {},
  ): Redis => {
    const client = createRedis({
      url: config.redis.url,
      keyPrefix: config.redis.keyPrefix,
      connectionName: `gamemaster:${name}`,
      ...(options.commandTimeoutMs === undefined
        ? {}
        : { commandTimeoutMs: options.commandTimeoutMs }),
      ...(options.autoPipelining === true ? { autoPipelining: true } : {}),
      onError: (error) => logger.debug({ err: error, connection: name }, "redis connection error"),
    });
    redisClients.push(client);
    return client;
  };
  // The command connection never blocks, so a short command timeout keeps a
  // Redis outage from stalling requests (a publish fails fast and is logged).
  // A batch of settled turns publishes one invalidation per game: pipelined.
  const redis = openRedis("main", {
    commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
    autoPipelining: true,
  });

  const db = createDatabase(pool, schema);
  const lifecycle = new Lifecycle(logger);
  let adapters: GameMasterAdapters | undefined;
  let services: GameMasterServices | undefined;
  const metrics = createMetrics({
    instanceId: config.instanceId,
    countRuntimesByStatus: () =>
      adapters === undefined ? Promise.resolve({}) : adapters.runtimeRecords.countByStatus(),
    membershipCacheSize: () => services?.memberships.size ?? 0,
    outboxBacklog: () =>
      adapters === undefined
        ? Promise.resolve({ rows: 0, oldestAgeSeconds: 0 })
        : adapters.outbox.backlog(),
    lobbyEventsStream: config.streams.lobbyEvents,
  });
  // One keep-alive pool for every outgoing HTTP call (engines, Lobby), closed
  // last at shutdown, after the workers that may still call an engine.
  // Sized to the scheduler: every turn in flight may hold one connection to its engine.
  const httpAgent = createHttpAgent({ connectionsPerOrigin: config.scheduler.concurrency });
  adapters = createAdapters({ config, db, redis, metrics, logger, httpAgent });
  services = createServices({
    adapters,
    metrics,
    clock,
    membershipCache: config.membershipCache,
    leases: {
      owner: config.instanceId,
      leaseMs: config.scheduler.leaseMs,
      engineTimeoutMs: config.engine.timeoutMs,
      turnTimeoutMs: config.engine.turnTimeoutMs,
    },
    logger,
  });
  // The other replicas' invalidations (decision 080), heard before this
  // replica serves anything.
  const invalidationLogger = logger.child({ component: "cache_invalidation" });
  const invalidations = startCacheInvalidationSubscriber({
    redis: openRedis("cache-invalidation"),
    channel: config.cacheInvalidationChannel,
    instanceId: config.instanceId,
    handler: createCacheInvalidationHandler({
      memberships: services.memberships,
      runtimeView: adapters.playerAccess,
    }),
    logger: invalidationLogger,
    onApplied: (kind) => metrics.recordCacheInvalidation("received", kind),
  });

  const readinessTimeoutMs = options.readinessTimeoutMs ?? 1_000;
  const app = createApp({
    services,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    readiness: async () => {
      const [postgresUp, redisUp] = await Promise.all([
        pingPostgres(pool, readinessTimeoutMs),
        pingRedis(redis, readinessTimeoutMs),
      ]);
      const down: string[] = [];
      if (!postgresUp) down.push("postgres");
      // Only a reachable database can say which migration its schema is at.
      if (postgresUp && !(await schemaIsCurrent(pool, readinessTimeoutMs))) {
        down.push("migrations");
      }
      // Not hearing the other replicas' invalidations is worth reporting on
      // its own only while Redis answers (a Redis outage says it already).
      if (redisUp && !invalidations.subscribed) down.push("cache_invalidation");
      if (redisUp) {
        return { down };
      }
      // Decision 072: without Redis GM still serves (events wait in the
      // outbox), so it stays in rotation and says so in the body; the
      // replicas' cache invalidations are not heard meanwhile (the runtime
      // cache TTL bounds how stale another replica's write can be seen).
      let outboxBacklog: number | undefined;
      if (postgresUp && adapters !== undefined) {
        outboxBacklog = await adapters.outbox
          .backlog()
          .then((backlog) => backlog.rows)
          .catch(() => undefined);
      }
      return {
        down,
        degraded: ["redis", "cache_invalidation"],
        ...(outboxBacklog === undefined ? {} : { outboxBacklog }),
      };
    },
    metrics: {
      contentType: metrics.registry.contentType,
      render: () => metrics.registry.metrics(),
    },
    observeRequest: (method, route, status, seconds) =>
      metrics.observeHttpRequest(method, route, status, seconds),
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const instance = serve(
      {
        fetch: app.fetch,
        port: config.httpPort,
        ...(options.host === undefined ? {} : { hostname: options.host }),
      },
      () => resolve(instance),
    );
    instance.once("error", reject);
    instance.on("clientError", answerClientError);
  }).catch(async (error: unknown) => {
    invalidations.stop();
    await httpAgent.close().catch(() => undefined);
    await Promise.allSettled(redisClients.map((client) => closeRedis(client)));
    await closePool(pool).catch(() => undefined);
    throw error;
  });
  const address = server.address() as AddressInfo;
  const host =
    options.host === undefined || options.host === "0.0.0.0" || options.host === "::"
      ? "127.0.0.1"
      : options.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  logger.info({ port: address.port, url }, "gamemaster listening");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info({}, "gamemaster shutting down");
      // Stop accepting at once; requests in flight (a forced turn, a
      // command) finish. Keep-alive connections that fall idle meanwhile are
      // closed as they do, so that they cannot hold the listener open.
      const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      const closeIdle = () => {
        if ("closeIdleConnections" in server) {
          server.closeIdleConnections();
        }
      };
      const idleSweep = setInterval(closeIdle, 100);
      closeIdle();
      try {
        // Workers: the scheduler stops claiming first and waits for its
        // turns, then the health consumer and the recovery loop stop.
        await lifecycle.shutdown();
        await listenerClosed;
      } finally {
        clearInterval(idleSweep);
      }
      invalidations.stop();
      // After every engine call (workers and requests) has ended.
      await httpAgent
        .close()
        .catch((error: unknown) => logger.warn({ err: error }, "http agent close failed"));
      await Promise.allSettled(redisClients.map((client) => closeRedis(client)));
      await closePool(pool);
      logger.info({}, "gamemaster stopped");
    })();
    return closing;
  };

  try {
    if (options.workers ?? true) {
      await startWorkers({
        config,
        logger,
        lifecycle,
        metrics,
        clock,
        adapters,
        services,
        openRedis,
        ...(options.relayHooks === undefined ? {} : { relayHooks: options.relayHooks }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    }
    if (aborted()) {
      throw new StartAbortedError();
    }
  } catch (error) {
    await close();
    throw error;
  }

  return { url, port: address.port, app, adapters, services, metrics, lifecycle, close };
}

/**
 * Whether the `gamemaster` schema is at the newest committed migration: GM
 * applied them at start, but a restored backup or a hand-edited database can
 * fall behind while the process runs. A check that fails or times out says no.
 */
async function schemaIsCurrent(pool: Parameters<typeof pingPostgres>[0], timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const check = migrationStatus(pool, {
    migrationsFolder: MIGRATIONS_FOLDER,
    migrationsSchema: MIGRATIONS_SCHEMA,
  }).then(
    (status) => status.current,
    () => false,
  );
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
