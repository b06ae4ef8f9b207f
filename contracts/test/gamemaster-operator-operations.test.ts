import { beforeAll, describe, expect, it } from "vitest";
import { CONTRACT_FILES, readYamlDocument } from "./support/files.js";
import { successSchema } from "./support/gamemaster-checks.js";
import { dig, type JsonObject } from "./support/json.js";
import {
  checkEnum,
  checkOperation,
  checkRequiredFields,
  requestSchema,
  requireOperation,
  responseStatuses,
  validateOpenApi,
} from "./support/openapi.js";
import { GM_OPERATOR_OPERATIONS, OP_KINDS, RUNTIME_STATUSES } from "./support/spec.js";

// The operator surface (schedule preview, operation history, runtime filters): the CLI, the
// generated client and the console depend on these ids, paths and fields.

describe(`${CONTRACT_FILES.gamemasterOpenApi}: operator operations`, () => {
  let api: JsonObject;

  beforeAll(async () => {
    api = await validateOpenApi(readYamlDocument(CONTRACT_FILES.gamemasterOpenApi));
  });

  it.each(GM_OPERATOR_OPERATIONS)("declares $operationId as $method $path", (expected) => {
    expect(checkOperation(api, expected)).toEqual([]);
  });

  it("answers a game's schedule as activations marked with whether a turn is generated", () => {
    const entry = requireOperation(api, "internalGetRuntimeSchedule");
    const schema = successSchema(entry);
    const activation = dig(schema, "properties", "activations", "items");
    expect([
      ...checkRequiredFields(
        schema,
        [
          "game_id",
          "status",
          "turn_schedule",
          "next_generation_at",
          "skip_next_tick",
          "activations",
        ],
        "internalGetRuntimeSchedule 2xx",
      ),
      ...checkEnum(dig(schema, "properties", "status"), RUNTIME_STATUSES, "status"),
      ...checkRequiredFields(
        activation,
        ["at", "generates_turn", "skip_reason"],
        "internalGetRuntimeSchedule activation",
      ),
    ]).toEqual([]);
    expect(dig(activation, "properties", "skip_reason", "enum")).toEqual([
      "skip_next_tick",
      "runtime_not_running",
      null,
    ]);
    expect(responseStatuses(entry)).toEqual(expect.arrayContaining(["400", "404"]));
  });

  it("takes {turn_schedule, count?, after?} on schedule preview and answers activation times", () => {
    const entry = requireOperation(api, "internalPreviewSchedule");
    const body = requestSchema(entry);
    expect(checkRequiredFields(body, ["turn_schedule"], "internalPreviewSchedule request")).toEqual(
      [],
    );
    expect(Object.keys(dig(body, "properties") as JsonObject).sort()).toEqual([
      "after",
      "count",
      "turn_schedule",
    ]);
    expect(dig(body, "properties", "count", "maximum")).toBe(100);
    expect(
      checkRequiredFields(
        successSchema(entry),
        ["turn_schedule", "after", "activations"],
        "internalPreviewSchedule 2xx",
      ),
    ).toEqual([]);
    expect(responseStatuses(entry)).toContain("400");
  });

  it("lists operation-log entries with the operation_log columns and a next_cursor", () => {
    const entry = requireOperation(api, "internalListOperations");
    const schema = successSchema(entry);
    const item = dig(schema, "properties", "items", "items");
    expect([
      ...checkRequiredFields(schema, ["items", "next_cursor"], "internalListOperations 2xx"),
      ...checkRequiredFields(
        item,
        [
          "id",
          "game_id",
          "op_kind",
          "op_source",
          "source_ref",
          "outcome",
          "error_code",
          "error_message",
          "started_at",
          "finished_at",
        ],
        "internalListOperations item",
      ),
      ...checkEnum(dig(item, "properties", "op_kind"), OP_KINDS, "op_kind"),
    ]).toEqual([]);
    expect(responseStatuses(entry)).toContain("400");
  });
});
