/**
 * The package must work when published: build it, `pnpm pack` it (pnpm resolves `catalog:` and
 * applies publishConfig), install the tarball with npm into a scratch ESM project outside the
 * workspace (cron-parser comes from the registry), then import it with plain `node` and typecheck a
 * consumer against the shipped .d.ts files. Slow and needs the npm registry, hence *.int.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const execFileAsync = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const workspaceTsc = fileURLToPath(new URL("../../../node_modules/.bin/tsc", import.meta.url));

const childEnv = {
  ...process.env,
  COREPACK_ENABLE_DOWNLOAD_PROMPT: "0",
  COREPACK_INTEGRITY_KEYS: "0",
  NODE_OPTIONS: "",
};

async function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = childEnv,
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd,
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}: ${failure.message}\n${failure.stdout ?? ""}\n${failure.stderr ?? ""}`,
    );
  }
}

const CONSUMER_SCRIPT = `
import { CronParseError, isValid, parse, validate } from "@galaxy/cronutil";
const schedule = parse("*/5 * * * *");
const result = validate("0 0 * * 7");
console.log(JSON.stringify({
  next: schedule.next(new Date("2024-01-01T00:02:30Z")).toISOString(),
  never: parse("0 0 30 2 *").next(new Date("2024-01-01T00:00:00Z")),
  valid: isValid("TZ=UTC 0 9 * * 1-5"),
  field: result.valid ? null : result.error.field,
  isError: result.valid ? false : result.error instanceof CronParseError,
}));
`;

const CONSUMER_TS = `
import type { Schedule } from "@galaxy/cronutil";
import { parse, validate } from "@galaxy/cronutil";
const schedule: Schedule = parse("0 9 * * 1-5");
const next: Date | null = schedule.next(new Date());
const checked = validate("x");
export const field: "minute" | "hour" | "day-of-month" | "month" | "day-of-week" | "timezone" | undefined =
  checked.valid ? undefined : checked.error.field;
export const reason: string = checked.valid ? "" : checked.error.reason;
export { next };
`;

describe("@galaxy/cronutil as a published package", () => {
  let work = "";

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "cronutil-pack-"));
  });

  afterAll(async () => {
    if (work !== "") await rm(work, { recursive: true, force: true });
  });

  it("packs with an exact cron-parser, installs from the tarball and runs under plain node", async () => {
    await run(workspaceTsc, ["-p", "tsconfig.build.json"], packageDir);

    const packDir = join(work, "pack");
    await mkdir(packDir);
    await run("pnpm", ["pack", "--pack-destination", packDir], packageDir);
    const tarball = (await readdir(packDir)).find((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error("pnpm pack produced no tarball");
    const tarballPath = join(packDir, tarball);

    const listing = (await run("tar", ["-tzf", tarballPath], work)).split("\n");
    expect(listing).toContain("package/dist/index.js");
    expect(listing).toContain("package/dist/index.d.ts");
    expect(listing).toContain("package/README.md");
    expect(listing.some((entry) => entry.startsWith("package/src/"))).toBe(false);
    expect(listing.some((entry) => entry.endsWith(".test.js"))).toBe(false);

    const manifest = JSON.parse(
      await run("tar", ["-xzOf", tarballPath, "package/package.json"], work),
    ) as { dependencies?: Record<string, string>; exports?: unknown };
    expect(manifest.dependencies).toEqual({ "cron-parser": "5.10.5" });
    expect(JSON.stringify(manifest.exports)).not.toContain("@galaxy/source");
    expect(manifest.exports).toEqual({
      ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
    });

    const scratch = join(work, "scratch");
    await mkdir(scratch);
    await writeFile(
      join(scratch, "package.json"),
      JSON.stringify({ name: "cronutil-consumer", private: true, type: "module" }),
    );
    await run(
      "npm",
      ["install", tarballPath, "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"],
      scratch,
    );
    const installed = JSON.parse(
      await readFile(join(scratch, "node_modules/cron-parser/package.json"), "utf8"),
    ) as { version: string };
    expect(installed.version).toBe("5.10.5");

    const expected = {
      next: "2024-01-01T00:05:00.000Z",
      never: null,
      valid: true,
      field: "day-of-week",
      isError: true,
    };
    for (const zone of ["UTC", "Asia/Kolkata"]) {
      const stdout = await run("node", ["--input-type=module", "-e", CONSUMER_SCRIPT], scratch, {
        ...childEnv,
        TZ: zone,
      });
      expect(JSON.parse(stdout)).toEqual(expected);
    }
    const dynamicImport = await run(
      "node",
      [
        "-e",
        "import('@galaxy/cronutil').then(m => console.log(m.parse('0 9 * * 1-5').next(new Date('2024-01-05T09:00:00Z')).toISOString()))",
      ],
      scratch,
    );
    expect(dynamicImport.trim()).toBe("2024-01-08T09:00:00.000Z");

    await writeFile(join(scratch, "consumer.ts"), CONSUMER_TS);
    await run(
      workspaceTsc,
      [
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--skipLibCheck",
        "false",
        "consumer.ts",
      ],
      scratch,
    );
  }, 300_000);
});
