import type { ExpectedStream } from "./asyncapi.js";
import type { ExpectedOperation } from "./openapi.js";

// Frozen facts from docs/reference.md. A contract document that drifts from these fails the tests;
// changing a value here is a contract change and needs the product owner's approval.

const GAME = "/api/v1/internal/games/{game_id}";
const ENGINE_VERSIONS = "/api/v1/internal/engine-versions";

/** docs/reference.md#operations: the 20 Game Master operations (ids, methods and paths are frozen). */
export const GM_OPERATIONS: readonly ExpectedOperation[] = [
  { operationId: "internalRegisterRuntime", method: "post", path: `${GAME}/runtime` },
  { operationId: "internalGetRuntime", method: "get", path: `${GAME}/runtime` },
  {
    operationId: "internalListRuntimes",
    method: "get",
    path: "/api/v1/internal/runtimes",
    query: ["status", "limit", "cursor"],
  },
  { operationId: "internalForceNextTurn", method: "post", path: `${GAME}/runtime/force-next-turn` },
  { operationId: "internalStopRuntime", method: "post", path: `${GAME}/runtime/stop` },
  { operationId: "internalPatchRuntime", method: "post", path: `${GAME}/runtime/patch` },
  { operationId: "internalBanishRace", method: "post", path: `${GAME}/races/{race_name}/banish` },
  {
    operationId: "internalInvalidateMemberships",
    method: "post",
    path: `${GAME}/memberships/invalidate`,
  },
  { operationId: "internalGameLiveness", method: "get", path: `${GAME}/liveness` },
  {
    operationId: "internalListEngineVersions",
    method: "get",
    path: ENGINE_VERSIONS,
    query: ["status"],
  },
  { operationId: "internalCreateEngineVersion", method: "post", path: ENGINE_VERSIONS },
  { operationId: "internalGetEngineVersion", method: "get", path: `${ENGINE_VERSIONS}/{version}` },
  {
    operationId: "internalUpdateEngineVersion",
    method: "patch",
    path: `${ENGINE_VERSIONS}/{version}`,
  },
  {
    operationId: "internalDeprecateEngineVersion",
    method: "delete",
    path: `${ENGINE_VERSIONS}/{version}`,
    query: ["hard"],
  },
  {
    operationId: "internalResolveEngineVersionImageRef",
    method: "get",
    path: `${ENGINE_VERSIONS}/{version}/image-ref`,
  },
  { operationId: "internalExecuteCommands", method: "post", path: `${GAME}/commands` },
  { operationId: "internalPutOrders", method: "put", path: `${GAME}/orders` },
  { operationId: "internalGetReport", method: "get", path: `${GAME}/reports/{turn}` },
  { operationId: "internalHealthz", method: "get", path: "/healthz" },
  { operationId: "internalReadyz", method: "get", path: "/readyz" },
];

/** docs/reference.md#runtime-status: runtime statuses. */
export const RUNTIME_STATUSES = [
  "starting",
  "running",
  "generation_in_progress",
  "generation_failed",
  "stopped",
  "engine_unreachable",
  "finished",
] as const;

/** docs/reference.md#admin-operations: stop reasons (GM's stop request and RTM's stop request share them). */
export const STOP_REASONS = [
  "admin_request",
  "cancelled",
  "finished",
  "timeout",
  "orphan_cleanup",
] as const;

/** docs/reference.md#streams: engine-health summaries GM derives from health events ('' until known). */
export const ENGINE_HEALTH_SUMMARIES = [
  "",
  "healthy",
  "probe_failed",
  "inspect_unhealthy",
  "exited",
  "oom",
  "disappeared",
] as const;

/** docs/reference.md#streams: `gm:lobby_events`, discriminated by `event_type`. */
export const LOBBY_EVENTS_STREAM: ExpectedStream = {
  address: "gm:lobby_events",
  discriminator: "event_type",
  messages: [
    {
      type: "runtime_snapshot_update",
      fields: [
        "event_type",
        "event_id",
        "game_id",
        "current_turn",
        "runtime_status",
        "engine_health_summary",
        "player_turn_stats",
        "occurred_at_ms",
      ],
    },
    {
      type: "game_finished",
      fields: [
        "event_type",
        "event_id",
        "game_id",
        "final_turn_number",
        "runtime_status",
        "player_turn_stats",
        "finished_at_ms",
      ],
    },
  ],
};

/** docs/reference.md#turn-generation, #streams: one decoded item of `player_turn_stats`. */
export const PLAYER_TURN_STAT_FIELDS = ["user_id", "planets", "population"] as const;

/** docs/reference.md#notification-intents: the flat fields every notification intent carries. */
export const INTENT_FIELDS = [
  "notification_type",
  "producer",
  "audience_kind",
  "recipient_user_ids",
  "idempotency_key",
  "occurred_at_ms",
  "payload_json",
] as const;

const RUNTIME_FAILURE_FIELDS = [
  "game_id",
  "image_ref",
  "error_code",
  "error_message",
  "attempted_at_ms",
] as const;

/** docs/reference.md#notification-intents: notification intent types, their audience and their decoded payload fields. */
export const NOTIFICATION_INTENTS: ReadonlyArray<{
  readonly type: string;
  readonly audience: "user" | "admin";
  readonly payloadFields: readonly string[];
}> = [
  { type: "game.turn.ready", audience: "user", payloadFields: ["game_id", "turn_number"] },
  { type: "game.finished", audience: "user", payloadFields: ["game_id", "final_turn_number"] },
  {
    type: "game.generation_failed",
    audience: "admin",
    payloadFields: ["game_id", "turn_number", "error_code", "error_message"],
  },
  { type: "runtime.image_pull_failed", audience: "admin", payloadFields: RUNTIME_FAILURE_FIELDS },
  {
    type: "runtime.container_start_failed",
    audience: "admin",
    payloadFields: RUNTIME_FAILURE_FIELDS,
  },
  {
    type: "runtime.start_config_invalid",
    audience: "admin",
    payloadFields: RUNTIME_FAILURE_FIELDS,
  },
  {
    type: "lobby.runtime_paused_after_start",
    audience: "admin",
    payloadFields: [
      "game_id",
      "image_ref",
      "engine_endpoint",
      "error_code",
      "error_message",
      "paused_at_ms",
    ],
  },
];

/**
 * Envelope fields next to an intent's own: `event_id` (the outbox row's id;
 * Game Master always sends it, other producers may not).
 */
export const INTENT_OPTIONAL_FIELDS = ["event_id"] as const;

/** docs/reference.md#notification-intents: `notification:intents`, discriminated by `notification_type`. */
export const NOTIFICATION_INTENTS_STREAM: ExpectedStream = {
  address: "notification:intents",
  discriminator: "notification_type",
  messages: NOTIFICATION_INTENTS.map((intent) => ({
    type: intent.type,
    fields: INTENT_FIELDS,
    optionalFields: INTENT_OPTIONAL_FIELDS,
  })),
};

/** docs/reference.md#streams: health event types on `runtime:health_events`. */
export const HEALTH_EVENT_TYPES = [
  "container_started",
  "container_exited",
  "container_oom",
  "container_disappeared",
  "probe_failed",
  "probe_recovered",
  "inspect_unhealthy",
] as const;

/** docs/reference.md#streams: `runtime:health_events` (one message kind; `event_type` is an enum). */
export const HEALTH_EVENTS_STREAM: ExpectedStream = {
  address: "runtime:health_events",
  messages: [
    {
      type: "runtime_health_event",
      fields: ["game_id", "container_id", "event_type", "occurred_at_ms", "details"],
    },
  ],
};

/** docs/reference.md#streams: `runtime:start_jobs` (Lobby → RTM). */
export const START_JOBS_STREAM: ExpectedStream = {
  address: "runtime:start_jobs",
  messages: [{ type: "start_job", fields: ["game_id", "image_ref", "requested_at_ms"] }],
};

/** docs/reference.md#streams: `runtime:job_results` (RTM → Lobby). */
export const JOB_RESULTS_STREAM: ExpectedStream = {
  address: "runtime:job_results",
  messages: [
    {
      type: "job_result",
      fields: [
        "game_id",
        "outcome",
        "engine_endpoint",
        "error_code",
        "error_message",
        "completed_at_ms",
      ],
    },
  ],
};

/** docs/reference.md#neighbour-contracts: the engine operations GM calls. */
export const ENGINE_OPERATIONS: readonly ExpectedOperation[] = [
  { operationId: "adminInitGame", method: "post", path: "/api/v1/admin/init" },
  { operationId: "adminGetGameStatus", method: "get", path: "/api/v1/admin/status" },
  { operationId: "adminGenerateTurn", method: "post", path: "/api/v1/admin/turn" },
  { operationId: "adminBanishRace", method: "post", path: "/api/v1/admin/race/banish" },
  { operationId: "executeCommands", method: "post", path: "/api/v1/command" },
  { operationId: "putOrders", method: "put", path: "/api/v1/order" },
  {
    operationId: "getReport",
    method: "get",
    path: "/api/v1/report",
    query: ["player", "turn"],
  },
  { operationId: "healthz", method: "get", path: "/healthz" },
];

/** docs/reference.md#neighbour-contracts: StateResponse and its player entries. */
export const STATE_RESPONSE_FIELDS = ["turn", "finished", "players"] as const;
/** docs/reference.md#neighbour-contracts: one player of a StateResponse. */
export const STATE_PLAYER_FIELDS = [
  "race_name",
  "engine_player_uuid",
  "planets",
  "population",
] as const;

/** docs/reference.md#admin-operations, #neighbour-contracts: the RTM operations GM calls. */
export const RTM_OPERATIONS: readonly ExpectedOperation[] = [
  {
    operationId: "internalStopRuntime",
    method: "post",
    path: "/api/v1/internal/runtimes/{game_id}/stop",
  },
  {
    operationId: "internalPatchRuntime",
    method: "post",
    path: "/api/v1/internal/runtimes/{game_id}/patch",
  },
];

/** docs/reference.md#hot-path, #neighbour-contracts: the Lobby operation GM calls. */
export const LOBBY_OPERATIONS: readonly ExpectedOperation[] = [
  {
    operationId: "internalListGameMemberships",
    method: "get",
    path: "/api/v1/internal/games/{game_id}/memberships",
  },
];

/**
 * The batch roster read added after the first release (GM warms its membership cache for a
 * burst of due turns in one call). Frozen from the moment it shipped, like the one above.
 */
export const LOBBY_LOOKUP_OPERATIONS: readonly ExpectedOperation[] = [
  {
    operationId: "internalLookupMemberships",
    method: "post",
    path: "/api/v1/internal/memberships/lookup",
  },
];

/** The most game ids one `internalLookupMemberships` request may carry. */
export const LOBBY_LOOKUP_MAX_GAME_IDS = 1000;

/** docs/reference.md#neighbour-contracts: membership statuses. */
export const MEMBERSHIP_STATUSES = ["active", "removed", "blocked"] as const;

/** The expectation with this operation id from one of the lists above (throws if absent). */
export function expectedOperation(
  list: readonly ExpectedOperation[],
  operationId: string,
): ExpectedOperation {
  const found = list.find((operation) => operation.operationId === operationId);
  if (found === undefined) throw new Error(`no expectation for ${operationId}`);
  return found;
}

/**
 * The operator operations added after the first release (schedule preview, operation
 * history). Their ids and paths are frozen from the moment they shipped, like the ones above.
 */
export const GM_OPERATOR_OPERATIONS: readonly ExpectedOperation[] = [
  {
    operationId: "internalGetRuntimeSchedule",
    method: "get",
    path: `${GAME}/runtime/schedule`,
    query: ["count"],
  },
  {
    operationId: "internalPreviewSchedule",
    method: "post",
    path: "/api/v1/internal/schedules/preview",
  },
  {
    operationId: "internalListOperations",
    method: "get",
    path: `${GAME}/operations`,
    query: ["limit", "cursor", "op_kind"],
  },
  {
    operationId: "internalListRuntimes",
    method: "get",
    path: "/api/v1/internal/runtimes",
    query: ["status", "limit", "cursor", "next_generation_before", "engine_version"],
  },
];

/** `operation_log.op_kind` values. */
export const OP_KINDS = [
  "register_runtime",
  "turn_generation",
  "force_next_turn",
  "stop",
  "patch",
  "banish",
  "health_transition",
] as const;
