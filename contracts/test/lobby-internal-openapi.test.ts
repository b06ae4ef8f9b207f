import { isDeepStrictEqual } from "node:util";
import { ERROR_STATUS } from "@galaxy/errors";
import { beforeAll, describe, expect, it } from "vitest";
import { findErrorCodeDescriptionProblems } from "./support/conformance.js";
import { findOpenApiExampleProblems } from "./support/examples.js";
import { CONTRACT_FILES, readYamlDocument } from "./support/files.js";
import { cloneJson, dig, digObject, type JsonObject } from "./support/json.js";
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
import {
  expectedOperation,
  LOBBY_LOOKUP_MAX_GAME_IDS,
  LOBBY_LOOKUP_OPERATIONS,
  LOBBY_OPERATIONS,
  MEMBERSHIP_STATUSES,
} from "./support/spec.js";

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

/** `schema` must be an array of 1..max non-empty strings. */
function idListProblems(schema: unknown, max: number, where: string): string[] {
  const problems: string[] = [];
  if (dig(schema, "type") !== "array") problems.push(`${where}: not type array`);
  if (dig(schema, "minItems") !== 1) problems.push(`${where}: minItems is not 1`);
  if (dig(schema, "maxItems") !== max) problems.push(`${where}: maxItems is not ${max}`);
  if (dig(schema, "items", "type") !== "string") problems.push(`${where}[]: not type string`);
  if (dig(schema, "items", "minLength") !== 1) problems.push(`${where}[]: minLength is not 1`);
  return problems;
}

function lookupProblems(api: JsonObject): string[] {
  const entry = requireOperation(api, "internalLookupMemberships");
  const where = "internalLookupMemberships";
  const request = requestSchema(entry);
  const response = responseSchema(entry, "200");
  if (request === undefined || response === undefined)
    return [`${where}: no request or 200 schema`];
  const game = dig(response, "properties", "games", "items");
  const member = dig(game, "properties", "memberships", "items");
  const perGameMember = dig(
    responseSchema(requireOperation(api, "internalListGameMemberships"), "200"),
    "properties",
    "memberships",
    "items",
  );
  return [
    ...checkFrozenObject(request, ["game_ids"], `${where} request`),
    ...idListProblems(
      dig(request, "properties", "game_ids"),
      LOBBY_LOOKUP_MAX_GAME_IDS,
      `${where} request game_ids`,
    ),
    ...checkFrozenObject(response, ["games"], `${where} 200`),
    ...checkFrozenObject(game, ["game_id", "memberships"], `${where} 200 games[]`),
    ...(isDeepStrictEqual(member, perGameMember)
      ? []
      : [`${where} 200 games[].memberships[]: differs from internalListGameMemberships' member`]),
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

  it.each([...LOBBY_OPERATIONS, ...LOBBY_LOOKUP_OPERATIONS])(
    "declares $operationId as $method $path",
    (expected) => {
      expect(checkOperation(api, expected)).toEqual([]);
    },
  );

  it("freezes the batch lookup: {game_ids: 1..1000 ids} → {games:[{game_id, memberships:[member]}]}", () => {
    expect(lookupProblems(api)).toEqual([]);
  });

  it("names in every error description a code answered with that status", () => {
    expect(findErrorCodeDescriptionProblems(api, ERROR_STATUS)).toEqual([]);
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

    it("reports a lookup without its bound, with an open game entry, and a member that drifted", async () => {
      const drifted = await mutated((document) => {
        const schemas = digObject(document, "components", "schemas");
        delete digObject(schemas, "LookupMembershipsRequest", "properties", "game_ids").maxItems;
        const game = digObject(schemas, "GameMemberships");
        game.additionalProperties = true;
        digObject(game, "properties", "memberships").items = {
          type: "object",
          additionalProperties: false,
          required: ["user_id"],
          properties: { user_id: { type: "string" } },
        };
      });
      expect(lookupProblems(drifted)).toEqual([
        "internalLookupMemberships request game_ids: maxItems is not 1000",
        "internalLookupMemberships 200 games[]: not closed",
        "internalLookupMemberships 200 games[].memberships[]: differs from internalListGameMemberships' member",
      ]);
    });

    it("reports a lookup error that names a code of another status", async () => {
      const drifted = await mutated((document) => {
        digObject(
          document,
          "paths",
          "/api/v1/internal/memberships/lookup",
          "post",
          "responses",
          "400",
        ).description = "Unknown game (`not_found`).";
      });
      expect(findErrorCodeDescriptionProblems(drifted, ERROR_STATUS)).toEqual([
        "internalLookupMemberships 400: names not_found, which is answered with 404",
      ]);
    });
  });
});
