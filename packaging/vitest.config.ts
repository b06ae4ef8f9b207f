import { defineProject, mergeConfig } from "vitest/config";
import { sharedProjectConfig } from "../vitest.shared.js";

export default mergeConfig(
  sharedProjectConfig,
  defineProject({
    test: {
      name: "packaging",
      // Builds and packs every listed package once; the test files share the tarballs.
      globalSetup: ["src/global-setup.ts"],
      testTimeout: 240_000,
      hookTimeout: 240_000,
    },
  }),
);
