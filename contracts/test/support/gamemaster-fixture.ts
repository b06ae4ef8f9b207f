import { GM_ERROR_STATUSES } from "./gamemaster-checks.js";
import type { JsonObject } from "./json.js";
import { GM_OPERATIONS, RUNTIME_STATUSES, STOP_REASONS } from "./spec.js";

const ENVELOPE_REF = { $ref: "#/components/schemas/ErrorEnvelope" };

function closed(properties: JsonObject, required = Object.keys(properties)): JsonObject {
  return { type: "object", additionalProperties: false, required, properties };
}

const STRING = { type: "string" };
const STATUS = { type: "string", enum: [...RUNTIME_STATUSES] };

const REQUESTS: Readonly<Record<string, JsonObject>> = {
  internalRegisterRuntime: closed({
    engine_endpoint: STRING,
    members: { type: "array", minItems: 1, items: closed({ user_id: STRING, race_name: STRING }) },
    target_engine_version: STRING,
    turn_schedule: STRING,
  }),
  internalStopRuntime: closed({ reason: { type: "string", enum: [...STOP_REASONS] } }),
  internalPatchRuntime: closed({ version: STRING }),
  internalCreateEngineVersion: closed(
    { version: STRING, image_ref: STRING, options: { type: "object", additionalProperties: {} } },
    ["version", "image_ref"],
  ),
  internalExecuteCommands: closed({ commands: { type: "array", items: { type: "object" } } }),
  internalPutOrders: closed({ orders: { type: "array", items: { type: "object" } } }),
};

const RESPONSES: Readonly<Record<string, JsonObject>> = {
  internalGetRuntime: closed({
    game_id: STRING,
    status: STATUS,
    current_turn: { type: "integer" },
  }),
  internalGameLiveness: closed({ ready: { type: "boolean" }, status: STATUS }),
  internalResolveEngineVersionImageRef: closed({ image_ref: STRING }),
  internalExecuteCommands: { type: "object", additionalProperties: true },
};

/**
 * A minimal GM document that satisfies every GM check, built from the frozen lists. The
 * checker tests mutate copies of it, so they work whether or not the generated
 * internal-openapi.yaml exists yet.
 */
export function buildConformingGmDocument(): JsonObject {
  const paths: JsonObject = {};
  for (const operation of GM_OPERATIONS) {
    const parameters = [
      ...[...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
        name: match[1],
        in: "path",
        required: true,
        schema: STRING,
      })),
      ...(operation.query ?? []).map((name) => ({ name, in: "query", schema: STRING })),
    ];
    const request = REQUESTS[operation.operationId];
    const errors: JsonObject = {};
    const statuses = [
      ...(request === undefined ? [] : ["400"]),
      ...(GM_ERROR_STATUSES[operation.operationId] ?? []),
    ];
    for (const status of operation.operationId === "internalHealthz" ? [] : ["500", ...statuses]) {
      errors[status] = {
        description: "error",
        content: { "application/json": { schema: ENVELOPE_REF } },
      };
    }
    const item = (paths[operation.path] ?? {}) as JsonObject;
    item[operation.method] = {
      operationId: operation.operationId,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(request === undefined
        ? {}
        : {
            requestBody: { required: true, content: { "application/json": { schema: request } } },
          }),
      responses: {
        "200": {
          description: "ok",
          content: {
            "application/json": {
              schema: RESPONSES[operation.operationId] ?? closed({ ok: { type: "boolean" } }),
            },
          },
        },
        ...errors,
      },
    };
    paths[operation.path] = item;
  }
  return {
    openapi: "3.1.0",
    info: { title: "synthetic GM", version: "0.0.0" },
    paths,
    components: {
      schemas: {
        ErrorEnvelope: closed({ error: closed({ code: STRING, message: STRING }) }),
      },
    },
  };
}
