import { isObject, type JsonObject } from "./json.js";

/** Called for every schema node with a readable location such as `$.members[].race_name`. */
export type SchemaVisitor = (node: JsonObject, path: string) => void;

const COMPOSITIONS = ["allOf", "anyOf", "oneOf"] as const;

/**
 * Visits a (dereferenced) JSON schema and every schema that describes part of the same
 * instance: properties, items, map values, compositions and, for stream fields that carry
 * JSON text, the `x-decoded-schema` extension (shown as `<json>` in the path).
 * `not`/`if`/`then`/`else` only constrain the instance, so they are not walked.
 */
export function walkSchema(schema: unknown, path: string, visit: SchemaVisitor): void {
  walk(schema, path, visit, new Set());
}

function walk(schema: unknown, path: string, visit: SchemaVisitor, ancestors: Set<object>): void {
  if (!isObject(schema) || ancestors.has(schema)) return;
  ancestors.add(schema);
  visit(schema, path);
  const properties = schema.properties;
  if (isObject(properties)) {
    for (const [name, child] of Object.entries(properties)) {
      walk(child, `${path}.${name}`, visit, ancestors);
    }
  }
  const patternProperties = schema.patternProperties;
  if (isObject(patternProperties)) {
    for (const [pattern, child] of Object.entries(patternProperties)) {
      walk(child, `${path}{${pattern}}`, visit, ancestors);
    }
  }
  walk(schema.additionalProperties, `${path}{*}`, visit, ancestors);
  if (Array.isArray(schema.items)) {
    for (const [index, child] of schema.items.entries()) {
      walk(child, `${path}[${index}]`, visit, ancestors);
    }
  } else {
    walk(schema.items, `${path}[]`, visit, ancestors);
  }
  if (Array.isArray(schema.prefixItems)) {
    for (const [index, child] of schema.prefixItems.entries()) {
      walk(child, `${path}[${index}]`, visit, ancestors);
    }
  }
  for (const keyword of COMPOSITIONS) {
    const members = schema[keyword];
    if (Array.isArray(members)) {
      for (const member of members) walk(member, path, visit, ancestors);
    }
  }
  walk(schema["x-decoded-schema"], `${path}<json>`, visit, ancestors);
  ancestors.delete(schema);
}

/** True when the node describes a JSON object (by `type` or by declaring properties). */
export function isObjectSchema(node: JsonObject): boolean {
  const type = node.type;
  if (type === "object") return true;
  if (Array.isArray(type)) return type.includes("object");
  return type === undefined && (isObject(node.properties) || isObject(node.patternProperties));
}

/** True when the object schema rejects unknown properties. */
export function isClosedObjectSchema(node: JsonObject): boolean {
  return node.additionalProperties === false || node.unevaluatedProperties === false;
}

/** A place where an open object schema is intended (e.g. an engine-defined payload). */
export interface OpenSchemaAllowance {
  /** Matched against the full location string reported by the checker. */
  readonly location: RegExp;
  /** Why this object may stay open; shown in the test source, kept short. */
  readonly reason: string;
}

/**
 * Locations (`<prefix> <path>`) of object schemas that accept unknown properties and are
 * not covered by an allowance.
 */
export function findOpenObjectSchemas(
  schema: unknown,
  prefix: string,
  allowances: readonly OpenSchemaAllowance[],
): string[] {
  const found: string[] = [];
  walkSchema(schema, "$", (node, path) => {
    if (!isObjectSchema(node) || isClosedObjectSchema(node)) return;
    const location = `${prefix} ${path}`;
    if (allowances.some((allowance) => allowance.location.test(location))) return;
    found.push(location);
  });
  return found;
}

/** The schema's type names (`type: [string, "null"]` → both). */
export function schemaTypes(node: unknown): string[] {
  if (!isObject(node)) return [];
  const type = node.type;
  if (typeof type === "string") return [type];
  if (Array.isArray(type)) return type.filter((item): item is string => typeof item === "string");
  return [];
}
