import { defineConfig } from "tsdown";

// The one build of every shared package, for consumers outside the workspace: ESM (.mjs) and
// CommonJS (.cjs), each with its own declaration file (.d.mts / .d.cts). Dependencies and peers
// stay external. Each package's tsdown.config.ts re-exports this, run from the package folder.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  platform: "node",
  target: "node20.19",
  fixedExtension: true,
  dts: true,
  sourcemap: true,
  tsconfig: "tsconfig.build.json",
  // CommonJS is shipped on purpose; build-time plugin timings are not worth a warning.
  checks: { legacyCjs: false, pluginTimings: false },
});
