/**
 * The shared packages that other teams consume, and what their README example needs. A package
 * opts in to the packaging suite (attw, publint, manifest rules, consumer tests) with one entry.
 */
export interface PackageEntry {
  /** The package's directory, relative to the repository root. */
  readonly dir: string;
  /**
   * Servers the README example talks to. The harness creates an isolated database / key prefix
   * for each run and passes `DATABASE_URL`, or `REDIS_URL` and `REDIS_KEY_PREFIX`.
   */
  readonly services?: readonly ("postgres" | "redis")[];
  /**
   * Packages the README example imports besides the package itself and what npm installs with it
   * (dependencies and peers). A bare name takes its range from the workspace catalog; `name@range`
   * gives one.
   */
  readonly exampleDependencies?: readonly string[];
}

export const PACKAGES: readonly PackageEntry[] = [
  { dir: "packages/cronutil" },
  { dir: "packages/errors", exampleDependencies: ["@hono/zod-openapi", "zod"] },
  { dir: "packages/postgres", services: ["postgres"] },
  { dir: "packages/redisconn", services: ["redis"] },
  { dir: "packages/notificationintent", services: ["redis"] },
];
