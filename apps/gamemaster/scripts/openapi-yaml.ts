import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { AppServices } from "../src/http/app.js";
import { createApp } from "../src/http/app.js";
import { buildOpenApiDocument } from "../src/http/openapi.js";

/** Where the committed contract lives (repository-relative: contracts/gamemaster/). */
export const INTERNAL_OPENAPI_PATH = fileURLToPath(
  new URL("../../../contracts/gamemaster/internal-openapi.yaml", import.meta.url),
);

const TOP_LEVEL_ORDER = ["openapi", "info", "servers", "tags", "paths", "components", "webhooks"];

function sortedObject<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key] as T]),
  );
}

/**
 * The internal OpenAPI document as YAML with a stable key order: top-level
 * keys in the conventional order, paths and component schemas sorted, the
 * rest as the generator emits it (deterministic for a given source).
 */
export function renderOpenApiYaml(): string {
  // Routes only need services when they run; the document needs none.
  const unavailable = () => {
    throw new Error("services are not available while rendering the OpenAPI document");
  };
  const unused = new Proxy({} as AppServices, {
    get: () => new Proxy({}, { get: () => unavailable }),
  });
  const app = createApp({
    services: unused,
    logger: silentLogger,
    readiness: async () => ({ down: [] }),
    maxBodyBytes: 1,
  });
  const document: Record<string, unknown> = { ...buildOpenApiDocument(app) };
  const paths = document.paths as Record<string, unknown> | undefined;
  if (paths !== undefined) {
    document.paths = sortedObject(paths);
  }
  const components = document.components as Record<string, unknown> | undefined;
  if (components !== undefined) {
    const sortedComponents: Record<string, unknown> = {};
    for (const key of Object.keys(components).sort()) {
      const value = components[key];
      sortedComponents[key] =
        typeof value === "object" && value !== null
          ? sortedObject(value as Record<string, unknown>)
          : value;
    }
    document.components = sortedComponents;
  }
  const webhooks = document.webhooks as Record<string, unknown> | undefined;
  if (webhooks !== undefined && Object.keys(webhooks).length === 0) {
    delete document.webhooks;
  }
  const finalComponents = document.components as Record<string, unknown> | undefined;
  if (finalComponents !== undefined) {
    for (const [key, value] of Object.entries(finalComponents)) {
      if (typeof value === "object" && value !== null && Object.keys(value).length === 0) {
        delete finalComponents[key];
      }
    }
  }
  const ordered: Record<string, unknown> = {};
  for (const key of TOP_LEVEL_ORDER) {
    if (document[key] !== undefined) {
      ordered[key] = document[key];
    }
  }
  for (const key of Object.keys(document)) {
    if (!(key in ordered)) {
      ordered[key] = document[key];
    }
  }
  const header =
    "# GENERATED from apps/gamemaster/src/http (zod schemas) by scripts/write-openapi.ts — do not edit.\n# Regenerate: pnpm --filter @galaxy/gamemaster openapi:write\n";
  return (
    header +
    stringify(ordered, {
      lineWidth: 0,
      aliasDuplicateObjects: false,
      // YAML 1.1 quoting: strings such as timestamps or "yes" stay strings
      // for every parser, including 1.1 ones (js-yaml's default schema).
      version: "1.1",
    })
  );
}

const silentLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
