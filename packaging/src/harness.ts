/**
 * Shared helpers of the packaging suite: running commands, reading manifests and the workspace
 * catalog, extracting a README's example, and turning it into the files an ESM, a CommonJS and a
 * TypeScript consumer would write.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { parse as parseYaml } from "yaml";
import { PACKAGES, type PackageEntry } from "../packages.js";

const execFileAsync = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The workspace's TypeScript compiler, used to type-check the scratch consumers. */
export const WORKSPACE_TSC = join(REPO_ROOT, "node_modules/.bin/tsc");

/** A listed package after the global setup built and packed it. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the package directory. */
  readonly dir: string;
  /** Absolute path of the tarball `pnpm pack` wrote. */
  readonly tarball: string;
  readonly services: readonly ("postgres" | "redis")[];
  readonly exampleDependencies: readonly string[];
}

export interface Manifest {
  name: string;
  version: string;
  exports?: unknown;
  publishConfig?: { exports?: unknown };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  engines?: Record<string, string>;
  [field: string]: unknown;
}

/** Environment for child processes: no corepack prompt, no inherited NODE_OPTIONS (vitest's). */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    COREPACK_ENABLE_DOWNLOAD_PROMPT: "0",
    COREPACK_INTEGRITY_KEYS: "0",
    NODE_OPTIONS: "",
    ...extra,
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Run a command; a failure carries the command, its folder and both output streams. */
export async function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = childEnv(),
): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd,
      env,
      maxBuffer: 32 * 1024 * 1024,
      timeout: 240_000,
    });
    return { stdout, stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}: ${failure.message}\n${failure.stdout ?? ""}\n${failure.stderr ?? ""}`,
    );
  }
}

export async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Manifest;
}

/** The listed packages with their names, read from their package.json files. */
export async function listedPackages(): Promise<
  { entry: PackageEntry; dir: string; manifest: Manifest }[]
> {
  return Promise.all(
    PACKAGES.map(async (entry) => {
      const dir = join(REPO_ROOT, entry.dir);
      return { entry, dir, manifest: await readManifest(dir) };
    }),
  );
}

let catalog: Promise<Record<string, string>> | undefined;

/** The `catalog:` of pnpm-workspace.yaml: the ranges the workspace builds and tests with. */
export function workspaceCatalog(): Promise<Record<string, string>> {
  catalog ??= readFile(join(REPO_ROOT, "pnpm-workspace.yaml"), "utf8").then(
    (text) => (parseYaml(text) as { catalog?: Record<string, string> }).catalog ?? {},
  );
  return catalog;
}

/** `name@range` for an npm install: the given range, else the catalog's. */
export async function installSpec(dependency: string): Promise<string> {
  const at = dependency.lastIndexOf("@");
  if (at > 0) return dependency;
  const range = (await workspaceCatalog())[dependency];
  if (range === undefined) {
    throw new Error(`${dependency} is in no workspace catalog entry: give it as name@range`);
  }
  return `${dependency}@${range}`;
}

/** The workspace packages `name` depends on at run time, transitively, itself excluded. */
export function workspaceClosure(name: string, all: readonly Manifest[]): string[] {
  const byName = new Map(all.map((manifest) => [manifest.name, manifest]));
  const seen = new Set<string>();
  const visit = (current: string) => {
    const manifest = byName.get(current);
    if (manifest === undefined) {
      throw new Error(
        `${current} is a workspace dependency but not listed in packaging/packages.ts`,
      );
    }
    for (const [dependency, range] of Object.entries({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
    })) {
      if (range.startsWith("workspace:") && !seen.has(dependency)) {
        seen.add(dependency);
        visit(dependency);
      }
    }
  };
  visit(name);
  return [...seen];
}

/** The package a bare import specifier belongs to, or null for relative paths and builtins. */
export function packageOfSpecifier(specifier: string): string | null {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) {
    return null;
  }
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
  return builtinModules.includes(name) ? null : name;
}

const IMPORT_PATTERN =
  /\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** Every package imported (statically, dynamically or by require) by a JS or declaration file. */
export function importedPackages(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(IMPORT_PATTERN)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? match[4];
    const name = specifier === undefined ? null : packageOfSpecifier(specifier);
    if (name !== null) names.add(name);
  }
  return names;
}

/** The README's usage example and, when given, the exact output it prints. */
export interface ReadmeExample {
  code: string;
  expectedOutput: string | undefined;
}

/**
 * The one fenced block whose info string is `ts example`, and the `text output` block right after
 * it (blank lines and prose-free gaps only) if there is one.
 */
export function extractExample(readme: string, packageName: string): ReadmeExample {
  const blocks = [...readme.matchAll(/^```([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm)];
  const examples = blocks.filter((block) => block[1]?.trim() === "ts example");
  if (examples.length !== 1) {
    throw new Error(
      `README.md of ${packageName} must have exactly one \`\`\`ts example block, found ${examples.length}`,
    );
  }
  const example = examples[0] as RegExpMatchArray;
  const after = readme.slice((example.index ?? 0) + example[0].length);
  const output = /^\s*```text output\n([\s\S]*?)^```[ \t]*$/m.exec(after);
  const directlyAfter = output !== null && after.slice(0, output.index).trim() === "";
  return {
    code: example[2] ?? "",
    expectedOutput: directlyAfter ? output[1] : undefined,
  };
}

/**
 * The example as a CommonJS consumer writes it (a `.cts` file): the same imports — TypeScript
 * compiles them to `require` and resolves them with the `require` condition — and the rest inside
 * an async function, because CommonJS has no top-level await.
 */
export function toCommonJsModule(code: string): string {
  const source = ts.createSourceFile("example.mts", code, ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const body: string[] = [];
  for (const statement of source.statements) {
    const text = code.slice(statement.getFullStart(), statement.getEnd());
    if (ts.isImportDeclaration(statement)) {
      imports.push(text.trim());
    } else if (
      ts.isExportDeclaration(statement) ||
      ts.isExportAssignment(statement) ||
      (ts.canHaveModifiers(statement) &&
        ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
    ) {
      throw new Error("a README example must not export anything");
    } else {
      body.push(text);
    }
  }
  return `${imports.join("\n")}

async function main(): Promise<void> {${body.join("")}
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;
}

/** Strip the types, keeping the module format the file extension (.mts / .cts) implies. */
export function transpile(code: string, fileName: "example.mts" | "example.cts"): string {
  const result = ts.transpileModule(code, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      verbatimModuleSyntax: false,
    },
  });
  const errors = result.diagnostics ?? [];
  if (errors.length > 0) {
    throw new Error(
      errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n"),
    );
  }
  return result.outputText;
}
