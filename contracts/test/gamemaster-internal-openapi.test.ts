import { ERROR_STATUS } from "@galaxy/errors";
import { beforeAll, describe, expect, it } from "vitest";
import { requireMessagePayload, requireParsedAsyncApi } from "./support/asyncapi.js";
import { findErrorCodeDescriptionProblems } from "./support/conformance.js";
import { findOpenApiExampleProblems } from "./support/examples.js";
import { CONTRACT_FILES, contractExists, contractPath, readYamlDocument } from "./support/files.js";
import {
  GM_BODY_CHECKS,
  GM_ERROR_STATUSES,
  GM_NO_ERRORS_REQUIRED,
  GM_OPEN_SCHEMA_ALLOWANCES,
  missingErrorStatuses,
  registerRuntimeProblems,
} from "./support/gamemaster-checks.js";
import { buildConformingGmDocument } from "./support/gamemaster-fixture.js";
import { cloneJson, dig, digObject, type JsonObject } from "./support/json.js";
import {
  checkOperation,
  enumValues,
  findErrorResponseProblems,
  findOpenBodySchemas,
  requireOperation,
  validateOpenApi,
} from "./support/openapi.js";
import { GM_OPERATIONS } from "./support/spec.js";

const FILE = CONTRACT_FILES.gamemasterOpenApi;
const REGENERATE = "pnpm --filter @galaxy/gamemaster openapi:write";
const present = contractExists(FILE);

/** Every GM-wide check at once, for the checker tests on synthetic documents. */
function allGmProblems(api: JsonObject): string[] {
  return [
    ...GM_OPERATIONS.flatMap((operation) => checkOperation(api, operation)),
    ...findOpenBodySchemas(api, GM_OPEN_SCHEMA_ALLOWANCES),
    ...registerRuntimeProblems(api),
    ...findErrorResponseProblems(api, { noErrorsRequired: GM_NO_ERRORS_REQUIRED }),
    ...Object.values(GM_BODY_CHECKS).flatMap((check) => check(api)),
    ...Object.keys(GM_ERROR_STATUSES).flatMap((operationId) =>
      missingErrorStatuses(api, operationId),
    ),
  ];
}

describe(`${FILE}`, () => {
  it(`exists (generated from the GM zod schemas by \`${REGENERATE}\`)`, () => {
    expect(present, `${contractPath(FILE)} is missing; run ${REGENERATE}`).toBe(true);
  });

  describe.runIf(present)("generated document", () => {
    let api: JsonObject;

    beforeAll(async () => {
      api = await validateOpenApi(readYamlDocument(FILE));
    });

    it("is a valid OpenAPI 3.x document (swagger-parser validate + dereference)", () => {
      expect(String(api.openapi)).toMatch(/^3\.[01]\./);
    });

    // Every docs/reference.md#operations operation id must be served; dropping one fails here.
    it.each(GM_OPERATIONS)("declares $operationId as $method $path", (expected) => {
      expect(checkOperation(api, expected)).toEqual([]);
    });

    it("closes every request and response body object schema (except engine options and engine pass-through)", () => {
      expect(findOpenBodySchemas(api, GM_OPEN_SCHEMA_ALLOWANCES)).toEqual([]);
    });

    it("requires engine_endpoint, members[{user_id, race_name}], target_engine_version, turn_schedule on register-runtime", () => {
      expect(registerRuntimeProblems(api)).toEqual([]);
    });

    it("uses the {error:{code,message}} envelope for every 4xx/5xx and documents 400 wherever a body is read", () => {
      expect(findErrorResponseProblems(api, { noErrorsRequired: GM_NO_ERRORS_REQUIRED })).toEqual(
        [],
      );
    });

    it.each(Object.keys(GM_BODY_CHECKS))("has the documented body fields of %s", (operationId) => {
      expect(GM_BODY_CHECKS[operationId]?.(api)).toEqual([]);
    });

    it.each(Object.keys(GM_ERROR_STATUSES))(
      "documents the docs/reference.md#internal-rest error statuses of %s",
      (operationId) => {
        expect(missingErrorStatuses(api, operationId)).toEqual([]);
      },
    );

    // The envelope types `code` as any string; the description names the codes a status carries,
    // and the conformance suite holds GM's real answers to them.
    it("names, in every 4xx/5xx description, the codes that status carries and only codes of that status", () => {
      expect(findErrorCodeDescriptionProblems(api, ERROR_STATUS)).toEqual([]);
    });

    it("has examples that conform to their schemas", () => {
      expect(findOpenApiExampleProblems(api)).toEqual([]);
    });

    it("speaks the same runtime status vocabulary as gm:lobby_events", async () => {
      const events = await requireParsedAsyncApi(
        readYamlDocument(CONTRACT_FILES.gamemasterEvents),
        contractPath(CONTRACT_FILES.gamemasterEvents),
      );
      const published = enumValues(
        dig(
          requireMessagePayload(events, "gm:lobby_events", "runtime_snapshot_update", "event_type"),
          "properties",
          "runtime_status",
        ),
      );
      const runtime = requireOperation(api, "internalGetRuntime");
      const served = enumValues(
        dig(
          runtime.operation,
          "responses",
          "200",
          "content",
          "application/json",
          "schema",
          "properties",
          "status",
        ),
      );
      expect(served.sort()).toEqual(published.sort());
    });
  });
});

describe("GM contract checks (on a synthetic document, so they are proven to fail)", () => {
  let conforming: JsonObject;

  beforeAll(() => {
    conforming = buildConformingGmDocument();
  });

  async function mutated(mutate: (document: JsonObject) => void): Promise<string[]> {
    const copy = cloneJson(conforming);
    mutate(copy);
    return allGmProblems(await validateOpenApi(copy));
  }

  const GAME = "/api/v1/internal/games/{game_id}";

  it("pass on a document that follows docs/reference.md#internal-rest", async () => {
    expect(await mutated(() => {})).toEqual([]);
  });

  it("report an operation id that is missing", async () => {
    const problems = await mutated((document) => {
      delete digObject(document, "paths")[`${GAME}/runtime/force-next-turn`];
    });
    expect(problems).toEqual([
      `operationId internalForceNextTurn is missing (POST ${GAME}/runtime/force-next-turn is not declared either)`,
      "operationId internalForceNextTurn is missing",
    ]);
  });

  it("report a missing query parameter", async () => {
    const problems = await mutated((document) => {
      const list = digObject(document, "paths", "/api/v1/internal/runtimes", "get");
      list.parameters = (Array.isArray(list.parameters) ? list.parameters : []).filter(
        (parameter: unknown) => dig(parameter, "name") !== "cursor",
      );
    });
    expect(problems).toEqual([
      "operationId internalListRuntimes does not declare query parameter cursor",
    ]);
  });

  it("report a member without race_name and an open member object", async () => {
    const problems = await mutated((document) => {
      const body = digObject(
        document,
        "paths",
        `${GAME}/runtime`,
        "post",
        "requestBody",
        "content",
        "application/json",
        "schema",
      );
      const member = digObject(body, "properties", "members", "items");
      member.required = ["user_id"];
      delete member.additionalProperties;
    });
    expect(problems).toEqual([
      "internalRegisterRuntime request $.members[]",
      "internalRegisterRuntime request members[]: property race_name is not required",
    ]);
  });

  it("report an error response without the envelope", async () => {
    const problems = await mutated((document) => {
      digObject(
        document,
        "paths",
        `${GAME}/runtime`,
        "get",
        "responses",
        "404",
        "content",
        "application/json",
      ).schema = {
        type: "object",
        additionalProperties: false,
        properties: { code: { type: "string" } },
      };
    });
    expect(problems).toEqual([
      "internalGetRuntime 404: envelope lacks property error",
      "internalGetRuntime 404: envelope has extra property code",
      "internalGetRuntime 404: envelope.error is not required",
      "internalGetRuntime 404: envelope.error is not a schema object",
    ]);
  });

  it("report a hot-path body that lets the caller name the actor", async () => {
    const problems = await mutated((document) => {
      const body = digObject(
        document,
        "paths",
        `${GAME}/commands`,
        "post",
        "requestBody",
        "content",
        "application/json",
        "schema",
      );
      digObject(body, "properties").actor = { type: "string" };
    });
    expect(problems).toEqual([
      "internalExecuteCommands request: must not accept actor (GM derives the actor itself)",
    ]);
  });

  it("report an undocumented error status", async () => {
    const problems = await mutated((document) => {
      delete digObject(
        document,
        "paths",
        "/api/v1/internal/engine-versions/{version}",
        "delete",
        "responses",
      )["409"];
    });
    expect(problems).toEqual(["internalDeprecateEngineVersion: does not document 409"]);
  });

  it("report an error description that names no code, or a code of another status", () => {
    const responses = (description: string) => ({
      "404": { description, content: { "application/json": { schema: {} } } },
    });
    const api = {
      paths: {
        "/a": { get: { operationId: "a", responses: responses("The thing is missing.") } },
        "/b": { get: { operationId: "b", responses: responses("conflict: the thing is busy.") } },
        "/c": {
          get: { operationId: "c", responses: responses("not_found or runtime_not_found.") },
        },
      },
    };
    expect(findErrorCodeDescriptionProblems(api, ERROR_STATUS)).toEqual([
      "a 404: names no error code",
      "b 404: names conflict, which is answered with 409",
    ]);
  });
});
