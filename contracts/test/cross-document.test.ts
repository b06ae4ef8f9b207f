import { beforeAll, describe, expect, it } from "vitest";
import { decodedSchema, requireMessagePayload, requireParsedAsyncApi } from "./support/asyncapi.js";
import {
  CONTRACT_FILES,
  contractPath,
  readContractText,
  readYamlDocument,
} from "./support/files.js";
import { dig, type JsonObject } from "./support/json.js";
import {
  enumValues,
  requestSchema,
  requireOperation,
  responseSchema,
  validateOpenApi,
} from "./support/openapi.js";
import { schemaTypes } from "./support/schema-walk.js";

/** Contract files and phrases the README must mention. */
function readmeGaps(readme: string): string[] {
  const wanted = [
    ...Object.values(CONTRACT_FILES),
    "pnpm --filter @galaxy/gamemaster openapi:write",
    "pnpm exec vitest run --project contracts",
  ];
  return wanted
    .filter((phrase) => !readme.includes(phrase))
    .map((phrase) => `README lacks ${phrase}`);
}

describe("contracts agree with each other", () => {
  let engine: JsonObject;
  let rtm: JsonObject;
  let events: JsonObject;

  beforeAll(async () => {
    engine = await validateOpenApi(readYamlDocument(CONTRACT_FILES.engineOpenApi));
    rtm = await validateOpenApi(readYamlDocument(CONTRACT_FILES.rtmOpenApi));
    events = await requireParsedAsyncApi(
      readYamlDocument(CONTRACT_FILES.gamemasterEvents),
      contractPath(CONTRACT_FILES.gamemasterEvents),
    );
  });

  it("player_turn_stats carry planets and population with the engine's StateResponse types", () => {
    const player = dig(
      responseSchema(requireOperation(engine, "adminGenerateTurn"), "200"),
      "properties",
      "players",
      "items",
      "properties",
    );
    const payload = requireMessagePayload(
      events,
      "gm:lobby_events",
      "runtime_snapshot_update",
      "event_type",
    );
    const stat = dig(decodedSchema(payload, "player_turn_stats"), "items", "properties");
    for (const field of ["planets", "population"]) {
      expect(schemaTypes(dig(stat, field)), field).toEqual(schemaTypes(dig(player, field)));
    }
  });

  it("the RTM stop request takes the same reasons GM's stop accepts (docs/reference.md#admin-operations)", () => {
    const reasons = enumValues(
      dig(requestSchema(requireOperation(rtm, "internalStopRuntime")), "properties", "reason"),
    );
    expect(reasons.sort()).toEqual(
      ["admin_request", "cancelled", "finished", "timeout", "orphan_cleanup"].sort(),
    );
  });

  it("the README lists every contract file and how to regenerate and test them", () => {
    expect(readmeGaps(readContractText("README.md"))).toEqual([]);
  });

  it("the README check notices a missing file", () => {
    const readme = readContractText("README.md").replaceAll(CONTRACT_FILES.rtmJobs, "");
    expect(readmeGaps(readme)).toEqual([`README lacks ${CONTRACT_FILES.rtmJobs}`]);
  });
});
