import { describe, expect, it } from "vitest";
import {
  extractExample,
  importedPackages,
  type Manifest,
  packageOfSpecifier,
  toCommonJsModule,
  transpile,
  workspaceClosure,
} from "./harness.js";

const README = `# pkg

\`\`\`ts
// not the example
\`\`\`

\`\`\`ts example
import { parse } from "@galaxy/cronutil";
const value: number = 1;
console.log(await Promise.resolve(value), typeof parse);
\`\`\`

\`\`\`text output
1 function
\`\`\`
`;

describe("extractExample", () => {
  it("takes the one ts example block and the output block right after it", () => {
    const example = extractExample(README, "pkg");
    expect(example.code).toContain('import { parse } from "@galaxy/cronutil";');
    expect(example.code).not.toContain("not the example");
    expect(example.expectedOutput).toBe("1 function\n");
  });

  it("ignores an output block separated from the example by prose", () => {
    const readme = README.replace("```text output", "Some prose.\n\n```text output");
    expect(extractExample(readme, "pkg").expectedOutput).toBeUndefined();
  });

  it("refuses a README with no or two examples", () => {
    expect(() => extractExample("# nothing", "pkg")).toThrow(/exactly one/);
    expect(() => extractExample(`${README}\n${README}`, "pkg")).toThrow(/found 2/);
  });
});

describe("the CommonJS form of an example", () => {
  const code = extractExample(README, "pkg").code;

  it("keeps the imports on top and wraps the rest in an async main()", () => {
    const cjs = toCommonJsModule(code);
    expect(cjs.startsWith('import { parse } from "@galaxy/cronutil";')).toBe(true);
    expect(cjs).toMatch(/async function main\(\): Promise<void> \{[\s\S]*await Promise/);
  });

  it("compiles to require() as .cts and keeps import as .mts", () => {
    expect(transpile(toCommonJsModule(code), "example.cts")).toContain(
      'require("@galaxy/cronutil")',
    );
    const esm = transpile(code, "example.mts");
    expect(esm).toContain('from "@galaxy/cronutil"');
    expect(esm).not.toContain(": number");
  });

  it("refuses an example that exports", () => {
    expect(() => toCommonJsModule("export const x = 1;")).toThrow(/must not export/);
  });
});

describe("import scanning", () => {
  it("names packages of static, dynamic, require and side-effect imports, not builtins or paths", () => {
    const source = [
      'import { a } from "hono/http-exception";',
      'export { b } from "@scope/pkg/sub";',
      'const c = require("pg");',
      'const d = await import("zod");',
      'import "side-effect";',
      'import { e } from "./local.js";',
      'import { f } from "node:fs";',
      'const g = require("events");',
    ].join("\n");
    expect([...importedPackages(source)].sort()).toEqual(
      ["@scope/pkg", "hono", "pg", "side-effect", "zod"].sort(),
    );
    expect(packageOfSpecifier("../x")).toBeNull();
  });
});

describe("workspaceClosure", () => {
  const manifest = (name: string, dependencies: Record<string, string> = {}): Manifest => ({
    name,
    version: "0.1.0",
    dependencies,
  });

  it("follows workspace: ranges transitively and nothing else", () => {
    const all = [
      manifest("@galaxy/a", { "@galaxy/b": "workspace:^", zod: "catalog:" }),
      manifest("@galaxy/b", { "@galaxy/c": "workspace:*" }),
      manifest("@galaxy/c"),
    ];
    expect(workspaceClosure("@galaxy/a", all).sort()).toEqual(["@galaxy/b", "@galaxy/c"]);
    expect(workspaceClosure("@galaxy/c", all)).toEqual([]);
  });

  it("fails for a workspace dependency that is not listed", () => {
    expect(() =>
      workspaceClosure("@galaxy/a", [manifest("@galaxy/a", { "@galaxy/x": "workspace:*" })]),
    ).toThrow(/not listed/);
  });
});
