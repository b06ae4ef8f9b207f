import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "contracts", "integration", "packaging", "bench"],
    // One testcontainers PostgreSQL + Redis per run when a Docker engine answers and the
    // environment names no servers (docs/decisions/141-testkit-server-choice.md).
    globalSetup: ["packages/testkit/src/vitest-global-setup.ts"],
  },
});
