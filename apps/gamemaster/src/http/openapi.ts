import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context.js";

/** Version of the internal API contract (bump on a breaking change). */
export const INTERNAL_API_VERSION = "1.0.0";

/** The document config shared by /openapi.json and the committed YAML. */
export const OPENAPI_DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Galaxy Game Master — internal REST",
    version: INTERNAL_API_VERSION,
    description:
      "Trusted internal listener of Game Master (docs/reference.md#internal-rest). JSON in / JSON out; unknown body fields are rejected with invalid_request. Every error is the envelope {error:{code,message}}. Generated from the zod schemas the routes validate with — do not edit by hand; run `pnpm --filter @galaxy/gamemaster openapi:write`.",
  },
  tags: [
    { name: "runtimes", description: "Runtime records of running games." },
    { name: "engine-versions", description: "The engine-version registry." },
    { name: "probes", description: "Liveness and readiness." },
    {
      name: "schedules",
      description:
        "Schedule preview: a game's next activations (with the skip rule) and any expression's.",
    },
    { name: "operations", description: "A game's operation history (operation_log)." },
    {
      name: "player",
      description:
        "The player hot path behind the Edge Gateway (commands, orders, reports) and Lobby's membership-cache invalidation hook.",
    },
  ],
} as const;

type OpenApiDocument = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

/** The OpenAPI 3.1 document of `app`, generated from its zod route definitions. */
export function buildOpenApiDocument(app: OpenAPIHono<AppEnv>): OpenApiDocument {
  return app.getOpenAPI31Document({
    ...OPENAPI_DOCUMENT_CONFIG,
    info: { ...OPENAPI_DOCUMENT_CONFIG.info },
    tags: OPENAPI_DOCUMENT_CONFIG.tags.map((tag) => ({ ...tag })),
  });
}
