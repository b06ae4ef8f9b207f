import SwaggerParser from "@apidevtools/swagger-parser";
import { cloneJson, dig, isObject, type JsonObject, setDiff, stringList } from "./json.js";
import { findOpenObjectSchemas, type OpenSchemaAllowance, schemaTypes } from "./schema-walk.js";

/** HTTP methods an OpenAPI path item may hold. */
export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

type SwaggerInput = Parameters<typeof SwaggerParser.validate>[1];

/**
 * Validates the document with swagger-parser (OpenAPI 3.0/3.1 schema and spec rules) and
 * returns the dereferenced copy; the input is not mutated. Throws with every validation
 * message when the document is invalid.
 */
export async function validateOpenApi(document: JsonObject): Promise<JsonObject> {
  const input = cloneJson(document) as unknown as SwaggerInput;
  const api: unknown = await SwaggerParser.validate(input);
  if (!isObject(api)) throw new Error("swagger-parser returned no document");
  return api;
}

/** One operation of a dereferenced document. */
export interface OperationEntry {
  readonly operationId: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly operation: JsonObject;
  /** Path-level parameters followed by operation-level parameters. */
  readonly parameters: JsonObject[];
}

/** Every operation in the document, in path order. */
export function listOperations(api: JsonObject): OperationEntry[] {
  const entries: OperationEntry[] = [];
  const paths = api.paths;
  if (!isObject(paths)) return entries;
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters.filter(isObject) : [];
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const own = Array.isArray(operation.parameters) ? operation.parameters.filter(isObject) : [];
      entries.push({
        operationId: typeof operation.operationId === "string" ? operation.operationId : undefined,
        method,
        path,
        operation,
        parameters: [...shared, ...own],
      });
    }
  }
  return entries;
}

/** What a contract expects of one operation. */
export interface ExpectedOperation {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  /** Query parameters the operation must declare. */
  readonly query?: readonly string[];
}

/** Problems with one expected operation (empty when it is declared as expected). */
export function checkOperation(api: JsonObject, expected: ExpectedOperation): string[] {
  const matches = listOperations(api).filter((entry) => entry.operationId === expected.operationId);
  const want = `${expected.method.toUpperCase()} ${expected.path}`;
  const [entry] = matches;
  if (entry === undefined) {
    const occupant = findOperation(api, expected.method, expected.path);
    const hint = occupant
      ? ` (${want} exists with operationId ${JSON.stringify(occupant.operationId)})`
      : ` (${want} is not declared either)`;
    return [`operationId ${expected.operationId} is missing${hint}`];
  }
  if (matches.length > 1) {
    return [`operationId ${expected.operationId} is declared ${matches.length} times`];
  }
  const problems: string[] = [];
  const got = `${entry.method.toUpperCase()} ${entry.path}`;
  if (got !== want) {
    problems.push(`operationId ${expected.operationId} is ${got}, expected ${want}`);
  }
  const queryNames = entry.parameters
    .filter((parameter) => parameter.in === "query")
    .map((parameter) => String(parameter.name));
  for (const name of expected.query ?? []) {
    if (!queryNames.includes(name)) {
      problems.push(`operationId ${expected.operationId} does not declare query parameter ${name}`);
    }
  }
  return problems;
}

/** The operation at `method path`, if any. */
export function findOperation(
  api: JsonObject,
  method: string,
  path: string,
): OperationEntry | undefined {
  return listOperations(api).find((entry) => entry.method === method && entry.path === path);
}

/** The operation with this id; throws a precise error when it is missing. */
export function requireOperation(api: JsonObject, operationId: string): OperationEntry {
  const entry = listOperations(api).find((candidate) => candidate.operationId === operationId);
  if (entry === undefined) throw new Error(`operationId ${operationId} is missing`);
  return entry;
}

/** The application/json request body schema of an operation, if it has one. */
export function requestSchema(entry: OperationEntry): JsonObject | undefined {
  const schema = dig(entry.operation, "requestBody", "content", "application/json", "schema");
  return isObject(schema) ? schema : undefined;
}

/** The application/json response schema for one status code, if declared. */
export function responseSchema(entry: OperationEntry, status: string): JsonObject | undefined {
  const schema = dig(entry.operation, "responses", status, "content", "application/json", "schema");
  return isObject(schema) ? schema : undefined;
}

/** Status codes (or `default`) an operation declares. */
export function responseStatuses(entry: OperationEntry): string[] {
  const responses = entry.operation.responses;
  return isObject(responses) ? Object.keys(responses) : [];
}

/** True for 4xx/5xx (and their `4XX`/`5XX` ranges). */
export function isErrorStatus(status: string): boolean {
  return /^[45]/.test(status);
}

function operationLabel(entry: OperationEntry): string {
  return entry.operationId ?? `${entry.method.toUpperCase()} ${entry.path}`;
}

/**
 * Locations of open object schemas in every JSON request and response body, formatted as
 * `<operationId> request $.path` or `<operationId> response <status> $.path`.
 */
export function findOpenBodySchemas(
  api: JsonObject,
  allowances: readonly OpenSchemaAllowance[] = [],
): string[] {
  const found: string[] = [];
  for (const entry of listOperations(api)) {
    const label = operationLabel(entry);
    const request = dig(entry.operation, "requestBody", "content");
    if (isObject(request)) {
      for (const [mediaType, media] of Object.entries(request)) {
        if (!mediaType.includes("json")) continue;
        found.push(...findOpenObjectSchemas(dig(media, "schema"), `${label} request`, allowances));
      }
    }
    for (const status of responseStatuses(entry)) {
      const content = dig(entry.operation, "responses", status, "content");
      if (!isObject(content)) continue;
      for (const [mediaType, media] of Object.entries(content)) {
        if (!mediaType.includes("json")) continue;
        found.push(
          ...findOpenObjectSchemas(dig(media, "schema"), `${label} response ${status}`, allowances),
        );
      }
    }
  }
  return found;
}

/**
 * Problems if the schema is not exactly the Galaxy error envelope
 * `{error: {code: string, message: string}}`, both levels closed and fully required.
 */
export function checkErrorEnvelopeSchema(schema: unknown, where: string): string[] {
  if (!isObject(schema)) return [`${where}: no application/json schema`];
  const problems: string[] = [];
  const checkLevel = (node: unknown, label: string, fields: readonly string[]): void => {
    if (!isObject(node)) {
      problems.push(`${where}: ${label} is not a schema object`);
      return;
    }
    if (!schemaTypes(node).includes("object"))
      problems.push(`${where}: ${label} is not type object`);
    if (node.additionalProperties !== false) problems.push(`${where}: ${label} is not closed`);
    const properties = isObject(node.properties) ? Object.keys(node.properties) : [];
    const diff = setDiff(properties, fields);
    for (const name of diff.missing) problems.push(`${where}: ${label} lacks property ${name}`);
    for (const name of diff.unexpected)
      problems.push(`${where}: ${label} has extra property ${name}`);
    const required = setDiff(stringList(node.required), fields);
    for (const name of required.missing)
      problems.push(`${where}: ${label}.${name} is not required`);
  };
  checkLevel(schema, "envelope", ["error"]);
  const inner = dig(schema, "properties", "error");
  checkLevel(inner, "envelope.error", ["code", "message"]);
  for (const field of ["code", "message"]) {
    const node = dig(inner, "properties", field);
    if (node !== undefined && !schemaTypes(node).includes("string")) {
      problems.push(`${where}: envelope.error.${field} is not type string`);
    }
  }
  return problems;
}

/** Options for {@link findErrorResponseProblems}. */
export interface ErrorResponseOptions {
  /** Operations that need not declare any error response (e.g. a liveness probe). */
  readonly noErrorsRequired?: readonly string[];
}

/**
 * Problems with error responses: every declared 4xx/5xx must carry the error envelope, every
 * operation (except the listed ones) must declare at least one, and every operation with a
 * JSON body must declare 400 (the body may be rejected).
 */
export function findErrorResponseProblems(
  api: JsonObject,
  options: ErrorResponseOptions = {},
): string[] {
  const problems: string[] = [];
  for (const entry of listOperations(api)) {
    const label = operationLabel(entry);
    const errors = responseStatuses(entry).filter(isErrorStatus);
    if (errors.length === 0 && !(options.noErrorsRequired ?? []).includes(label)) {
      problems.push(`${label}: declares no 4xx/5xx response`);
    }
    if (requestSchema(entry) !== undefined && !errors.includes("400")) {
      problems.push(`${label}: has a JSON body but declares no 400 (invalid_request) response`);
    }
    for (const status of errors) {
      problems.push(
        ...checkErrorEnvelopeSchema(responseSchema(entry, status), `${label} ${status}`),
      );
    }
  }
  return problems;
}

/** Problems if `schema` is not a closed object whose required list covers `fields`. */
export function checkRequiredFields(
  schema: unknown,
  fields: readonly string[],
  where: string,
): string[] {
  if (!isObject(schema)) return [`${where}: no schema`];
  const problems: string[] = [];
  const properties = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  const required = stringList(schema.required);
  for (const field of fields) {
    if (!properties.includes(field)) problems.push(`${where}: property ${field} is missing`);
    else if (!required.includes(field))
      problems.push(`${where}: property ${field} is not required`);
  }
  return problems;
}

/** Problems if the object schema's property set is not exactly `fields`, all required, closed. */
export function checkFrozenObject(
  schema: unknown,
  fields: readonly string[],
  where: string,
): string[] {
  if (!isObject(schema)) return [`${where}: no schema`];
  const problems = checkRequiredFields(schema, fields, where);
  const properties = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  for (const extra of setDiff(properties, fields).unexpected) {
    problems.push(`${where}: unexpected property ${extra}`);
  }
  if (schema.additionalProperties !== false) problems.push(`${where}: not closed`);
  return problems;
}

/** The enum (or single const) values of a schema. */
export function enumValues(schema: unknown): string[] {
  if (!isObject(schema)) return [];
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  if (schema.const !== undefined) return [String(schema.const)];
  return [];
}

/** Problems if the schema's enum is not exactly `expected`. */
export function checkEnum(schema: unknown, expected: readonly string[], where: string): string[] {
  const diff = setDiff(enumValues(schema), expected);
  return [
    ...diff.missing.map((value) => `${where}: enum lacks ${JSON.stringify(value)}`),
    ...diff.unexpected.map((value) => `${where}: enum has unexpected ${JSON.stringify(value)}`),
  ];
}
