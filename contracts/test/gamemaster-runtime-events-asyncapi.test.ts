import {
  encode,
  intents,
  NOTIFICATION_CATALOG,
  NOTIFICATION_TYPES,
  type NotificationIntent,
  WIRE_FIELDS,
} from "@galaxy/notificationintent";
import { beforeAll, describe, expect, it } from "vitest";
import {
  channelMessages,
  checkAction,
  checkFlatPayload,
  checkStream,
  decodedSchema,
  findChannel,
  findOpenPayloadSchemas,
  parseAsyncApi,
  requireMessagePayload,
  requireParsedAsyncApi,
} from "./support/asyncapi.js";
import {
  checkStreamEntry,
  countAsyncApiExamples,
  createExampleValidator,
  findAsyncApiExampleProblems,
} from "./support/examples.js";
import { CONTRACT_FILES, contractPath, readYamlDocument } from "./support/files.js";
import { cloneJson, dig, digObject, type JsonObject, stringList } from "./support/json.js";
import { checkEnum, checkFrozenObject } from "./support/openapi.js";
import type { OpenSchemaAllowance } from "./support/schema-walk.js";
import { schemaTypes } from "./support/schema-walk.js";
import {
  ENGINE_HEALTH_SUMMARIES,
  HEALTH_EVENT_TYPES,
  HEALTH_EVENTS_STREAM,
  INTENT_FIELDS,
  INTENT_OPTIONAL_FIELDS,
  LOBBY_EVENTS_STREAM,
  NOTIFICATION_INTENTS,
  NOTIFICATION_INTENTS_STREAM,
  PLAYER_TURN_STAT_FIELDS,
  RUNTIME_STATUSES,
} from "./support/spec.js";

const FILE = CONTRACT_FILES.gamemasterEvents;
const LOBBY = LOBBY_EVENTS_STREAM.address;
const INTENTS = NOTIFICATION_INTENTS_STREAM.address;
const HEALTH = HEALTH_EVENTS_STREAM.address;

/** RTM owns the shape of health-event details; GM only logs them. */
const EVENT_ALLOWANCES: readonly OpenSchemaAllowance[] = [
  {
    location: /^runtime:health_events runtime_health_event \$\.details<json>$/,
    reason: "RTM-defined",
  },
];

const DECIMAL_FIELDS: Record<string, readonly string[]> = {
  runtime_snapshot_update: ["current_turn", "occurred_at_ms"],
  game_finished: ["final_turn_number", "finished_at_ms"],
};

function lobbyEventProblems(document: JsonObject, type: string): string[] {
  const expected = LOBBY_EVENTS_STREAM.messages.find((message) => message.type === type);
  if (expected === undefined) throw new Error(`unknown lobby event ${type}`);
  const where = `${LOBBY} ${type}`;
  let payload: JsonObject;
  try {
    payload = requireMessagePayload(document, LOBBY, type, "event_type");
  } catch (error) {
    return [String(error instanceof Error ? error.message : error)];
  }
  const problems = checkFlatPayload(payload, expected.fields, where);
  const stats = decodedSchema(payload, "player_turn_stats");
  if (stats === undefined) {
    problems.push(`${where}: player_turn_stats has no x-decoded-schema`);
  } else {
    if (!schemaTypes(stats).includes("array")) {
      problems.push(`${where}: player_turn_stats does not decode to an array`);
    }
    const item = dig(stats, "items");
    problems.push(
      ...checkFrozenObject(item, PLAYER_TURN_STAT_FIELDS, `${where} player_turn_stats[]`),
    );
  }
  for (const field of DECIMAL_FIELDS[type] ?? []) {
    if (dig(payload, "properties", field, "pattern") !== "^(0|[1-9][0-9]*)$") {
      problems.push(`${where}: ${field} is not constrained to a base-10 integer string`);
    }
  }
  return problems;
}

function intentProblems(document: JsonObject, type: string): string[] {
  const expected = NOTIFICATION_INTENTS.find((intent) => intent.type === type);
  if (expected === undefined) throw new Error(`unknown intent ${type}`);
  const where = `${INTENTS} ${type}`;
  let payload: JsonObject;
  try {
    payload = requireMessagePayload(document, INTENTS, type, "notification_type");
  } catch (error) {
    return [String(error instanceof Error ? error.message : error)];
  }
  const problems = checkFlatPayload(payload, INTENT_FIELDS, where, INTENT_OPTIONAL_FIELDS);
  problems.push(
    ...checkEnum(
      dig(payload, "properties", "audience_kind"),
      [expected.audience],
      `${where} audience_kind`,
    ),
    ...checkFrozenObject(
      decodedSchema(payload, "payload_json"),
      expected.payloadFields,
      `${where} payload_json<json>`,
    ),
  );
  const recipients = decodedSchema(payload, "recipient_user_ids");
  const bound =
    expected.audience === "user" ? dig(recipients, "minItems") : dig(recipients, "maxItems");
  const wantBound = expected.audience === "user" ? 1 : 0;
  if (!schemaTypes(recipients).includes("array") || bound !== wantBound) {
    problems.push(
      `${where}: recipient_user_ids must decode to an array with ${expected.audience === "user" ? "minItems 1" : "maxItems 0"}`,
    );
  }
  return problems;
}

function healthProblems(document: JsonObject): string[] {
  const problems = checkStream(document, HEALTH_EVENTS_STREAM);
  if (problems.length > 0) return problems;
  const payload = requireMessagePayload(document, HEALTH, "runtime_health_event");
  return [
    ...checkEnum(
      dig(payload, "properties", "event_type"),
      HEALTH_EVENT_TYPES,
      `${HEALTH} event_type`,
    ),
    ...(decodedSchema(payload, "details") === undefined
      ? [`${HEALTH}: details has no x-decoded-schema`]
      : []),
  ];
}

function sampleIntents(): NotificationIntent[] {
  const at = new Date("2026-01-01T00:00:00Z");
  const failure = {
    producer: "rtmanager",
    gameId: "game-1",
    imageRef: "galaxy/game:1.4.2",
    errorCode: "image_pull_failed",
    errorMessage: "manifest unknown",
    attemptedAt: at,
  };
  return [
    intents.gameTurnReady({
      producer: "gamemaster",
      gameId: "game-1",
      turnNumber: 7,
      recipientUserIds: ["user-1", "user-2"],
      occurredAt: at,
    }),
    intents.gameFinished({
      producer: "gamemaster",
      gameId: "game-1",
      finalTurnNumber: 120,
      recipientUserIds: ["user-1"],
      occurredAt: at,
    }),
    intents.gameGenerationFailed({
      producer: "gamemaster",
      gameId: "game-1",
      turnNumber: 8,
      errorCode: "engine_unreachable",
      errorMessage: "engine answered 500",
      occurredAt: at,
    }),
    intents.runtimeImagePullFailed(failure),
    intents.runtimeContainerStartFailed({ ...failure, errorCode: "container_start_failed" }),
    intents.runtimeStartConfigInvalid({ ...failure, errorCode: "start_config_invalid" }),
    intents.lobbyRuntimePausedAfterStart({
      producer: "lobby",
      gameId: "game-1",
      imageRef: "galaxy/game:1.4.2",
      engineEndpoint: "http://galaxy-game-game-1:8080",
      errorCode: "service_unavailable",
      errorMessage: "Game Master unavailable",
      pausedAt: at,
    }),
  ];
}

describe(`${FILE}`, () => {
  let source: JsonObject;
  let document: JsonObject;

  beforeAll(async () => {
    source = readYamlDocument(FILE);
    document = await requireParsedAsyncApi(source, contractPath(FILE));
  });

  it("parses with @asyncapi/parser without error diagnostics (AsyncAPI 3.0.0)", () => {
    expect(document.asyncapi).toBe("3.0.0");
  });

  describe("gm:lobby_events", () => {
    it("carries exactly runtime_snapshot_update and game_finished", () => {
      expect(checkStream(document, LOBBY_EVENTS_STREAM)).toEqual([]);
    });

    it.each(LOBBY_EVENTS_STREAM.messages)("freezes the $type fields", ({ type }) => {
      expect(lobbyEventProblems(document, type)).toEqual([]);
    });

    it("uses the runtime statuses and health summaries of docs/reference.md", () => {
      const snapshot = requireMessagePayload(
        document,
        LOBBY,
        "runtime_snapshot_update",
        "event_type",
      );
      const finished = requireMessagePayload(document, LOBBY, "game_finished", "event_type");
      expect([
        ...checkEnum(
          dig(snapshot, "properties", "runtime_status"),
          RUNTIME_STATUSES,
          "runtime_status",
        ),
        ...checkEnum(
          dig(snapshot, "properties", "engine_health_summary"),
          ENGINE_HEALTH_SUMMARIES,
          "engine_health_summary",
        ),
        ...checkEnum(
          dig(finished, "properties", "runtime_status"),
          ["finished"],
          "game_finished runtime_status",
        ),
      ]).toEqual([]);
    });

    it("is published by GM", () => {
      expect(checkAction(document, LOBBY, "send")).toEqual([]);
    });
  });

  describe("notification:intents", () => {
    it("carries exactly the intent types of docs/reference.md#notification-intents", () => {
      expect(checkStream(document, NOTIFICATION_INTENTS_STREAM)).toEqual([]);
    });

    it.each(NOTIFICATION_INTENTS)(
      "freezes $type ($audience audience, payload $payloadFields)",
      ({ type }) => {
        expect(intentProblems(document, type)).toEqual([]);
      },
    );

    it("is published by GM", () => {
      expect(checkAction(document, INTENTS, "send")).toEqual([]);
    });
  });

  describe("runtime:health_events", () => {
    it("freezes the fields and the seven health event types", () => {
      expect(healthProblems(document)).toEqual([]);
    });

    it("is consumed by GM", () => {
      expect(checkAction(document, HEALTH, "receive")).toEqual([]);
    });
  });

  it("closes every payload and decoded JSON schema except RTM's health details", () => {
    expect(findOpenPayloadSchemas(document, EVENT_ALLOWANCES)).toEqual([]);
  });

  it("gives every message an example that conforms to its schema (decoded JSON fields too)", () => {
    const channels = [LOBBY, INTENTS, HEALTH].map((address) => findChannel(document, address));
    for (const channel of channels) {
      for (const message of channel ? channelMessages(channel) : []) {
        expect(dig(message.message, "examples"), `${message.name} has no example`).toBeInstanceOf(
          Array,
        );
      }
    }
    expect(countAsyncApiExamples(document)).toBeGreaterThanOrEqual(10);
    expect(findAsyncApiExampleProblems(document)).toEqual([]);
  });

  describe("agrees with @galaxy/notificationintent", () => {
    it("knows the same types, wire fields, audiences and payload fields", () => {
      expect([...NOTIFICATION_TYPES]).toEqual(NOTIFICATION_INTENTS.map((intent) => intent.type));
      expect([...WIRE_FIELDS]).toEqual([...INTENT_FIELDS]);
      for (const type of NOTIFICATION_TYPES) {
        const payload = requireMessagePayload(document, INTENTS, type, "notification_type");
        const entry = NOTIFICATION_CATALOG[type];
        expect(stringList(dig(decodedSchema(payload, "payload_json"), "required")), type).toEqual([
          ...entry.payloadFields,
        ]);
        expect(dig(payload, "properties", "audience_kind", "const"), type).toBe(entry.audience);
      }
    });

    it("encodes every intent type into an entry the contract accepts", () => {
      const validator = createExampleValidator("draft-07");
      const problems = sampleIntents().flatMap((intent) =>
        checkStreamEntry(
          validator,
          requireMessagePayload(document, INTENTS, intent.notification_type, "notification_type"),
          encode(intent),
          `encode(${intent.notification_type})`,
        ),
      );
      expect(problems).toEqual([]);
    });

    it("accepts every intent with the event_id envelope field Game Master adds", () => {
      const validator = createExampleValidator("draft-07");
      const problems = sampleIntents().flatMap((intent) =>
        checkStreamEntry(
          validator,
          requireMessagePayload(document, INTENTS, intent.notification_type, "notification_type"),
          { ...encode(intent), event_id: "6f9c2a4e-3b1d-4c8e-9a7f-0d2e5b8c1a34" },
          `encode(${intent.notification_type}) + event_id`,
        ),
      );
      expect(problems).toEqual([]);
    });

    it("requires event_id on every gm:lobby_events entry", () => {
      for (const type of ["runtime_snapshot_update", "game_finished"]) {
        const payload = requireMessagePayload(document, LOBBY, type, "event_type");
        expect(stringList(payload.required), type).toContain("event_id");
      }
    });
  });

  describe("catches drift in a mutated copy", () => {
    async function mutated(mutate: (copy: JsonObject) => void): Promise<JsonObject> {
      const copy = cloneJson(source);
      mutate(copy);
      return requireParsedAsyncApi(copy, contractPath(FILE));
    }
    const schemas = (copy: JsonObject): JsonObject => digObject(copy, "components", "schemas");

    it("reports a lobby event field that disappeared", async () => {
      const drifted = await mutated((copy) => {
        const payload = digObject(schemas(copy), "RuntimeSnapshotUpdatePayload");
        delete digObject(payload, "properties").occurred_at_ms;
        payload.required = stringList(payload.required).filter((name) => name !== "occurred_at_ms");
      });
      expect(lobbyEventProblems(drifted, "runtime_snapshot_update")).toEqual([
        "gm:lobby_events runtime_snapshot_update: field occurred_at_ms is missing",
        "gm:lobby_events runtime_snapshot_update: field occurred_at_ms is not required",
        "gm:lobby_events runtime_snapshot_update: occurred_at_ms is not constrained to a base-10 integer string",
      ]);
    });

    it("reports a lobby event type that disappeared", async () => {
      const drifted = await mutated((copy) => {
        delete digObject(copy, "channels", "lobbyEvents", "messages").gameFinished;
        const operation = digObject(copy, "operations", "publishLobbyEvents");
        operation.messages = [{ $ref: "#/channels/lobbyEvents/messages/runtimeSnapshotUpdate" }];
      });
      expect(checkStream(drifted, LOBBY_EVENTS_STREAM)).toEqual([
        'gm:lobby_events: no message with event_type "game_finished"',
      ]);
    });

    it("reports a numeric field that is no longer a flat string and an open payload", async () => {
      const drifted = await mutated((copy) => {
        const payload = digObject(schemas(copy), "GameFinishedPayload");
        digObject(payload, "properties").final_turn_number = { type: "integer" };
        delete payload.additionalProperties;
      });
      expect(lobbyEventProblems(drifted, "game_finished")).toEqual([
        "gm:lobby_events game_finished: payload is not closed",
        "gm:lobby_events game_finished: field final_turn_number is not a string (stream fields are flat strings)",
        "gm:lobby_events game_finished: final_turn_number is not constrained to a base-10 integer string",
      ]);
      expect(findOpenPayloadSchemas(drifted, EVENT_ALLOWANCES)).toEqual([
        "gm:lobby_events game_finished $",
      ]);
    });

    it("reports a player stat field that disappeared", async () => {
      const drifted = await mutated((copy) => {
        const stat = digObject(schemas(copy), "PlayerTurnStat");
        delete digObject(stat, "properties").population;
        stat.required = ["user_id", "planets"];
      });
      expect(lobbyEventProblems(drifted, "game_finished")).toEqual([
        "gm:lobby_events game_finished player_turn_stats[]: property population is missing",
      ]);
    });

    it("reports an intent payload field and an intent type that disappeared", async () => {
      const drifted = await mutated((copy) => {
        const failure = digObject(schemas(copy), "RuntimeFailurePayload");
        delete digObject(failure, "properties").attempted_at_ms;
        failure.required = ["game_id", "image_ref", "error_code", "error_message"];
        delete digObject(copy, "channels", "notificationIntents", "messages")
          .runtimeStartConfigInvalid;
        const operation = digObject(copy, "operations", "publishNotificationIntents");
        operation.messages = (Array.isArray(operation.messages) ? operation.messages : []).slice(
          0,
          5,
        );
      });
      expect(intentProblems(drifted, "runtime.image_pull_failed")).toEqual([
        "notification:intents runtime.image_pull_failed payload_json<json>: property attempted_at_ms is missing",
      ]);
      expect(checkStream(drifted, NOTIFICATION_INTENTS_STREAM)).toEqual([
        'notification:intents: no message with notification_type "runtime.start_config_invalid"',
      ]);
    });

    it("reports a health event type that disappeared", async () => {
      const drifted = await mutated((copy) => {
        digObject(schemas(copy), "HealthEventType").enum = HEALTH_EVENT_TYPES.filter(
          (type) => type !== "inspect_unhealthy",
        );
      });
      expect(healthProblems(drifted)).toEqual([
        'runtime:health_events event_type: enum lacks "inspect_unhealthy"',
      ]);
    });

    it("reports an example whose decoded JSON breaks the schema", async () => {
      const drifted = await mutated((copy) => {
        const examples = digObject(copy, "components", "messages", "GameFinished").examples;
        if (!Array.isArray(examples)) throw new Error("no examples");
        const first: unknown = examples[0];
        digObject(first, "payload").player_turn_stats = '[{"user_id":"user-1","planets":"40"}]';
      });
      expect(findAsyncApiExampleProblems(drifted)).toEqual([
        "gm:lobby_events game_finished example finished player_turn_stats<json>: /0 must have required property 'population'; /0/planets must be integer",
      ]);
    });

    it("rejects a document the AsyncAPI parser finds invalid", async () => {
      const copy = cloneJson(source);
      digObject(copy, "operations", "publishLobbyEvents").action = "publish";
      const result = await parseAsyncApi(copy, contractPath(FILE));
      expect(result.errors.join("\n")).toMatch(/operations\.publishLobbyEvents\.action/);
    });
  });
});
