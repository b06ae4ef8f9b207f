// Writes contracts/gamemaster/internal-openapi.yaml from the zod route
// schemas: pnpm --filter @galaxy/gamemaster openapi:write
import { writeFileSync } from "node:fs";
import { INTERNAL_OPENAPI_PATH, renderOpenApiYaml } from "./openapi-yaml.js";

writeFileSync(INTERNAL_OPENAPI_PATH, renderOpenApiYaml());
process.stdout.write(`wrote ${INTERNAL_OPENAPI_PATH}\n`);
