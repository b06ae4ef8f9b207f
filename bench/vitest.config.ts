import { defineProject, mergeConfig } from "vitest/config";
import { sharedProjectConfig } from "../vitest.shared.js";

// The benchmarks' own helpers (the runs themselves are `pnpm bench:*`, never tests).
export default mergeConfig(
  sharedProjectConfig,
  defineProject({ test: { name: "bench", include: ["scheduler/**/*.test.ts"] } }),
);
