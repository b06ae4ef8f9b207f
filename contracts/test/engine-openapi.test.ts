import { beforeAll, describe, expect, it } from "vitest";
import { findOpenApiExampleProblems } from "./support/examples.js";
import { CONTRACT_FILES, readYamlDocument } from "./support/files.js";
import { cloneJson, digObject, type JsonObject } from "./support/json.js";
import {
  checkFrozenObject,
  checkOperation,
  checkRequiredFields,
  findErrorResponseProblems,
  findOpenBodySchemas,
  requestSchema,
  requireOperation,
  responseSchema,
  responseStatuses,
  validateOpenApi,
} from "./support/openapi.js";
import type { OpenSchemaAllowance } from "./support/schema-walk.js";
import { schemaTypes } from "./support/schema-walk.js";
import {
  ENGINE_OPERATIONS,
  expectedOperation,
  STATE_PLAYER_FIELDS,
  STATE_RESPONSE_FIELDS,
} from "./support/spec.js";

const FILE = CONTRACT_FILES.engineOpenApi;

/** Engine-owned payloads GM forwards or relays verbatim (docs/reference.md#hot-path); nothing else may be open. */
const ENGINE_ALLOWANCES: readonly OpenSchemaAllowance[] = [
  { location: /^executeCommands request \$\.cmd\[\]$/, reason: "engine-defined commands" },
  { location: /^putOrders request \$\.orders\[\]$/, reason: "engine-defined orders" },
  {
    location: /^(executeCommands|putOrders|getReport) response 200 \$$/,
    reason: "relayed to the caller verbatim",
  },
];

const STATE_OPERATIONS = ["adminInitGame", "adminGetGameStatus", "adminGenerateTurn"] as const;

function stateResponseProblems(api: JsonObject): string[] {
  return STATE_OPERATIONS.flatMap((operationId) => {
    const schema = responseSchema(requireOperation(api, operationId), "200");
    const where = `${operationId} 200 StateResponse`;
    return [
      ...checkFrozenObject(schema, STATE_RESPONSE_FIELDS, where),
      ...checkFrozenObject(
        schema === undefined ? undefined : digObject(schema, "properties", "players", "items"),
        STATE_PLAYER_FIELDS,
        `${where}.players[]`,
      ),
    ];
  });
}

describe(`${FILE}`, () => {
  let source: JsonObject;
  let api: JsonObject;

  beforeAll(async () => {
    source = readYamlDocument(FILE);
    api = await validateOpenApi(source);
  });

  it("is a valid OpenAPI 3.1 document (swagger-parser validate + dereference)", () => {
    expect(String(api.openapi)).toMatch(/^3\.1\./);
  });

  it.each(ENGINE_OPERATIONS)("declares $operationId as $method $path", (expected) => {
    expect(checkOperation(api, expected)).toEqual([]);
  });

  it("freezes StateResponse {turn, finished, players[{race_name, engine_player_uuid, planets, population}]}", () => {
    expect(stateResponseProblems(api)).toEqual([]);
    const schema = responseSchema(requireOperation(api, "adminGenerateTurn"), "200");
    expect(schemaTypes(digObject(schema, "properties", "turn"))).toEqual(["integer"]);
    expect(schemaTypes(digObject(schema, "properties", "finished"))).toEqual(["boolean"]);
    expect(schemaTypes(digObject(schema, "properties", "players"))).toEqual(["array"]);
  });

  it("requires the races on init and the race on banish, which answers 204 without a body", () => {
    const init = requestSchema(requireOperation(api, "adminInitGame"));
    expect(checkRequiredFields(init, ["races"], "adminInitGame request")).toEqual([]);
    expect(
      checkFrozenObject(
        init === undefined ? undefined : digObject(init, "properties", "races", "items"),
        ["race_name"],
        "adminInitGame request races[]",
      ),
    ).toEqual([]);
    const banish = requireOperation(api, "adminBanishRace");
    expect(
      checkFrozenObject(requestSchema(banish), ["race_name"], "adminBanishRace request"),
    ).toEqual([]);
    expect(responseStatuses(banish)).toContain("204");
    expect(digObject(banish.operation, "responses", "204").content).toBeUndefined();
  });

  it("sends the actor GM derived with every command and order", () => {
    const command = requestSchema(requireOperation(api, "executeCommands"));
    const order = requestSchema(requireOperation(api, "putOrders"));
    expect(checkFrozenObject(command, ["actor", "cmd"], "executeCommands request")).toEqual([]);
    expect(checkFrozenObject(order, ["actor", "orders"], "putOrders request")).toEqual([]);
  });

  it("closes every body object schema except the engine-defined payloads", () => {
    expect(findOpenBodySchemas(api, ENGINE_ALLOWANCES)).toEqual([]);
  });

  it("uses the error envelope for every 4xx/5xx response", () => {
    expect(findErrorResponseProblems(api, { noErrorsRequired: ["healthz"] })).toEqual([]);
  });

  it("has examples that conform to their schemas", () => {
    expect(findOpenApiExampleProblems(api)).toEqual([]);
  });

  describe("catches drift in a mutated copy", () => {
    async function mutated(mutate: (document: JsonObject) => void): Promise<JsonObject> {
      const copy = cloneJson(source);
      mutate(copy);
      return validateOpenApi(copy);
    }

    it("reports a removed operation", async () => {
      const drifted = await mutated((document) => {
        delete digObject(document, "paths")["/api/v1/admin/race/banish"];
      });
      expect(
        checkOperation(drifted, expectedOperation(ENGINE_OPERATIONS, "adminBanishRace")),
      ).toEqual([
        "operationId adminBanishRace is missing (POST /api/v1/admin/race/banish is not declared either)",
      ]);
    });

    it("reports a StateResponse field that disappeared or appeared", async () => {
      const drifted = await mutated((document) => {
        const state = digObject(document, "components", "schemas", "StateResponse");
        delete digObject(state, "properties").finished;
        state.required = ["turn", "players"];
        digObject(document, "components", "schemas", "PlayerState", "properties").score = {
          type: "integer",
        };
      });
      const problems = stateResponseProblems(drifted);
      expect(problems).toContain(
        "adminGenerateTurn 200 StateResponse: property finished is missing",
      );
      expect(problems).toContain(
        "adminGenerateTurn 200 StateResponse.players[]: unexpected property score",
      );
    });

    it("reports a body schema that accepts unknown fields", async () => {
      const drifted = await mutated((document) => {
        delete digObject(
          document,
          "components",
          "schemas",
          "InitRequest",
          "properties",
          "races",
          "items",
        ).additionalProperties;
      });
      expect(findOpenBodySchemas(drifted, ENGINE_ALLOWANCES)).toEqual([
        "adminInitGame request $.races[]",
      ]);
    });

    it("reports an error response without the envelope", async () => {
      const drifted = await mutated((document) => {
        digObject(
          document,
          "components",
          "responses",
          "NotFound",
          "content",
          "application/json",
        ).schema = {
          type: "object",
          properties: { message: { type: "string" } },
        };
      });
      expect(findErrorResponseProblems(drifted, { noErrorsRequired: ["healthz"] })).toContain(
        "adminGetGameStatus 404: envelope lacks property error",
      );
    });

    it("reports an example that does not match its schema", async () => {
      const drifted = await mutated((document) => {
        const media = digObject(
          document,
          "paths",
          "/api/v1/admin/init",
          "post",
          "responses",
          "200",
          "content",
          "application/json",
        );
        media.example = { turn: -1, finished: false, players: [] };
      });
      expect(findOpenApiExampleProblems(drifted)).toEqual([
        "adminInitGame response 200 application/json example: /turn must be >= 0",
      ]);
    });

    it("rejects a structurally invalid document", async () => {
      await expect(
        mutated((document) => {
          delete digObject(document, "paths", "/healthz", "get", "responses", "200").description;
        }),
      ).rejects.toThrow(/validation failed/i);
    });
  });
});
