import { defineProject, mergeConfig } from "vitest/config";
import { sharedProjectConfig } from "../vitest.shared.js";

// Each suite starts four Node processes against the shared PostgreSQL and Redis; on a two-core
// machine they are reliable only one file at a time and after the other projects are done
// (groupOrder 1 runs this project as its own group, after group 0).
export default mergeConfig(
  sharedProjectConfig,
  defineProject({
    test: {
      name: "integration",
      include: ["**/*.test.ts"],
      exclude: ["**/node_modules/**"],
      fileParallelism: false,
      sequence: { groupOrder: 1 },
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  }),
);
