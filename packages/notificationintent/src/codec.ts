import { issuesFromZod, NotificationIntentError, type NotificationIntentIssue } from "./errors.js";
import {
  isNotificationType,
  NOTIFICATION_TYPES,
  type NotificationIntent,
  NotificationIntentSchema,
} from "./schemas.js";

/** The flat stream fields of an encoded intent, in wire order. */
export const WIRE_FIELDS = [
  "notification_type",
  "producer",
  "audience_kind",
  "recipient_user_ids",
  "idempotency_key",
  "occurred_at_ms",
  "payload_json",
] as const;

/** One of {@link WIRE_FIELDS}. */
export type WireField = (typeof WIRE_FIELDS)[number];

/**
 * Envelope fields a producer may add next to the intent's own: `event_id`,
 * the stable id of the stream entry (a consumer de-duplicates by it; see
 * contracts/asyncapi). {@link decode} accepts and skips them; read them with
 * {@link eventIdOf}.
 */
export const ENVELOPE_FIELDS = ["event_id"] as const;

const WIRE_FIELD_SET: ReadonlySet<string> = new Set<string>([...WIRE_FIELDS, ...ENVELOPE_FIELDS]);

/** The `event_id` of an entry's flat fields, or null when the producer sent none. */
export function eventIdOf(fields: Record<string, string>): string | null {
  const value = fields.event_id;
  return typeof value === "string" && value !== "" ? value : null;
}
const CANONICAL_INTEGER = /^(0|[1-9][0-9]*)$/;

/**
 * Validates an in-memory intent (for example one built by hand or read from JSON) and returns a
 * clean copy; throws {@link NotificationIntentError} naming the offending field.
 */
export function parseIntent(value: unknown): NotificationIntent {
  const result = NotificationIntentSchema.safeParse(value);
  if (!result.success) {
    throw new NotificationIntentError("invalid notification intent", issuesFromZod(result.error));
  }
  return result.data;
}

/**
 * Encodes an intent as flat string fields for XADD: arrays and the payload become JSON strings,
 * `occurred_at_ms` a decimal integer string. The intent is validated first.
 */
export function encode(intent: NotificationIntent): Record<string, string> {
  const valid = parseIntent(intent);
  return {
    notification_type: valid.notification_type,
    producer: valid.producer,
    audience_kind: valid.audience_kind,
    recipient_user_ids: JSON.stringify(valid.recipient_user_ids),
    idempotency_key: valid.idempotency_key,
    occurred_at_ms: String(valid.occurred_at_ms),
    payload_json: JSON.stringify(valid.payload),
  };
}

function fail(issues: NotificationIntentIssue[]): never {
  throw new NotificationIntentError("cannot decode notification intent", issues);
}

function parseJson(field: WireField, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail([{ field, message: "is not valid JSON" }]);
  }
}

/**
 * Decodes flat stream fields back into a validated intent. Unknown or missing fields, an unknown
 * type, malformed JSON and schema violations all throw {@link NotificationIntentError}, whose
 * `field` names the wire field (payload problems as `payload_json.<name>`).
 */
export function decode(fields: Record<string, string>): NotificationIntent {
  const structural: NotificationIntentIssue[] = [];
  for (const key of Object.keys(fields)) {
    if (!WIRE_FIELD_SET.has(key)) structural.push({ field: key, message: "unknown field" });
  }
  for (const key of WIRE_FIELDS) {
    if (typeof fields[key] !== "string") structural.push({ field: key, message: "is required" });
  }
  if (structural.length > 0) fail(structural);

  const type = fields.notification_type;
  if (!isNotificationType(type)) {
    fail([
      {
        field: "notification_type",
        message: `unknown type ${JSON.stringify(type)} (expected one of ${NOTIFICATION_TYPES.join(", ")})`,
      },
    ]);
  }

  const occurred = fields.occurred_at_ms ?? "";
  if (!CANONICAL_INTEGER.test(occurred)) {
    fail([{ field: "occurred_at_ms", message: "must be a decimal integer of milliseconds" }]);
  }

  const recipients = parseJson("recipient_user_ids", fields.recipient_user_ids ?? "");
  if (!Array.isArray(recipients)) {
    fail([{ field: "recipient_user_ids", message: "must be a JSON array" }]);
  }
  const payload = parseJson("payload_json", fields.payload_json ?? "");
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    fail([{ field: "payload_json", message: "must be a JSON object" }]);
  }

  const result = NotificationIntentSchema.safeParse({
    notification_type: type,
    producer: fields.producer,
    audience_kind: fields.audience_kind,
    recipient_user_ids: recipients,
    idempotency_key: fields.idempotency_key,
    occurred_at_ms: Number(occurred),
    payload,
  });
  if (!result.success) {
    fail(issuesFromZod(result.error, { payload: "payload_json" }));
  }
  return result.data;
}
