import { createExampleValidator, type ExampleValidator } from "./examples.js";
import { dig, isObject, type JsonObject } from "./json.js";
import { listOperations, requireOperation } from "./openapi.js";

/** Checks real HTTP answers of an implementation against a dereferenced OpenAPI document. */
export interface ResponseChecker {
  /** Problems with one answer to `operationId` (empty when it conforms). */
  check(operationId: string, response: Response): Promise<string[]>;
}

/** Options for {@link createResponseChecker}. */
export interface ResponseCheckerOptions {
  /**
   * The stable error codes of the surface. When given, an error answer's `error.code` must be
   * one of the codes its response description names (e.g. "runtime_not_found: …" or
   * "engine_unreachable (…) or engine_protocol_violation"): the envelope schema types `code` as
   * any string, so the description is where the contract says which codes a status carries.
   */
  readonly errorCodes?: readonly string[];
}

/** The codes out of `known` that `description` names as whole words, in `known` order. */
export function codesNamedIn(description: string, known: readonly string[]): string[] {
  const words = new Set(description.match(/[a-z][a-z0-9_]*/g) ?? []);
  return known.filter((code) => words.has(code));
}

function headerProblems(
  declared: JsonObject,
  response: Response,
  where: string,
  validator: ExampleValidator,
): string[] {
  const headers = declared.headers;
  if (!isObject(headers)) return [];
  const problems: string[] = [];
  for (const [name, header] of Object.entries(headers)) {
    // OpenAPI: Content-Type is described by `content`, so a header entry for it is ignored.
    if (!isObject(header) || name.toLowerCase() === "content-type") continue;
    const value = response.headers.get(name);
    if (value === null) {
      if (header.required === true) problems.push(`${where} without the header ${name}`);
      continue;
    }
    const schema = header.schema;
    if (!isObject(schema)) continue;
    const numeric = schema.type === "integer" || schema.type === "number";
    const parsed = numeric && value.trim() !== "" ? Number(value) : value;
    problems.push(...validator.check(schema, parsed, `${where} header ${name}`));
  }
  return problems;
}

function errorCodeProblems(
  declared: JsonObject,
  body: unknown,
  where: string,
  known: readonly string[],
): string[] {
  const description = typeof declared.description === "string" ? declared.description : "";
  const named = codesNamedIn(description, known);
  if (named.length === 0) {
    return [`${where}: the contract's description names no error code (${description})`];
  }
  const code = dig(body, "error", "code");
  return typeof code === "string" && named.includes(code)
    ? []
    : [`${where} with code ${JSON.stringify(code)}; the contract names ${named.join(", ")}`];
}

/** Creates a checker for the document's JSON Schema dialect. */
export function createResponseChecker(
  api: JsonObject,
  options: ResponseCheckerOptions = {},
): ResponseChecker {
  const validator: ExampleValidator = createExampleValidator(
    String(api.openapi).startsWith("3.1") ? "2020-12" : "draft-07",
  );
  return {
    async check(operationId, response) {
      const status = String(response.status);
      const where = `${operationId} answered ${status}`;
      const responses = requireOperation(api, operationId).operation.responses;
      const declared = isObject(responses)
        ? (responses[status] ?? responses[`${status[0] ?? ""}XX`] ?? responses.default)
        : undefined;
      const text = await response.text();
      if (!isObject(declared)) {
        return [`${where}, which the contract does not declare (body: ${text.slice(0, 200)})`];
      }
      const problems = headerProblems(declared, response, where, validator);
      const schema = dig(declared, "content", "application/json", "schema");
      if (!isObject(schema)) {
        if (text !== "") problems.push(`${where} with a body where the contract declares none`);
        return problems;
      }
      const contentType = response.headers.get("content-type") ?? "";
      if (contentType.split(";")[0]?.trim().toLowerCase() !== "application/json") {
        problems.push(
          `${where} with Content-Type ${JSON.stringify(contentType)}, not application/json`,
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return [...problems, `${where} with a body that is not JSON: ${text.slice(0, 200)}`];
      }
      problems.push(...validator.check(schema, body, where));
      if (options.errorCodes !== undefined && /^[45]/.test(status)) {
        problems.push(...errorCodeProblems(declared, body, where, options.errorCodes));
      }
      return problems;
    },
  };
}

/**
 * Problems with the error codes the 4xx/5xx descriptions name: each must name at least one of
 * `statusOf`'s codes, and only codes answered with that very status.
 */
export function findErrorCodeDescriptionProblems(
  api: JsonObject,
  statusOf: Readonly<Record<string, number>>,
): string[] {
  const known = Object.keys(statusOf);
  const problems: string[] = [];
  for (const entry of listOperations(api)) {
    const label = entry.operationId ?? `${entry.method.toUpperCase()} ${entry.path}`;
    const responses = isObject(entry.operation.responses) ? entry.operation.responses : {};
    for (const [status, response] of Object.entries(responses)) {
      if (!/^[45]/.test(status)) continue;
      const description = String(dig(response, "description") ?? "");
      const named = codesNamedIn(description, known);
      if (named.length === 0) problems.push(`${label} ${status}: names no error code`);
      for (const code of named) {
        if (String(statusOf[code]) !== status) {
          problems.push(
            `${label} ${status}: names ${code}, which is answered with ${statusOf[code]}`,
          );
        }
      }
    }
  }
  return problems;
}
