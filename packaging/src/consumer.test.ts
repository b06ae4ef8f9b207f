/**
 * Each listed package as another team consumes it: a scratch project outside the workspace
 * installs the packed tarball with npm (plus the tarballs of the workspace packages it depends on,
 * which are not on a registry), and runs the package README's ```ts example block — extracted from
 * the README, so the documentation cannot drift from the code — once as an ES module, once as a
 * CommonJS module, and type-checks it both ways with `tsc --noEmit` under
 * `moduleResolution: node16`. One scratch install per package, shared by its three tests; the tests
 * of different packages run concurrently.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import { afterAll, expect, inject, it } from "vitest";
import {
  childEnv,
  extractExample,
  installSpec,
  type PackedPackage,
  type ReadmeExample,
  readManifest,
  run,
  toCommonJsModule,
  transpile,
  WORKSPACE_TSC,
  workspaceClosure,
} from "./harness.js";

const packed = inject("packed");

interface Scratch {
  dir: string;
  example: ReadmeExample;
}

const scratches = new Map<string, Promise<Scratch>>();
const created: string[] = [];

afterAll(async () => {
  await Promise.allSettled(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The package's scratch consumer, installed once and shared by its tests. */
function scratchFor(pkg: PackedPackage): Promise<Scratch> {
  let scratch = scratches.get(pkg.name);
  if (scratch === undefined) {
    scratch = createScratch(pkg);
    scratches.set(pkg.name, scratch);
  }
  return scratch;
}

async function createScratch(pkg: PackedPackage): Promise<Scratch> {
  const example = extractExample(await readFile(join(pkg.dir, "README.md"), "utf8"), pkg.name);
  const dir = await mkdtemp(join(tmpdir(), `galaxy-consumer-${pkg.name.split("/").pop()}-`));
  created.push(dir);
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "galaxy-consumer", private: true }, null, 2)}\n`,
  );
  const manifests = await Promise.all(packed.map((other) => readManifest(other.dir)));
  const workspaceDependencies = workspaceClosure(pkg.name, manifests).map((name) => {
    const dependency = packed.find((other) => other.name === name);
    if (dependency === undefined) throw new Error(`${name} was not packed`);
    return dependency.tarball;
  });
  const extras = await Promise.all(
    ["@types/node", ...pkg.exampleDependencies].map((name) => installSpec(name)),
  );
  // npm, not pnpm: the consumer is a plain project, and npm installs missing peers itself, so the
  // published peer ranges are what gets resolved.
  await run(
    "npm",
    [
      "install",
      pkg.tarball,
      ...workspaceDependencies,
      ...extras,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      "--prefer-offline",
    ],
    dir,
  );

  await writeFile(join(dir, "example.mts"), example.code);
  await writeFile(join(dir, "example.cts"), toCommonJsModule(example.code));
  await writeFile(join(dir, "example.mjs"), transpile(example.code, "example.mts"));
  await writeFile(
    join(dir, "example.cjs"),
    transpile(toCommonJsModule(example.code), "example.cts"),
  );
  await writeFile(
    join(dir, "tsconfig.json"),
    `${JSON.stringify(
      {
        compilerOptions: {
          module: "node16",
          moduleResolution: "node16",
          target: "es2022",
          lib: ["es2023"],
          types: ["node"],
          strict: true,
          esModuleInterop: true,
          // A consumer's usual setting. Third-party declarations do not all compile without it
          // (drizzle-orm's refer to optional drivers it does not depend on); that the package's own
          // declarations resolve under every mode is what attw checks (manifest.test.ts).
          skipLibCheck: true,
          noEmit: true,
        },
        files: ["example.mts", "example.cts"],
      },
      null,
      2,
    )}\n`,
  );
  return { dir, example };
}

/** Run one compiled example with plain node, against its own isolated servers. */
async function runExample(pkg: PackedPackage, file: "example.mjs" | "example.cjs") {
  const { dir, example } = await scratchFor(pkg);
  let database: IsolatedDatabase | undefined;
  let redis: IsolatedRedis | undefined;
  try {
    const env: NodeJS.ProcessEnv = {};
    if (pkg.services.includes("postgres")) {
      database = await createIsolatedDatabase("consumer");
      env.DATABASE_URL = database.url;
    }
    if (pkg.services.includes("redis")) {
      redis = await createIsolatedRedis("consumer");
      env.REDIS_URL = redis.url;
      env.REDIS_KEY_PREFIX = redis.keyPrefix;
    }
    const { stdout } = await run("node", [file], dir, childEnv(env));
    if (example.expectedOutput !== undefined) {
      expect(stdout).toBe(example.expectedOutput);
    }
    return stdout;
  } finally {
    await redis?.cleanup();
    await database?.drop();
  }
}

for (const pkg of packed) {
  it.concurrent(`${pkg.name}: the README example runs as an ES module`, async () => {
    await runExample(pkg, "example.mjs");
  });
}

for (const pkg of packed) {
  it.concurrent(`${pkg.name}: the README example runs as a CommonJS module`, async () => {
    await runExample(pkg, "example.cjs");
  });
}

for (const pkg of packed) {
  it.concurrent(`${pkg.name}: the README example type-checks as ESM and as CommonJS (tsc --noEmit, node16)`, async () => {
    const { dir } = await scratchFor(pkg);
    await run(WORKSPACE_TSC, ["--noEmit", "-p", "tsconfig.json"], dir);
  });
}
