import { dig, isObject, type JsonObject } from "./json.js";
import {
  checkEnum,
  checkRequiredFields,
  type OperationEntry,
  requestSchema,
  requireOperation,
  responseSchema,
  responseStatuses,
} from "./openapi.js";
import type { OpenSchemaAllowance } from "./schema-walk.js";
import { RUNTIME_STATUSES, STOP_REASONS } from "./spec.js";

/**
 * The only places the GM internal API may accept or return open objects: engine-version
 * `options` (a free-form JSON object, docs/reference.md#persistence) and the engine-defined hot-path payloads GM
 * forwards or relays verbatim (docs/reference.md#hot-path).
 */
export const GM_OPEN_SCHEMA_ALLOWANCES: readonly OpenSchemaAllowance[] = [
  {
    location: /^internal\w*EngineVersions? (request|response \d{3}) \$(\.items\[\])?\.options$/,
    reason: "engine options are a free-form JSON object",
  },
  {
    location: /^internalExecuteCommands request \$\.commands\[\]/,
    reason: "engine-defined commands",
  },
  { location: /^internalPutOrders request \$\.orders\[\]/, reason: "engine-defined orders" },
  {
    location: /^(internalExecuteCommands|internalPutOrders|internalGetReport) response 2\d\d \$/,
    reason: "the engine's 2xx body is returned verbatim",
  },
];

/** Operations that may declare no error response at all. */
export const GM_NO_ERRORS_REQUIRED = ["internalHealthz"] as const;

/**
 * docs/reference.md#internal-rest error statuses each operation can answer with and must therefore document
 * (beyond 400 for bodies, which the generic check covers).
 */
export const GM_ERROR_STATUSES: Readonly<Record<string, readonly string[]>> = {
  // engine_version_not_found, conflict, engine_validation_error, engine_unreachable/protocol
  internalRegisterRuntime: ["404", "409", "422", "502"],
  internalGetRuntime: ["404"],
  internalForceNextTurn: ["404", "409"],
  // runtime_manager_unavailable
  internalStopRuntime: ["404", "409", "502"],
  // semver_patch_only, runtime_manager_unavailable
  internalPatchRuntime: ["404", "422", "502"],
  internalBanishRace: ["404"],
  internalGameLiveness: ["404"],
  internalGetEngineVersion: ["404"],
  internalUpdateEngineVersion: ["404"],
  // engine_version_in_use
  internalDeprecateEngineVersion: ["404", "409"],
  internalResolveEngineVersionImageRef: ["404"],
  // forbidden, runtime_not_running, engine_validation_error, engine_unreachable, service_unavailable
  internalExecuteCommands: ["403", "409", "422", "502", "503"],
  internalPutOrders: ["403", "409", "422", "502", "503"],
  internalGetReport: ["403", "409", "422", "502", "503"],
  internalReadyz: ["503"],
};

/** The schema of the first 2xx JSON response. */
export function successSchema(entry: OperationEntry): JsonObject | undefined {
  for (const status of responseStatuses(entry).filter((code) => code.startsWith("2"))) {
    const schema = responseSchema(entry, status);
    if (schema !== undefined) return schema;
  }
  return undefined;
}

function withOperation(
  api: JsonObject,
  operationId: string,
  check: (entry: OperationEntry) => string[],
): string[] {
  try {
    return check(requireOperation(api, operationId));
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

/** docs/reference.md#register-runtime: register-runtime request fields (and the member fields). */
export function registerRuntimeProblems(api: JsonObject): string[] {
  return withOperation(api, "internalRegisterRuntime", (entry) => {
    const where = "internalRegisterRuntime request";
    const body = requestSchema(entry);
    const problems = checkRequiredFields(
      body,
      ["engine_endpoint", "members", "target_engine_version", "turn_schedule"],
      where,
    );
    const members = dig(body, "properties", "members");
    if (isObject(members)) {
      problems.push(
        ...checkRequiredFields(
          dig(members, "items"),
          ["user_id", "race_name"],
          `${where} members[]`,
        ),
      );
    }
    return problems;
  });
}

/** docs/reference.md#operations, #admin-operations request and response bodies whose fields the reference names. */
export const GM_BODY_CHECKS: Readonly<Record<string, (api: JsonObject) => string[]>> = {
  internalStopRuntime: (api) =>
    withOperation(api, "internalStopRuntime", (entry) => {
      const body = requestSchema(entry);
      return [
        ...checkRequiredFields(body, ["reason"], "internalStopRuntime request"),
        ...checkEnum(
          dig(body, "properties", "reason"),
          STOP_REASONS,
          "internalStopRuntime request reason",
        ),
      ];
    }),
  internalPatchRuntime: (api) =>
    withOperation(api, "internalPatchRuntime", (entry) =>
      checkRequiredFields(requestSchema(entry), ["version"], "internalPatchRuntime request"),
    ),
  internalExecuteCommands: (api) =>
    withOperation(api, "internalExecuteCommands", (entry) =>
      hotPathBody(entry, "commands", "internalExecuteCommands request"),
    ),
  internalPutOrders: (api) =>
    withOperation(api, "internalPutOrders", (entry) =>
      hotPathBody(entry, "orders", "internalPutOrders request"),
    ),
  internalGameLiveness: (api) =>
    withOperation(api, "internalGameLiveness", (entry) => {
      const schema = successSchema(entry);
      return [
        ...checkRequiredFields(schema, ["ready", "status"], "internalGameLiveness 2xx"),
        ...checkEnum(
          dig(schema, "properties", "status"),
          RUNTIME_STATUSES,
          "internalGameLiveness 2xx status",
        ),
      ];
    }),
  internalResolveEngineVersionImageRef: (api) =>
    withOperation(api, "internalResolveEngineVersionImageRef", (entry) =>
      checkRequiredFields(
        successSchema(entry),
        ["image_ref"],
        "internalResolveEngineVersionImageRef 2xx",
      ),
    ),
  internalGetRuntime: (api) =>
    withOperation(api, "internalGetRuntime", (entry) => {
      const schema = successSchema(entry);
      return [
        ...checkRequiredFields(
          schema,
          ["game_id", "status", "current_turn"],
          "internalGetRuntime 2xx",
        ),
        ...checkEnum(
          dig(schema, "properties", "status"),
          RUNTIME_STATUSES,
          "internalGetRuntime 2xx status",
        ),
      ];
    }),
};

// docs/reference.md#internal-rest: GM derives the actor from its own mapping; a hot-path body that lets the caller
// name an actor or race would invite impersonation.
function hotPathBody(entry: OperationEntry, listField: string, where: string): string[] {
  const body = requestSchema(entry);
  const problems = checkRequiredFields(body, [listField], where);
  const properties = dig(body, "properties");
  for (const forbidden of ["actor", "race_name", "user_id"]) {
    if (isObject(properties) && forbidden in properties) {
      problems.push(`${where}: must not accept ${forbidden} (GM derives the actor itself)`);
    }
  }
  return problems;
}

/** Error statuses the reference implies for the operation that it does not document. */
export function missingErrorStatuses(api: JsonObject, operationId: string): string[] {
  return withOperation(api, operationId, (entry) => {
    const declared = responseStatuses(entry);
    return (GM_ERROR_STATUSES[operationId] ?? [])
      .filter((status) => !declared.includes(status))
      .map((status) => `${operationId}: does not document ${status}`);
  });
}
