// Writes src/generated/gamemaster.ts from the GM contract:
// pnpm --filter @galaxy/gamemaster-client generate
import { writeFileSync } from "node:fs";
import { GENERATED_PATH, renderTypes } from "./types.js";

writeFileSync(GENERATED_PATH, await renderTypes());
process.stdout.write(`wrote ${GENERATED_PATH}\n`);
