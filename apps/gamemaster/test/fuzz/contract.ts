import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The subset of JSON Schema the GM contract uses (OpenAPI 3.1). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  example?: unknown;
}

/** One parameter of an operation. */
export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the contract, with its schemas resolved against the document. */
export interface Operation {
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. `/api/v1/internal/games/{game_id}/runtime`. */
  path: string;
  parameters: Parameter[];
  /** The JSON request body schema, when the operation takes one. */
  body: JsonSchema | undefined;
}

/** The committed contract the fuzzer generates requests from. */
export const CONTRACT_FILE = fileURLToPath(
  new URL("../../../../contracts/gamemaster/internal-openapi.yaml", import.meta.url),
);

interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface RawOperation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
}

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

/** Resolves `$ref`s (local component schemas) everywhere in a schema. */
export function resolveSchema(document: OpenApiDocument, schema: JsonSchema): JsonSchema {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = document.components.schemas[name];
    if (target === undefined) {
      throw new Error(`unresolved $ref ${schema.$ref}`);
    }
    return resolveSchema(document, target);
  }
  const resolved: JsonSchema = { ...schema };
  if (schema.properties !== undefined) {
    resolved.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([key, value]) => [
        key,
        resolveSchema(document, value),
      ]),
    );
  }
  if (schema.items !== undefined) {
    resolved.items = resolveSchema(document, schema.items);
  }
  if (typeof schema.additionalProperties === "object") {
    resolved.additionalProperties = resolveSchema(document, schema.additionalProperties);
  }
  return resolved;
}

/** Every operation of the contract file, sorted by operation id. */
export function loadOperations(file: string = CONTRACT_FILE): Operation[] {
  const document = parse(readFileSync(file, "utf8")) as OpenApiDocument;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const bodySchema = raw.requestBody?.content?.["application/json"]?.schema;
      operations.push({
        operationId: raw.operationId,
        method: method.toUpperCase(),
        path,
        parameters: (raw.parameters ?? []).map((parameter) => ({
          ...parameter,
          required: parameter.required === true,
          schema: resolveSchema(document, parameter.schema),
        })),
        body: bodySchema === undefined ? undefined : resolveSchema(document, bodySchema),
      });
    }
  }
  return operations.sort((a, b) => a.operationId.localeCompare(b.operationId));
}
