import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineProject } from "vitest/config";

/**
 * Workspace packages export their TypeScript sources under the "@galaxy/source"
 * condition so that tests and typechecks never need a prior build.
 */
const sourceCondition = "@galaxy/source";

export const sharedProjectConfig = defineProject({
  resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
