import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_PATH, renderTypes } from "../scripts/types.js";

describe("src/generated/gamemaster.ts", () => {
  it("is up to date with contracts/gamemaster/internal-openapi.yaml (run `pnpm --filter @galaxy/gamemaster-client generate`)", async () => {
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(await renderTypes());
  });
});
