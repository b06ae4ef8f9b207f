import { createExampleValidator, type ExampleValidator } from "./examples.js";
import { dig, isObject, type JsonObject } from "./json.js";
import { requireOperation } from "./openapi.js";

/** Checks real HTTP answers of an implementation against a dereferenced OpenAPI document. */
export interface ResponseChecker {
  /** Problems with one answer to `operationId` (empty when it conforms). */
  check(operationId: string, response: Response): Promise<string[]>;
}

/** Creates a checker for the document's JSON Schema dialect. */
export function createResponseChecker(api: JsonObject): ResponseChecker {
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
      if (declared === undefined) {
        return [`${where}, which the contract does not declare (body: ${text.slice(0, 200)})`];
      }
      const schema = dig(declared, "content", "application/json", "schema");
      if (!isObject(schema)) {
        return text === "" ? [] : [`${where} with a body where the contract declares none`];
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return [`${where} with a body that is not JSON: ${text.slice(0, 200)}`];
      }
      return validator.check(schema, body, where);
    },
  };
}
