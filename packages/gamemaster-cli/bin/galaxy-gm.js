#!/usr/bin/env node
// The `galaxy-gm` executable. It lives outside dist/ so that pnpm links it
// into node_modules/.bin at install time, before the first build.
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    "galaxy-gm is not built yet: run `pnpm --filter @galaxy/gamemaster-cli... build` (or `pnpm build`)\n",
  );
  process.exit(1);
}
await import(main.href);
