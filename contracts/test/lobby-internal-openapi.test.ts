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
  requireOperation,
  responseSchema,
  validateOpenApi,
} from "./support/openapi.js";
import { expectedOperation, LOBBY_OPERATIONS, MEMBERSHIP_STATUSES } from "./support/spec.js";

const FILE = CONTRACT_FILES.lobbyOpenApi;

function membershipProblems(api: JsonObject): string[] {
  const schema = responseSchema(requireOperation(api, "internalListGameMemberships"), "200");
  const where = "internalListGameMemberships 200";
  if (schema === undefined) return [`${where}: no schema`];
  const item = digObject(schema, "properties", "memberships", "items");
  return [
    ...checkFrozenObject(schema, ["memberships"], where),
    ...checkFrozenObject(item, ["user_id", "race_name", "status"], `${where} memberships[]`),
    ...checkEnum(
      digObject(item, "properties", "status"),
      MEMBERSHIP_STATUSES,
      `${where} memberships[].status`,
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

  it.each(LOBBY_OPERATIONS)("declares $operationId as $method $path", (expected) => {
    expect(checkOperation(api, expected)).toEqual([]);
  });

  it("freezes {memberships:[{user_id, race_name, status: active|removed|blocked}]}", () => {
    expect(membershipProblems(api)).toEqual([]);
  });

  it("closes every body object schema", () => {
    expect(findOpenBodySchemas(api)).toEqual([]);
  });

  it("uses the error envelope for every 4xx/5xx response, including the unknown-game 404", () => {
    expect(findErrorResponseProblems(api, { noErrorsRequired: ["internalHealthz"] })).toEqual([]);
    expect(
      responseSchema(requireOperation(api, "internalListGameMemberships"), "404"),
    ).toBeDefined();
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

    it("reports a renamed operation id", async () => {
      const drifted = await mutated((document) => {
        digObject(
          document,
          "paths",
          "/api/v1/internal/games/{game_id}/memberships",
          "get",
        ).operationId = "listMembers";
      });
      const expected = expectedOperation(LOBBY_OPERATIONS, "internalListGameMemberships");
      expect(checkOperation(drifted, expected)).toEqual([
        'operationId internalListGameMemberships is missing (GET /api/v1/internal/games/{game_id}/memberships exists with operationId "listMembers")',
      ]);
    });

    it("reports a missing race and a new membership status", async () => {
      const drifted = await mutated((document) => {
        const schemas = digObject(document, "components", "schemas");
        const membership = digObject(schemas, "Membership");
        delete digObject(membership, "properties").race_name;
        membership.required = ["user_id", "status"];
        digObject(schemas, "MembershipStatus").enum = ["active", "removed", "blocked", "invited"];
      });
      expect(membershipProblems(drifted)).toEqual([
        "internalListGameMemberships 200 memberships[]: property race_name is missing",
        'internalListGameMemberships 200 memberships[].status: enum has unexpected "invited"',
      ]);
    });
  });
});
