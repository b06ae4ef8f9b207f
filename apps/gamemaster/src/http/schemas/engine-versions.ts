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

const OptionsSchema = z.record(z.string(), z.unknown()).openapi("EngineOptions", {
  description:
    "Free-form engine options (a JSON object). The one open object of this API: its keys are engine-defined.",
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
