import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EngineCallOutcome } from "./adapters/http/engine-client.js";
import type { LobbyCallOutcome } from "./adapters/http/lobby-client.js";
import type { LobbyEventType } from "./adapters/outbox/encoding.js";
import type { OpOutcome } from "./domain/operation.js";
import { RUNTIME_STATUSES, type RuntimeStatus } from "./domain/runtime-status.js";
import type { CacheInvalidation } from "./ports/cache-invalidation.js";
import type { EngineOperation } from "./ports/engine-client.js";
import type { MembershipCacheTelemetry } from "./ports/membership.js";
import type { OutboxBacklog } from "./ports/outbox.js";
import type { Telemetry } from "./ports/telemetry.js";
import { createTurnEngineMetrics, type TurnEngineMetrics } from "./turn-engine-metrics.js";
import type { HealthEventsGroupTelemetry } from "./workers/health-events.js";
import type { OutboxRelayTelemetry } from "./workers/outbox-relay.js";

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Counts runtimes per status on scrape (a cheap `count(*) group by status`). */
  countRuntimesByStatus?: () => Promise<Partial<Record<RuntimeStatus, number>>>;
  /** Also export the process/runtime metrics of prom-client (default true). */
  defaultMetrics?: boolean;
  /** Games in the membership cache, read on scrape. */
  membershipCacheSize?: () => number;
  /** Unpublished outbox rows and the age of the oldest, read on scrape. */
  outboxBacklog?: () => Promise<OutboxBacklog>;
  /** Streams that carry lobby events (the relayed counters tell them from intents). */
  lobbyEventsStream?: string;
  /**
   * `GAMEMASTER_INSTANCE_ID`, exported as the `instance_id` label of
   * `gamemaster_instance_info` (decision 081).
   */
  instanceId?: string;
}

/**
 * The Prometheus metrics of one Game Master instance, in their own registry
 * (several instances can live in one test process). Later features add their
 * metrics here: turn generations, scheduler lag, membership cache, health
 * events consumed, intents published.
 */
export interface GameMasterMetrics
  extends Telemetry,
    MembershipCacheTelemetry,
    TurnEngineMetrics,
    OutboxRelayTelemetry,
    HealthEventsGroupTelemetry {
  readonly registry: Registry;
  readonly registerRuntimeTotal: Counter<"outcome" | "error_code">;
  readonly engineCallDuration: Histogram<"operation" | "outcome">;
  readonly lobbyEventsPublished: Counter<"event_type">;
  readonly runtimesByStatus: Gauge<"status">;
  readonly httpRequestDuration: Histogram<"method" | "route" | "status">;
  readonly membershipCacheHits: Counter;
  readonly membershipCacheMisses: Counter;
  readonly membershipCacheEntries: Gauge;
  readonly lobbyCallDuration: Histogram<"outcome">;
  readonly outboxBacklog: Gauge;
  readonly outboxOldestAge: Gauge;
  readonly outboxRelayLatency: Histogram;
  readonly outboxRelayFailures: Counter;
  readonly cacheInvalidations: Counter<"direction" | "kind">;
  readonly instanceInfo: Gauge<"instance_id">;
  readonly healthEventsPending: Gauge;
  readonly healthEventsReclaimed: Counter;
  /**
   * A cache-invalidation broadcast sent to the other replicas, or one
   * received from them and applied (`resync`: every view dropped).
   */
  recordCacheInvalidation(
    direction: "sent" | "received",
    kind: CacheInvalidation["kind"] | "resync",
  ): void;
  observeLobbyCall(outcome: LobbyCallOutcome, seconds: number): void;
  observeEngineCall(operation: EngineOperation, outcome: EngineCallOutcome, seconds: number): void;
  recordLobbyEventPublished(eventType: LobbyEventType): void;
  observeHttpRequest(method: string, route: string, status: number, seconds: number): void;
}

/** Creates the metrics of one instance in a fresh registry. */
export function createMetrics(options: MetricsOptions = {}): GameMasterMetrics {
  const registry = new Registry();
  const instanceInfo = new Gauge({
    name: "gamemaster_instance_info",
    help: "Always 1; names this replica (instance_id = GAMEMASTER_INSTANCE_ID). Join on the scrape target's labels to attribute any other series.",
    labelNames: ["instance_id"] as const,
    registers: [registry],
  });
  if (options.instanceId !== undefined) {
    instanceInfo.set({ instance_id: options.instanceId }, 1);
  }
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: "gamemaster_" });
  }

  const registerRuntimeTotal = new Counter({
    name: "gamemaster_register_runtime_total",
    help: "register-runtime operations by outcome and error code.",
    labelNames: ["outcome", "error_code"] as const,
    registers: [registry],
  });
  const engineCallDuration = new Histogram({
    name: "gamemaster_engine_call_duration_seconds",
    help: "Latency of calls to game engines by operation and outcome.",
    labelNames: ["operation", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const lobbyEventsPublished = new Counter({
    name: "gamemaster_lobby_events_published_total",
    help: "Entries published on the lobby events stream by event type.",
    labelNames: ["event_type"] as const,
    registers: [registry],
  });
  const countRuntimes = options.countRuntimesByStatus;
  const runtimesByStatus = new Gauge({
    name: "gamemaster_runtimes",
    help: "Runtime records by status (read from PostgreSQL on scrape).",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      if (countRuntimes === undefined) {
        return;
      }
      try {
        const counts = await countRuntimes();
        for (const status of RUNTIME_STATUSES) {
          this.set({ status }, counts[status] ?? 0);
        }
      } catch {
        // Database down: keep the last values rather than failing the whole
        // scrape; /readyz reports the outage.
      }
    },
  });
  const httpRequestDuration = new Histogram({
    name: "gamemaster_http_request_duration_seconds",
    help: "Duration of HTTP requests by method, route pattern and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const membershipCacheHits = new Counter({
    name: "gamemaster_membership_cache_hits_total",
    help: "Hot-path membership lookups answered from the in-process cache.",
    registers: [registry],
  });
  const membershipCacheMisses = new Counter({
    name: "gamemaster_membership_cache_misses_total",
    help: "Hot-path membership lookups that waited for a Lobby load (own or shared).",
    registers: [registry],
  });
  const cacheSize = options.membershipCacheSize;
  const membershipCacheEntries = new Gauge({
    name: "gamemaster_membership_cache_entries",
    help: "Games whose roster is in the membership cache.",
    registers: [registry],
    collect() {
      if (cacheSize !== undefined) {
        this.set(cacheSize());
      }
    },
  });
  const lobbyCallDuration = new Histogram({
    name: "gamemaster_lobby_call_duration_seconds",
    help: "Latency of Lobby roster loads (membership-cache misses) by outcome.",
    labelNames: ["outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const readBacklog = options.outboxBacklog;
  let backlogScrape: Promise<OutboxBacklog | null> | undefined;
  // Both gauges come from one query per scrape.
  const scrapeBacklog = (): Promise<OutboxBacklog | null> => {
    if (readBacklog === undefined) {
      return Promise.resolve(null);
    }
    backlogScrape ??= readBacklog()
      .catch(() => null)
      .finally(() => {
        setTimeout(() => {
          backlogScrape = undefined;
        }, 0);
      });
    return backlogScrape;
  };
  const outboxBacklog = new Gauge({
    name: "gamemaster_outbox_backlog",
    help: "Outbox rows committed but not yet on their stream (read from PostgreSQL on scrape).",
    registers: [registry],
    async collect() {
      const backlog = await scrapeBacklog();
      if (backlog !== null) {
        this.set(backlog.rows);
      }
    },
  });
  const outboxOldestAge = new Gauge({
    name: "gamemaster_outbox_oldest_age_seconds",
    help: "Age of the oldest unpublished outbox row; 0 when the outbox is empty.",
    registers: [registry],
    async collect() {
      const backlog = await scrapeBacklog();
      if (backlog !== null) {
        this.set(backlog.oldestAgeSeconds);
      }
    },
  });
  const outboxRelayLatency = new Histogram({
    name: "gamemaster_outbox_relay_latency_seconds",
    help: "Time from the commit of an outbox row to its entry on the stream.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const outboxRelayFailures = new Counter({
    name: "gamemaster_outbox_relay_failures_total",
    help: "Relay passes that failed (Redis or PostgreSQL unreachable); the rows are retried.",
    registers: [registry],
  });

  const cacheInvalidations = new Counter({
    name: "gamemaster_cache_invalidations_total",
    help: "Cache-invalidation broadcasts sent to or received from the other replicas, by kind (resync: every cached view dropped after a (re)subscription).",
    labelNames: ["direction", "kind"] as const,
    registers: [registry],
  });

  const healthEventsPending = new Gauge({
    name: "gamemaster_health_events_pending",
    help: "runtime:health_events entries delivered to the replicas' consumer group and not acknowledged yet, all replicas together (XPENDING after each claim pass of this replica).",
    registers: [registry],
  });
  const healthEventsReclaimed = new Counter({
    name: "gamemaster_health_events_reclaimed_total",
    help: "Pending runtime:health_events entries this replica claimed from a replica idle longer than GAMEMASTER_HEALTH_EVENTS_CLAIM_IDLE (presumed dead) and applied.",
    registers: [registry],
  });

  const turnEngine = createTurnEngineMetrics(registry);
  return {
    ...turnEngine,
    outboxBacklog,
    outboxOldestAge,
    outboxRelayLatency,
    outboxRelayFailures,
    recordRelayed(stream, eventTypes) {
      for (const eventType of eventTypes) {
        if (stream === options.lobbyEventsStream) {
          lobbyEventsPublished.inc({ event_type: eventType });
        } else {
          turnEngine.notificationIntentsPublished.inc({ notification_type: eventType });
        }
      }
    },
    observeRelayLatency(seconds) {
      outboxRelayLatency.observe(seconds);
    },
    recordRelayFailure() {
      outboxRelayFailures.inc();
    },
    healthEventsPending,
    healthEventsReclaimed,
    recordHealthEventsClaimPass(pass) {
      healthEventsPending.set(pass.pending);
      healthEventsReclaimed.inc(pass.claimed);
    },
    cacheInvalidations,
    instanceInfo,
    recordCacheInvalidation(direction, kind) {
      cacheInvalidations.inc({ direction, kind });
    },
    registry,
    registerRuntimeTotal,
    engineCallDuration,
    lobbyEventsPublished,
    runtimesByStatus,
    httpRequestDuration,
    membershipCacheHits,
    membershipCacheMisses,
    membershipCacheEntries,
    lobbyCallDuration,
    recordMembershipCacheHit() {
      membershipCacheHits.inc();
    },
    recordMembershipCacheMiss() {
      membershipCacheMisses.inc();
    },
    observeLobbyCall(outcome, seconds) {
      lobbyCallDuration.observe({ outcome }, seconds);
    },
    recordRegisterRuntime(outcome: OpOutcome, errorCode: string) {
      registerRuntimeTotal.inc({ outcome, error_code: errorCode });
    },
    observeEngineCall(operation, outcome, seconds) {
      engineCallDuration.observe({ operation, outcome }, seconds);
    },
    recordLobbyEventPublished(eventType) {
      lobbyEventsPublished.inc({ event_type: eventType });
    },
    observeHttpRequest(method, route, status, seconds) {
      httpRequestDuration.observe({ method, route, status: String(status) }, seconds);
    },
  };
}
