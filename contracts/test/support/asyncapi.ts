import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import { cloneJson, dig, isObject, type JsonObject, setDiff, stringList } from "./json.js";
import { findOpenObjectSchemas, type OpenSchemaAllowance, schemaTypes } from "./schema-walk.js";

const parser = new Parser();

/** Result of parsing an AsyncAPI document with the official parser. */
export interface AsyncApiParseResult {
  /** The resolved document ($refs dereferenced), undefined when parsing failed. */
  readonly document: JsonObject | undefined;
  /** Error-severity diagnostics as `code at path: message`. */
  readonly errors: string[];
}

/**
 * Parses and validates with `@asyncapi/parser` (spec schema + the official Spectral ruleset).
 * Warnings and hints are ignored; any error-severity diagnostic is returned.
 */
export async function parseAsyncApi(
  document: JsonObject,
  source: string,
): Promise<AsyncApiParseResult> {
  const input = cloneJson(document) as JsonObject & { asyncapi: string };
  const output = await parser.parse(input, { source });
  const errors = output.diagnostics
    .filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error)
    .map(
      (diagnostic) => `${diagnostic.code} at ${diagnostic.path.join(".")}: ${diagnostic.message}`,
    );
  const json: unknown = output.document?.json();
  return { document: isObject(json) ? json : undefined, errors };
}

/** Parses and fails with every error diagnostic when the document is invalid. */
export async function requireParsedAsyncApi(
  document: JsonObject,
  source: string,
): Promise<JsonObject> {
  const result = await parseAsyncApi(document, source);
  if (result.document === undefined || result.errors.length > 0) {
    throw new Error(`${source} is not a valid AsyncAPI document:\n${result.errors.join("\n")}`);
  }
  return result.document;
}

/** One message of a channel in a resolved document. */
export interface ChannelMessage {
  readonly key: string;
  readonly name: string;
  readonly payload: JsonObject | undefined;
  readonly message: JsonObject;
}

/** The channel whose `address` is the stream name. */
export function findChannel(document: JsonObject, address: string): JsonObject | undefined {
  const channels = document.channels;
  if (!isObject(channels)) return undefined;
  return Object.values(channels).find(
    (channel): channel is JsonObject => isObject(channel) && channel.address === address,
  );
}

/** The messages of a channel. */
export function channelMessages(channel: JsonObject): ChannelMessage[] {
  const messages = channel.messages;
  if (!isObject(messages)) return [];
  return Object.entries(messages).flatMap(([key, message]) =>
    isObject(message)
      ? [
          {
            key,
            name: typeof message.name === "string" ? message.name : key,
            payload: isObject(message.payload) ? message.payload : undefined,
            message,
          },
        ]
      : [],
  );
}

/** The frozen field list of one message on a stream. */
export interface ExpectedMessage {
  /** Value of the discriminator field, or the message name when the stream has one message kind. */
  readonly type: string;
  readonly fields: readonly string[];
  /** Fields a producer may add; they are declared but not required. */
  readonly optionalFields?: readonly string[];
}

/** How a stream's messages are told apart. */
export interface ExpectedStream {
  readonly address: string;
  /** Payload field whose `const` names the message type; when absent, the message `name` does. */
  readonly discriminator?: string;
  readonly messages: readonly ExpectedMessage[];
}

function messageType(message: ChannelMessage, discriminator: string | undefined): string {
  if (discriminator === undefined) return message.name;
  const node = dig(message.payload, "properties", discriminator);
  return isObject(node) && node.const !== undefined ? String(node.const) : `<${message.name}>`;
}

/** Problems with the message set and the frozen flat string fields of every message. */
export function checkStream(document: JsonObject, expected: ExpectedStream): string[] {
  const channel = findChannel(document, expected.address);
  if (channel === undefined) return [`${expected.address}: no channel with this address`];
  const problems: string[] = [];
  const messages = channelMessages(channel);
  const kind = expected.discriminator ?? "message name";
  const byType = new Map(
    messages.map((message) => [messageType(message, expected.discriminator), message]),
  );
  for (const unexpected of setDiff(
    byType.keys(),
    expected.messages.map((m) => m.type),
  ).unexpected) {
    problems.push(
      `${expected.address}: unexpected message with ${kind} ${JSON.stringify(unexpected)}`,
    );
  }
  for (const want of expected.messages) {
    const message = byType.get(want.type);
    const where = `${expected.address} ${want.type}`;
    if (message === undefined) {
      problems.push(`${expected.address}: no message with ${kind} ${JSON.stringify(want.type)}`);
      continue;
    }
    problems.push(
      ...checkFlatPayload(message.payload, want.fields, where, want.optionalFields ?? []),
    );
  }
  return problems;
}

/**
 * Problems if the payload is not a closed object of exactly `fields` (all
 * required) plus `optional` (present, not required), every one a string.
 */
export function checkFlatPayload(
  payload: unknown,
  fields: readonly string[],
  where: string,
  optional: readonly string[] = [],
): string[] {
  if (!isObject(payload)) return [`${where}: no payload schema`];
  const problems: string[] = [];
  if (payload.additionalProperties !== false) problems.push(`${where}: payload is not closed`);
  const properties = isObject(payload.properties) ? payload.properties : {};
  const names = setDiff(Object.keys(properties), [...fields, ...optional]);
  for (const name of names.missing) problems.push(`${where}: field ${name} is missing`);
  for (const name of names.unexpected) problems.push(`${where}: unexpected field ${name}`);
  const required = setDiff(stringList(payload.required), fields);
  for (const name of required.missing) problems.push(`${where}: field ${name} is not required`);
  for (const name of required.unexpected)
    problems.push(`${where}: unknown field ${name} is required`);
  for (const [name, schema] of Object.entries(properties)) {
    if (
      !schemaTypes(schema).every((type) => type === "string") ||
      schemaTypes(schema).length === 0
    ) {
      problems.push(`${where}: field ${name} is not a string (stream fields are flat strings)`);
    }
  }
  return problems;
}

/** The payload of the message with this discriminator value (or name) on a stream. */
export function requireMessagePayload(
  document: JsonObject,
  address: string,
  type: string,
  discriminator?: string,
): JsonObject {
  const channel = findChannel(document, address);
  if (channel === undefined) throw new Error(`${address}: no channel with this address`);
  const message = channelMessages(channel).find(
    (candidate) => messageType(candidate, discriminator) === type,
  );
  if (message?.payload === undefined) throw new Error(`${address}: no message ${type}`);
  return message.payload;
}

/** The `x-decoded-schema` of a JSON-text field of a payload. */
export function decodedSchema(payload: JsonObject, field: string): JsonObject | undefined {
  const node = dig(payload, "properties", field, "x-decoded-schema");
  return isObject(node) ? node : undefined;
}

/** Problems if no operation uses `action` (`send`/`receive`) on the stream. */
export function checkAction(document: JsonObject, address: string, action: string): string[] {
  const operations = isObject(document.operations) ? Object.values(document.operations) : [];
  const actions = operations
    .filter(isObject)
    .filter((operation) => dig(operation, "channel", "address") === address)
    .map((operation) => String(operation.action));
  if (actions.length === 0) return [`${address}: no operation uses this channel`];
  const problems: string[] = [];
  if (!actions.includes(action)) {
    problems.push(`${address}: expected action ${action}, found ${actions.join(", ")}`);
  }
  return problems;
}

/** Locations `<address> <message> $.path` of open object schemas in every payload. */
export function findOpenPayloadSchemas(
  document: JsonObject,
  allowances: readonly OpenSchemaAllowance[] = [],
): string[] {
  const found: string[] = [];
  const channels = isObject(document.channels) ? Object.values(document.channels) : [];
  for (const channel of channels.filter(isObject)) {
    for (const message of channelMessages(channel)) {
      found.push(
        ...findOpenObjectSchemas(
          message.payload,
          `${String(channel.address)} ${message.name}`,
          allowances,
        ),
      );
    }
  }
  return found;
}
