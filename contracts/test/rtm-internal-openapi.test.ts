import { beforeAll, describe, expect, it } from "vitest";
import { findOpenApiExampleProblems } from "./support/examples.js";
import { CONTRACT_FILES, readYamlDocument } from "./support/files.js";
import { cloneJson, digObject, type JsonObject } from "./support/json.js";
import {
  checkEnum,
  checkFrozenObject,
  checkOperation,
  findErrorResponseProblems,
  findOpenBodySchemas,
  requestSchema,
  requireOperation,
  responseSchema,
  validateOpenApi,
} from "./support/openapi.js";
import { expectedOperation, RTM_OPERATIONS, STOP_REASONS } from "./support/spec.js";

const FILE = CONTRACT_FILES.rtmOpenApi;

function bodyProblems(api: JsonObject): string[] {
  const stop = requireOperation(api, "internalStopRuntime");
  const patch = requireOperation(api, "internalPatchRuntime");
  const stopRequest = requestSchema(stop);
  return [
    ...checkFrozenObject(stopRequest, ["reason"], "internalStopRuntime request"),
    ...checkEnum(
      stopRequest === undefined ? undefined : digObject(stopRequest, "properties", "reason"),
      STOP_REASONS,
      "internalStopRuntime request reason",
    ),
    ...checkFrozenObject(
      responseSchema(stop, "200"),
      ["game_id", "status"],
      "internalStopRuntime 200",
    ),
    ...checkFrozenObject(requestSchema(patch), ["image_ref"], "internalPatchRuntime request"),
    ...checkFrozenObject(
      responseSchema(patch, "200"),
      ["game_id", "image_ref"],
      "internalPatchRuntime 200",
    ),
  ];
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

  it.each(RTM_OPERATIONS)("declares $operationId as $method $path", (expected) => {
    expect(checkOperation(api, expected)).toEqual([]);
  });

  it("freezes stop {reason} and patch {image_ref} with the docs/reference.md#admin-operations stop reasons", () => {
    expect(bodyProblems(api)).toEqual([]);
  });

  it("closes every body object schema", () => {
    expect(findOpenBodySchemas(api)).toEqual([]);
  });

  it("uses the error envelope for every 4xx/5xx response", () => {
    expect(findErrorResponseProblems(api, { noErrorsRequired: ["internalHealthz"] })).toEqual([]);
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

    it("reports an operation moved to another path", async () => {
      const drifted = await mutated((document) => {
        const paths = digObject(document, "paths");
        paths["/api/v1/internal/runtimes/{game_id}/halt"] =
          paths["/api/v1/internal/runtimes/{game_id}/stop"];
        delete paths["/api/v1/internal/runtimes/{game_id}/stop"];
      });
      expect(
        checkOperation(drifted, expectedOperation(RTM_OPERATIONS, "internalStopRuntime")),
      ).toEqual([
        "operationId internalStopRuntime is POST /api/v1/internal/runtimes/{game_id}/halt, expected POST /api/v1/internal/runtimes/{game_id}/stop",
      ]);
    });

    it("reports a dropped stop reason and an extra patch field", async () => {
      const drifted = await mutated((document) => {
        const schemas = digObject(document, "components", "schemas");
        digObject(schemas, "StopReason").enum = [
          "admin_request",
          "cancelled",
          "finished",
          "timeout",
        ];
        digObject(schemas, "PatchRequest", "properties").force = { type: "boolean" };
      });
      expect(bodyProblems(drifted)).toEqual([
        'internalStopRuntime request reason: enum lacks "orphan_cleanup"',
        "internalPatchRuntime request: unexpected property force",
      ]);
    });

    it("reports an open response body", async () => {
      const drifted = await mutated((document) => {
        digObject(document, "components", "schemas", "PatchResponse").additionalProperties = true;
      });
      expect(findOpenBodySchemas(drifted)).toEqual(["internalPatchRuntime response 200 $"]);
    });
  });
});
