import { z } from "@hono/zod-openapi";
import {
  dockerReferenceError,
  ENGINE_VERSION_STATUSES,
  type EngineVersion,
  isValidSemver,
  MAX_VERSION_LENGTH,
} from "../../domain/engine-version.js";
import { TimestampSchema } from "./common.js";

const EngineVersionStatusSchema = z
  .enum(ENGINE_VERSION_STATUSES)
  .openapi("EngineVersionStatus", { description: "active versions resolve; deprecated do not." });

const ImageRefSchema = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(512)
  .superRefine((value, ctx) => {
    const problem = dockerReferenceError(value);
    if (problem !== null) {
      ctx.addIssue({ code: "custom", message: problem });
    }
  })
  .openapi({
    description: "Docker image reference ([host[:port]/]path[:tag][@digest]).",
    example: "registry.galaxy.internal/galaxy/game:1.4.2",
  });

/** Deepest nesting of `options` (the object itself is level 1). */
export const MAX_OPTIONS_DEPTH = 8;
/** Most object keys in `options`, counted at every level. */
export const MAX_OPTIONS_KEYS = 256;
/** Largest `options` as JSON text, in UTF-8 bytes. */
export const MAX_OPTIONS_BYTES = 16_384;

/**
 * Why `options` is out of bounds, or undefined. Iterative, and the body's
 * own depth limit (json-limits.ts) already holds, so JSON.stringify is safe.
 */
export function optionsProblem(options: Record<string, unknown>): string | undefined {
  let keys = 0;
  const stack: { value: unknown; depth: number }[] = [{ value: options, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth } = item;
    if (typeof value !== "object" || value === null) {
      continue;
    }
    if (depth > MAX_OPTIONS_DEPTH) {
      return `must be nested at most ${MAX_OPTIONS_DEPTH} levels deep`;
    }
    const children = Array.isArray(value) ? value : Object.values(value);
    if (!Array.isArray(value)) {
      keys += children.length;
      if (keys > MAX_OPTIONS_KEYS) {
        return `must have at most ${MAX_OPTIONS_KEYS} keys`;
      }
    }
    for (const child of children) {
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  if (Buffer.byteLength(JSON.stringify(options)) > MAX_OPTIONS_BYTES) {
    return `must be at most ${MAX_OPTIONS_BYTES} bytes of JSON`;
  }
  return undefined;
}

const OptionsSchema = z
  .record(z.string(), z.unknown())
  .superRefine((options, ctx) => {
    const problem = optionsProblem(options);
    if (problem !== undefined) {
      ctx.addIssue({ code: "custom", message: problem });
    }
  })
  .openapi("EngineOptions", {
    description: `Free-form engine options (a JSON object). The one open object of this API: its keys are engine-defined. At most ${MAX_OPTIONS_DEPTH} levels deep, ${MAX_OPTIONS_KEYS} keys in all and ${MAX_OPTIONS_BYTES} bytes of JSON; no string or key may contain NUL or an unpaired surrogate.`,
    example: { max_players: 8 },
  });

/** An engine version as returned by the API. */
export const EngineVersionSchema = z
  .strictObject({
    version: z.string().openapi({ example: "1.4.2" }),
    image_ref: z.string().openapi({ example: "registry.galaxy.internal/galaxy/game:1.4.2" }),
    options: OptionsSchema,
    status: EngineVersionStatusSchema,
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  })
  .openapi("EngineVersion");

/** Body of internalCreateEngineVersion. */
export const CreateEngineVersionRequestSchema = z
  .strictObject({
    version: z
      .string()
      .max(MAX_VERSION_LENGTH)
      .refine(isValidSemver, { error: "must be a semantic version such as 1.4.2 (no leading v)" })
      .openapi({ example: "1.4.2" }),
    image_ref: ImageRefSchema,
    options: OptionsSchema.optional(),
  })
  .openapi("CreateEngineVersionRequest");

/** Body of internalUpdateEngineVersion: at least one field. */
export const UpdateEngineVersionRequestSchema = z
  .strictObject({
    image_ref: ImageRefSchema.optional(),
    options: OptionsSchema.optional(),
    status: EngineVersionStatusSchema.optional(),
  })
  .refine(
    (body) =>
      body.image_ref !== undefined || body.options !== undefined || body.status !== undefined,
    { error: "at least one of image_ref, options, status is required" },
  )
  .openapi("UpdateEngineVersionRequest");

/** Answer of internalListEngineVersions. */
export const EngineVersionListSchema = z
  .strictObject({ items: z.array(EngineVersionSchema) })
  .openapi("EngineVersionList");

/** Answer of internalResolveEngineVersionImageRef. */
export const ImageRefResponseSchema = z
  .strictObject({ image_ref: z.string() })
  .openapi("EngineVersionImageRef");

/** The `{version}` path parameter. */
export const VersionParamsSchema = z.object({
  version: z
    .string()
    .min(1)
    .max(MAX_VERSION_LENGTH)
    .openapi({ param: { name: "version", in: "path" }, example: "1.4.2" }),
});

/** Query of internalListEngineVersions. */
export const ListEngineVersionsQuerySchema = z.object({
  status: EngineVersionStatusSchema.optional().openapi({
    param: { name: "status", in: "query" },
  }),
});

/** Query of internalDeprecateEngineVersion. */
export const DeleteEngineVersionQuerySchema = z.object({
  hard: z
    .enum(["true", "false"])
    .optional()
    .openapi({
      param: { name: "hard", in: "query" },
      description: "true: delete the row (refused while a live runtime uses it); default soft.",
    }),
});

/** Serialises a version for a response. */
export function toEngineVersionJson(version: EngineVersion): z.infer<typeof EngineVersionSchema> {
  return {
    version: version.version,
    image_ref: version.imageRef,
    options: version.options,
    status: version.status,
    created_at: version.createdAt.toISOString(),
    updated_at: version.updatedAt.toISOString(),
  };
}
