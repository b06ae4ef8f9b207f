import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

/** The contract the types come from (repository-relative: contracts/gamemaster/). */
export const CONTRACT_PATH = fileURLToPath(
  new URL("../../../contracts/gamemaster/internal-openapi.yaml", import.meta.url),
);

/** Where the generated types are committed. */
export const GENERATED_PATH = fileURLToPath(
  new URL("../src/generated/gamemaster.ts", import.meta.url),
);

/**
 * The TypeScript types of the GM internal API, rendered by openapi-typescript
 * from the committed contract. `generate` writes them; the staleness test
 * compares them with the committed file.
 */
export async function renderTypes(): Promise<string> {
  const ast = await openapiTS(readFileSync(CONTRACT_PATH, "utf8"), {
    // Keep the contract's order so a diff of the generated file reads like a diff of the contract.
    alphabetize: false,
  });
  const header =
    "// GENERATED from contracts/gamemaster/internal-openapi.yaml by scripts/generate.ts — do not edit.\n// Regenerate: pnpm --filter @galaxy/gamemaster-client generate\n";
  return `${header}${COMMENT_HEADER}${astToString(ast)}`;
}
