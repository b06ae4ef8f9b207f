import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INTERNAL_OPENAPI_PATH, renderOpenApiYaml } from "../scripts/openapi-yaml.js";
import { createTestApp } from "./support/app-harness.js";

type Json = Record<string, unknown>;

const FROZEN_OPERATIONS: Record<string, string> = {
  internalRegisterRuntime: "post /api/v1/internal/games/{game_id}/runtime",
  internalGetRuntime: "get /api/v1/internal/games/{game_id}/runtime",
  internalListRuntimes: "get /api/v1/internal/runtimes",
  internalGameLiveness: "get /api/v1/internal/games/{game_id}/liveness",
  internalListEngineVersions: "get /api/v1/internal/engine-versions",
  internalCreateEngineVersion: "post /api/v1/internal/engine-versions",
  internalGetEngineVersion: "get /api/v1/internal/engine-versions/{version}",
  internalUpdateEngineVersion: "patch /api/v1/internal/engine-versions/{version}",
  internalDeprecateEngineVersion: "delete /api/v1/internal/engine-versions/{version}",
  internalResolveEngineVersionImageRef: "get /api/v1/internal/engine-versions/{version}/image-ref",
  internalHealthz: "get /healthz",
  internalReadyz: "get /readyz",
};

function operations(document: Json): Map<string, string> {
  const found = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      const id = (operation as Json).operationId;
      if (typeof id === "string") {
        found.set(id, `${method} ${path}`);
      }
    }
  }
  return found;
}

function* objectSchemas(node: unknown, where: string): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* objectSchemas(item, `${where}[${index}]`);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const record = node as Json;
  if (record.type === "object") yield [where, record];
  for (const [key, value] of Object.entries(record)) {
    if (key !== "example" && key !== "examples") yield* objectSchemas(value, `${where}.${key}`);
  }
}

describe("contracts/gamemaster/internal-openapi.yaml", () => {
  it("is up to date with the zod schemas (run `pnpm --filter @galaxy/gamemaster openapi:write`)", () => {
    const committed = readFileSync(INTERNAL_OPENAPI_PATH, "utf8");
    expect(committed).toBe(renderOpenApiYaml());
  });

  it("is the same document the app serves at /openapi.json", async () => {
    const { app } = createTestApp();
    const served = (await (await app.request("/openapi.json")).json()) as Json;
    const committed = parse(readFileSync(INTERNAL_OPENAPI_PATH, "utf8")) as Json;
    expect(operations(served)).toEqual(operations(committed));
    expect((served.components as Json).schemas).toEqual((committed.components as Json).schemas);
  });

  it("declares the frozen operation ids of docs/reference.md#operations on their paths", () => {
    const document = parse(readFileSync(INTERNAL_OPENAPI_PATH, "utf8")) as Json;
    const found = operations(document);
    for (const [id, route] of Object.entries(FROZEN_OPERATIONS)) {
      expect(found.get(id), id).toBe(route);
    }
  });

  it("closes every object schema except the free-form engine options and engine pass-through", () => {
    const document = parse(readFileSync(INTERNAL_OPENAPI_PATH, "utf8")) as Json;
    // Engine options are free-form; hot-path commands/orders and the engine's
    // answers are engine-defined and relayed verbatim (docs/reference.md#hot-path).
    const allowed = [".EngineOptions", ".EngineDefinedObject", ".EngineResult"];
    const open: string[] = [];
    for (const [where, schema] of objectSchemas(document, "$")) {
      const closed = schema.additionalProperties === false;
      if (!closed && !allowed.some((suffix) => where.endsWith(suffix))) open.push(where);
    }
    expect(open).toEqual([]);
  });
});
