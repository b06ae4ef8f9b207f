import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  freePort,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus } from "./support/http.js";
import { ManagedProcess } from "./support/process.js";
import { assertBuilt } from "./support/stack.js";
import { waitFor } from "./support/wait.js";

// What the container image runs (apps/gamemaster/Dockerfile): `pnpm deploy` of the app into a
// folder of its own, then `node dist/main.js` there with nothing but environment variables.
// The quick check of the image's payload without Docker; integration/container.int.test.ts
// builds and runs the image itself.

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

let workDir: string;
let deployDir: string;
let database: IsolatedDatabase;
let redis: IsolatedRedis;
let gm: ManagedProcess | undefined;

beforeAll(async () => {
  assertBuilt(["gamemaster"]);
  workDir = await mkdtemp(join(tmpdir(), "gm-deploy-"));
  deployDir = join(workDir, "app");
  database = await createIsolatedDatabase("int_deploy");
  redis = await createIsolatedRedis("int_deploy");
  // pnpm 10 deploys only from workspaces with inject-workspace-packages=true unless --legacy;
  // --legacy copies each workspace dependency as its packed contents ("files": dist), which is
  // what the image needs. The Dockerfile's flags, with an empty metadata cache as in the image's
  // build stage: --legacy resolves each packed workspace package's dependency and peer ranges
  // again, which `--offline` cannot do without metadata (docs/decisions/150); tarballs come from
  // the store.
  await execFileAsync(
    "pnpm",
    [
      "--filter",
      "@galaxy/gamemaster",
      "deploy",
      "--legacy",
      "--prod",
      "--prefer-offline",
      `--config.cache-dir=${join(workDir, "pnpm-cache")}`,
      deployDir,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: "0", COREPACK_INTEGRITY_KEYS: "0" },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}, 180_000);

afterAll(async () => {
  await gm?.stop();
  await redis?.cleanup();
  await database?.drop();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

describe("pnpm deploy of @galaxy/gamemaster", () => {
  it("holds the built app, its migrations and built workspace dependencies, no dev tooling", () => {
    for (const path of [
      "package.json",
      "dist/main.js",
      "drizzle/meta/_journal.json",
      "node_modules/@galaxy/postgres/dist/index.mjs",
      "node_modules/@galaxy/redisconn/dist/index.mjs",
      "node_modules/@galaxy/errors/dist/index.mjs",
      "node_modules/@galaxy/cronutil/dist/index.mjs",
      "node_modules/@galaxy/notificationintent/dist/index.mjs",
      "node_modules/hono/package.json",
    ]) {
      expect(existsSync(join(deployDir, path)), path).toBe(true);
    }
    for (const path of [
      "src",
      "test",
      "node_modules/@galaxy/postgres/src",
      "node_modules/@galaxy/testkit",
      "node_modules/@galaxy/engine-stub",
      "node_modules/drizzle-kit",
      "node_modules/tsx",
      "node_modules/vitest",
    ]) {
      expect(existsSync(join(deployDir, path)), path).toBe(false);
    }
  });

  it("starts from the deployed folder with env only: migrations applied, /readyz 200, SIGTERM exits 0", async () => {
    const port = await freePort();
    gm = ManagedProcess.start({
      name: "gamemaster (deployed)",
      args: ["dist/main.js"],
      cwd: deployDir,
      env: {
        GAMEMASTER_HTTP_PORT: String(port),
        GAMEMASTER_POSTGRES_URL: database.url,
        GAMEMASTER_REDIS_URL: redis.url,
        GAMEMASTER_REDIS_KEY_PREFIX: redis.keyPrefix,
        GAMEMASTER_LOBBY_BASE_URL: "http://127.0.0.1:9",
        GAMEMASTER_RTM_BASE_URL: "http://127.0.0.1:9",
        GAMEMASTER_SHUTDOWN_TIMEOUT: "10s",
      },
    });
    const child = gm;
    try {
      await waitFor(
        async () => {
          if (!child.running) throw new Error(`exited ${JSON.stringify(child.exit)}`);
          const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
          return response?.status === 200 ? response.json() : undefined;
        },
        { what: "deployed gamemaster /readyz", timeoutMs: 30_000 },
      );

      const journal = JSON.parse(
        readFileSync(join(deployDir, "drizzle/meta/_journal.json"), "utf8"),
      ) as { entries: unknown[] };
      const sql = new pg.Client({ connectionString: database.url });
      await sql.connect();
      try {
        const applied = await sql.query<{ count: string }>(
          "SELECT count(*) FROM gamemaster.__drizzle_migrations",
        );
        expect(Number(applied.rows[0]?.count)).toBe(journal.entries.length);
        const tables = await sql.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gamemaster' ORDER BY 1",
        );
        expect(tables.rows.map((row) => row.table_name)).toEqual(
          expect.arrayContaining([
            "engine_versions",
            "operation_log",
            "player_mappings",
            "runtime_records",
          ]),
        );
      } finally {
        await sql.end();
      }

      // The database the migrations built serves a real operation.
      await expectStatus(201, "POST", `http://127.0.0.1:${port}/api/v1/internal/engine-versions`, {
        body: { version: "1.0.0", image_ref: "galaxy/game:1.0.0" },
      });
      // So does the console, whose pages are compiled JSX that needs only production deps.
      const page = await fetch(`http://127.0.0.1:${port}/console/engine-versions`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<tr data-version="1.0.0">');

      const exit = await child.stop();
      expect(exit).toEqual({ code: 0, signal: null });
    } catch (error) {
      console.error(`--- deployed gamemaster output ---\n${child.logs()}`);
      throw error;
    }
  });
});
