import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { EngineVersionService } from "../../services/engine-versions.js";
import type { AppEnv } from "../context.js";
import { CallerHeadersSchema, errorResponse } from "../schemas/common.js";
import {
  CreateEngineVersionRequestSchema,
  DeleteEngineVersionQuerySchema,
  EngineVersionListSchema,
  EngineVersionSchema,
  ImageRefResponseSchema,
  ListEngineVersionsQuerySchema,
  toEngineVersionJson,
  UpdateEngineVersionRequestSchema,
  VersionParamsSchema,
} from "../schemas/engine-versions.js";

const BASE = "/api/v1/internal/engine-versions";
const TAGS = ["engine-versions"];

const unavailable = errorResponse("service_unavailable: PostgreSQL is unreachable.");
const internalError = errorResponse("internal_error: unexpected failure (logged, no details).");

const listRoute = createRoute({
  operationId: "internalListEngineVersions",
  method: "get",
  path: BASE,
  tags: TAGS,
  summary: "List engine versions (optionally by status), in semver order.",
  request: { query: ListEngineVersionsQuerySchema, headers: CallerHeadersSchema },
  responses: {
    200: {
      description: "The versions.",
      content: { "application/json": { schema: EngineVersionListSchema } },
    },
    400: errorResponse("invalid_request: unknown status."),
    500: internalError,
    503: unavailable,
  },
});

const createVersionRoute = createRoute({
  operationId: "internalCreateEngineVersion",
  method: "post",
  path: BASE,
  tags: TAGS,
  summary: "Register an engine version (status active).",
  request: {
    headers: CallerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: CreateEngineVersionRequestSchema } },
    },
  },
  responses: {
    201: {
      description: "The created version.",
      content: { "application/json": { schema: EngineVersionSchema } },
    },
    400: errorResponse("invalid_request: bad semver, bad image reference, unknown field."),
    409: errorResponse("conflict: the version already exists."),
    500: internalError,
    503: unavailable,
  },
});

const getRoute = createRoute({
  operationId: "internalGetEngineVersion",
  method: "get",
  path: `${BASE}/{version}`,
  tags: TAGS,
  summary: "Read one engine version.",
  request: { params: VersionParamsSchema, headers: CallerHeadersSchema },
  responses: {
    200: {
      description: "The version.",
      content: { "application/json": { schema: EngineVersionSchema } },
    },
    404: errorResponse("engine_version_not_found."),
    500: internalError,
    503: unavailable,
  },
});

const updateRoute = createRoute({
  operationId: "internalUpdateEngineVersion",
  method: "patch",
  path: `${BASE}/{version}`,
  tags: TAGS,
  summary: "Change image_ref, options and/or status of a version.",
  request: {
    params: VersionParamsSchema,
    headers: CallerHeadersSchema,
    body: {
      required: true,
      content: { "application/json": { schema: UpdateEngineVersionRequestSchema } },
    },
  },
  responses: {
    200: {
      description: "The updated version.",
      content: { "application/json": { schema: EngineVersionSchema } },
    },
    400: errorResponse("invalid_request: empty patch, bad image reference, unknown field."),
    404: errorResponse("engine_version_not_found."),
    500: internalError,
    503: unavailable,
  },
});

const deleteRoute = createRoute({
  operationId: "internalDeprecateEngineVersion",
  method: "delete",
  path: `${BASE}/{version}`,
  tags: TAGS,
  summary: "Deprecate a version (soft) or, with ?hard=true, delete it.",
  description:
    "Soft (default): status → deprecated, answered with the version. Hard: the row is deleted (204), refused with engine_version_in_use while a runtime that is not stopped or finished references it.",
  request: {
    params: VersionParamsSchema,
    query: DeleteEngineVersionQuerySchema,
    headers: CallerHeadersSchema,
  },
  responses: {
    200: {
      description: "Soft delete: the deprecated version.",
      content: { "application/json": { schema: EngineVersionSchema } },
    },
    204: { description: "Hard delete: the version is gone." },
    404: errorResponse("engine_version_not_found."),
    409: errorResponse("engine_version_in_use (hard delete only)."),
    500: internalError,
    503: unavailable,
  },
});

const resolveRoute = createRoute({
  operationId: "internalResolveEngineVersionImageRef",
  method: "get",
  path: `${BASE}/{version}/image-ref`,
  tags: TAGS,
  summary: "Resolve the image reference of an active version (used by Lobby).",
  request: { params: VersionParamsSchema, headers: CallerHeadersSchema },
  responses: {
    200: {
      description: "The image reference.",
      content: { "application/json": { schema: ImageRefResponseSchema } },
    },
    404: errorResponse("engine_version_not_found: missing or deprecated."),
    500: internalError,
    503: unavailable,
  },
});

/** Registers the engine-version registry routes. */
export function registerEngineVersionRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { engineVersions: EngineVersionService },
): void {
  const service = deps.engineVersions;

  app.openapi(listRoute, async (c) => {
    const { status } = c.req.valid("query");
    const versions = await service.list(status);
    return c.json({ items: versions.map(toEngineVersionJson) }, 200);
  });

  app.openapi(createVersionRoute, async (c) => {
    const body = c.req.valid("json");
    const created = await service.create({
      version: body.version,
      imageRef: body.image_ref,
      ...(body.options === undefined ? {} : { options: body.options }),
    });
    return c.json(toEngineVersionJson(created), 201);
  });

  app.openapi(getRoute, async (c) => {
    const { version } = c.req.valid("param");
    return c.json(toEngineVersionJson(await service.get(version)), 200);
  });

  app.openapi(updateRoute, async (c) => {
    const { version } = c.req.valid("param");
    const body = c.req.valid("json");
    const updated = await service.update(version, {
      ...(body.image_ref === undefined ? {} : { imageRef: body.image_ref }),
      ...(body.options === undefined ? {} : { options: body.options }),
      ...(body.status === undefined ? {} : { status: body.status }),
    });
    return c.json(toEngineVersionJson(updated), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { version } = c.req.valid("param");
    const { hard } = c.req.valid("query");
    if (hard === "true") {
      await service.delete(version);
      return c.body(null, 204);
    }
    return c.json(toEngineVersionJson(await service.deprecate(version)), 200);
  });

  app.openapi(resolveRoute, async (c) => {
    const { version } = c.req.valid("param");
    return c.json({ image_ref: await service.resolveImageRef(version) }, 200);
  });
}
