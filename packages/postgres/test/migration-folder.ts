import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One migration of a fixture folder. */
export interface FixtureMigration {
  tag: string;
  /** Statements, joined with drizzle-kit's breakpoint marker. */
  statements: string[];
}

/** A drizzle-kit style migrations folder on disk, for tests. */
export interface MigrationFolder {
  path: string;
  /** Rewrites the folder with `migrations` (journal + one .sql file each). */
  write(migrations: FixtureMigration[]): Promise<void>;
  remove(): Promise<void>;
}

/** Creates an empty temporary migrations folder. */
export async function createMigrationFolder(): Promise<MigrationFolder> {
  const path = await mkdtemp(join(tmpdir(), "galaxy-migrations-"));
  return {
    path,
    async write(migrations) {
      await mkdir(join(path, "meta"), { recursive: true });
      const base = 1_700_000_000_000;
      const journal = {
        version: "7",
        dialect: "postgresql",
        entries: migrations.map((migration, idx) => ({
          idx,
          version: "7",
          when: base + idx * 1_000,
          tag: migration.tag,
          breakpoints: true,
        })),
      };
      await writeFile(join(path, "meta", "_journal.json"), JSON.stringify(journal, null, 2));
      for (const migration of migrations) {
        await writeFile(
          join(path, `${migration.tag}.sql`),
          migration.statements.join("\n--> statement-breakpoint\n"),
        );
      }
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
