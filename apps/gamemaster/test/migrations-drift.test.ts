import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "../src/adapters/postgres/migrations.js";
import * as schema from "../src/adapters/postgres/schema.js";

interface Journal {
  entries: { idx: number; tag: string }[];
}

function latestSnapshot(): Parameters<typeof generateMigration>[0] {
  const journal = JSON.parse(
    readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8"),
  ) as Journal;
  const last = journal.entries.at(-1);
  if (last === undefined) {
    throw new Error("drizzle/meta/_journal.json lists no migration");
  }
  const file = join(
    MIGRATIONS_FOLDER,
    "meta",
    `${String(last.idx).padStart(4, "0")}_snapshot.json`,
  );
  return JSON.parse(readFileSync(file, "utf8")) as Parameters<typeof generateMigration>[0];
}

describe("drizzle migrations", () => {
  it("match the drizzle schema (run `pnpm --filter @galaxy/gamemaster db:generate` after a schema change)", async () => {
    const committed = latestSnapshot();
    const current = generateDrizzleJson({ ...schema }, committed.id, ["gamemaster"], "snake_case");
    const pending = await generateMigration(committed, current);
    expect(pending).toEqual([]);
  });

  it("has an SQL file for every journal entry", () => {
    const journal = JSON.parse(
      readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8"),
    ) as Journal;
    for (const entry of journal.entries) {
      expect(() => readFileSync(join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), "utf8")).not.toThrow();
    }
  });
});
