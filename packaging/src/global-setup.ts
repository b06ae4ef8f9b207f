/**
 * Builds every listed package (turbo: a cache hit after `pnpm test`'s build, a real build when the
 * suite runs on its own, so a stale dist/ is never what gets packed) and packs each one once with
 * `pnpm pack`, which applies publishConfig and replaces `workspace:` and `catalog:` ranges exactly
 * as `pnpm publish` does. The test files share the tarballs.
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { listedPackages, type PackedPackage, REPO_ROOT, run } from "./harness.js";

declare module "vitest" {
  export interface ProvidedContext {
    packed: PackedPackage[];
  }
}

let packDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const listed = await listedPackages();
  await run(
    "pnpm",
    [
      "exec",
      "turbo",
      "run",
      "build",
      "--output-logs=errors-only",
      ...listed.flatMap(({ manifest }) => ["--filter", manifest.name]),
    ],
    REPO_ROOT,
  );

  const into = await mkdtemp(join(tmpdir(), "galaxy-packed-"));
  packDir = into;
  const packed = await Promise.all(
    listed.map(async ({ entry, dir, manifest }): Promise<PackedPackage> => {
      const destination = join(into, manifest.name.replace(/^@/, "").replace("/", "-"));
      await mkdir(destination);
      await run("pnpm", ["pack", "--pack-destination", destination], dir);
      const tarball = (await readdir(destination)).find((file) => file.endsWith(".tgz"));
      if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${manifest.name}`);
      return {
        name: manifest.name,
        version: manifest.version,
        dir,
        tarball: join(destination, tarball),
        services: entry.services ?? [],
        exampleDependencies: entry.exampleDependencies ?? [],
      };
    }),
  );
  project.provide("packed", packed);
}

export async function teardown(): Promise<void> {
  if (packDir !== undefined) await rm(packDir, { recursive: true, force: true });
}
