/**
 * What is published, checked on the tarball `pnpm pack` wrote (see global-setup.ts): types resolve
 * for every consumer (attw), packaging lint (publint), and the manifest rules of
 * docs/decisions/150-shared-package-publishing.md.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  importedPackages,
  type Manifest,
  type PackedPackage,
  REPO_ROOT,
  readManifest,
  run,
} from "./harness.js";

const ATTW = join(REPO_ROOT, "packaging/node_modules/.bin/attw");
const SOURCE_CONDITION = "@galaxy/source";

/** `exports` without the workspace-only source condition, at any depth. */
function withoutSourceCondition(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  );
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? listFiles(root, join(dir, entry.name))
        : Promise.resolve([relative(root, join(dir, entry.name))]),
    ),
  );
  return nested.flat().sort();
}

describe.each(inject("packed"))("$name as packed", (pkg: PackedPackage) => {
  let unpacked = "";
  let root = "";
  let manifest: Manifest;
  let files: string[] = [];

  beforeAll(async () => {
    unpacked = await mkdtemp(join(tmpdir(), "galaxy-unpacked-"));
    await run("tar", ["-xzf", pkg.tarball, "-C", unpacked], unpacked);
    root = join(unpacked, "package");
    manifest = await readManifest(root);
    files = await listFiles(root);
  });

  afterAll(async () => {
    if (unpacked !== "") await rm(unpacked, { recursive: true, force: true });
  });

  it("attw: types resolve under node10, node16 from CJS and from ESM, and bundler", async () => {
    // attw exits non-zero on any problem; the table it prints is the failure message.
    const { stdout } = await run(ATTW, [pkg.tarball, "--format", "ascii"], REPO_ROOT);
    expect(stdout).toContain("No problems found");
  });

  it("publint: no error, warning or suggestion", async () => {
    const tarball = await readFile(pkg.tarball);
    const { messages, pkg: linted } = await publint({
      pack: {
        tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.length),
      },
      level: "suggestion",
      strict: true,
    });
    expect(messages.map((message) => formatMessage(message, linted) ?? message.code)).toEqual([]);
  });

  it("ships the dual build, its types, README and CHANGELOG, and nothing else", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "CHANGELOG.md",
        "dist/index.mjs",
        "dist/index.cjs",
        "dist/index.d.mts",
        "dist/index.d.cts",
      ]),
    );
    const unexpected = files.filter(
      (file) =>
        !["package.json", "README.md", "CHANGELOG.md"].includes(file) &&
        !/^dist\/[\w.-]+\.(mjs|cjs|d\.mts|d\.cts)(\.map)?$/.test(file),
    );
    expect(unexpected).toEqual([]);
  });

  it("has no workspace: or catalog: range and no workspace-only export condition", () => {
    const text = JSON.stringify(manifest);
    expect(text).not.toMatch(/"(workspace|catalog):/);
    expect(text).not.toContain(SOURCE_CONDITION);
    expect(manifest.engines?.node).toBeDefined();
  });

  it("publishes exactly the workspace exports map minus the source condition", async () => {
    const source = await readManifest(pkg.dir);
    expect(JSON.stringify(source.exports)).toContain(SOURCE_CONDITION);
    expect(manifest.exports).toEqual(withoutSourceCondition(source.exports));
  });

  it("depends on exactly what dist imports: runtime imports are dependencies or peers, type-only ones are peers", async () => {
    const runtime = new Set<string>();
    const types = new Set<string>();
    for (const file of files.filter((f) => f.startsWith("dist/") && !f.endsWith(".map"))) {
      const imported = importedPackages(await readFile(join(root, file), "utf8"));
      for (const name of imported) (/\.d\.[mc]ts$/.test(file) ? types : runtime).add(name);
    }
    const dependencies = Object.keys(manifest.dependencies ?? {});
    const peers = Object.keys(manifest.peerDependencies ?? {});
    const optionalPeers = peers.filter(
      (name) => manifest.peerDependenciesMeta?.[name]?.optional === true,
    );
    const problems: string[] = [];
    for (const name of runtime) {
      if (!dependencies.includes(name) && !peers.includes(name)) {
        problems.push(`${name} is imported at run time but is no dependency or peer`);
      }
      if (optionalPeers.includes(name)) {
        problems.push(`${name} is imported at run time but is an optional peer`);
      }
    }
    for (const name of types) {
      const declared =
        dependencies.includes(name) || peers.includes(name) || dependencies.includes(typesOf(name));
      if (!declared) problems.push(`${name} is imported by the declarations but not declared`);
      if (!runtime.has(name) && dependencies.includes(name)) {
        problems.push(`${name} is only used by the declarations: make it a peer`);
      }
    }
    for (const name of dependencies) {
      const used = runtime.has(name) || (name.startsWith("@types/") && types.has(untyped(name)));
      if (!used) problems.push(`dependency ${name} is never imported`);
    }
    for (const name of peers) {
      if (!runtime.has(name) && !types.has(name)) problems.push(`peer ${name} is never imported`);
    }
    expect(problems).toEqual([]);
  });
});

/** `pg` → `@types/pg`, `@scope/name` → `@types/scope__name`. */
function typesOf(name: string): string {
  return name.startsWith("@") ? `@types/${name.slice(1).replace("/", "__")}` : `@types/${name}`;
}

function untyped(typesName: string): string {
  const bare = typesName.slice("@types/".length);
  return bare.includes("__") ? `@${bare.replace("__", "/")}` : bare;
}
