import { Ajv, type ErrorObject, type Options } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { channelMessages } from "./asyncapi.js";
import { dig, isObject, type JsonObject } from "./json.js";
import { listOperations } from "./openapi.js";

/** A JSON Schema dialect the documents use. */
export type SchemaDialect = "draft-07" | "2020-12";

// Contract schemas carry annotations and vendor extensions (example, x-decoded-schema,
// x-parser-*, format: uuid) that a validator must ignore rather than reject.
const ajvOptions: Options = { strict: false, allErrors: true, validateFormats: false };

function createAjv(dialect: SchemaDialect): Ajv {
  return dialect === "2020-12" ? new Ajv2020(ajvOptions) : new Ajv(ajvOptions);
}

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => `${error.instancePath || "/"} ${error.message ?? error.keyword}`)
    .join("; ");
}

/** A validator bound to one dialect, caching compiled schemas by identity. */
export interface ExampleValidator {
  /** Empty when `value` conforms, else one readable line. */
  check(schema: JsonObject, value: unknown, where: string): string[];
}

/** Creates a validator for the dialect. */
export function createExampleValidator(dialect: SchemaDialect): ExampleValidator {
  const ajv = createAjv(dialect);
  return {
    check(schema, value, where) {
      const validate = ajv.compile(schema);
      return validate(value) ? [] : [`${where}: ${formatErrors(validate.errors)}`];
    },
  };
}

function mediaExamples(media: JsonObject): Array<[string, unknown]> {
  const found: Array<[string, unknown]> = [];
  if (media.example !== undefined) found.push(["example", media.example]);
  if (isObject(media.examples)) {
    for (const [name, example] of Object.entries(media.examples)) {
      if (isObject(example) && example.value !== undefined) found.push([name, example.value]);
    }
  }
  return found;
}

/** Every request/response example of a dereferenced OpenAPI document that fails its schema. */
export function findOpenApiExampleProblems(api: JsonObject): string[] {
  const dialect: SchemaDialect = String(api.openapi).startsWith("3.1") ? "2020-12" : "draft-07";
  const validator = createExampleValidator(dialect);
  const problems: string[] = [];
  for (const entry of listOperations(api)) {
    const label = entry.operationId ?? `${entry.method} ${entry.path}`;
    const bodies: Array<[string, unknown]> = [["request", dig(entry.operation, "requestBody")]];
    const responses = entry.operation.responses;
    if (isObject(responses)) {
      for (const [status, response] of Object.entries(responses)) {
        bodies.push([`response ${status}`, response]);
      }
    }
    for (const [part, body] of bodies) {
      const content = dig(body, "content");
      if (!isObject(content)) continue;
      for (const [mediaType, media] of Object.entries(content)) {
        if (!isObject(media) || !isObject(media.schema)) continue;
        for (const [name, value] of mediaExamples(media)) {
          problems.push(
            ...validator.check(media.schema, value, `${label} ${part} ${mediaType} ${name}`),
          );
        }
      }
    }
  }
  return problems;
}

/** Number of examples in the OpenAPI document (so a test can insist there are some). */
export function countOpenApiExamples(api: JsonObject): number {
  let count = 0;
  for (const entry of listOperations(api)) {
    const bodies: unknown[] = [dig(entry.operation, "requestBody")];
    const responses = entry.operation.responses;
    if (isObject(responses)) bodies.push(...Object.values(responses));
    for (const body of bodies) {
      const content = dig(body, "content");
      if (!isObject(content)) continue;
      for (const media of Object.values(content)) {
        if (isObject(media)) count += mediaExamples(media).length;
      }
    }
  }
  return count;
}

/**
 * Every AsyncAPI message example that fails its payload schema, including the decoded
 * content of JSON-text fields checked against their `x-decoded-schema`.
 */
export function findAsyncApiExampleProblems(document: JsonObject): string[] {
  const validator = createExampleValidator("draft-07");
  const problems: string[] = [];
  const channels = isObject(document.channels) ? Object.values(document.channels) : [];
  for (const channel of channels.filter(isObject)) {
    for (const message of channelMessages(channel)) {
      const examples = Array.isArray(message.message.examples) ? message.message.examples : [];
      if (message.payload === undefined) continue;
      examples.filter(isObject).forEach((example, index) => {
        const where = `${String(channel.address)} ${message.name} example ${String(example.name ?? index)}`;
        if (message.payload === undefined) return;
        problems.push(...checkStreamEntry(validator, message.payload, example.payload, where));
      });
    }
  }
  return problems;
}

/** Validates one flat stream entry against a payload schema, decoding its JSON-text fields. */
export function checkStreamEntry(
  validator: ExampleValidator,
  payload: JsonObject,
  entry: unknown,
  where: string,
): string[] {
  const problems = validator.check(payload, entry, where);
  const properties = isObject(payload.properties) ? payload.properties : {};
  for (const [field, schema] of Object.entries(properties)) {
    const decoded = dig(schema, "x-decoded-schema");
    const raw = dig(entry, field);
    if (!isObject(decoded) || typeof raw !== "string") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push(`${where}: field ${field} is not valid JSON`);
      continue;
    }
    problems.push(...validator.check(decoded, value, `${where} ${field}<json>`));
  }
  return problems;
}

/** Number of message examples in the AsyncAPI document. */
export function countAsyncApiExamples(document: JsonObject): number {
  const channels = isObject(document.channels) ? Object.values(document.channels) : [];
  return channels
    .filter(isObject)
    .flatMap(channelMessages)
    .reduce(
      (sum, message) =>
        sum + (Array.isArray(message.message.examples) ? message.message.examples.length : 0),
      0,
    );
}
