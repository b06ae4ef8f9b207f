import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGameMaster, type TestGameMaster } from "./support/gamemaster.js";

// /readyz and PostgreSQL errors of a reachable database, against a real GM and a real
// PostgreSQL (docs/decisions/102-gm-readiness-and-database-errors.md).

let t: TestGameMaster;

beforeAll(async () => {
  t = await startTestGameMaster({ label: "gm_readiness" });
});

afterAll(async () => {
  await t?.close();
});

describe("readiness tells the truth", () => {
  it("is ready at the latest migration and not ready once the schema falls behind", async () => {
    expect(await t.call("GET", "/readyz")).toMatchObject({
      status: 200,
      body: { status: "ready" },
    });

    // A restored backup or a hand-edited database: the newest migration is no longer recorded.
    const newest = await t.sql.query<{ id: number; hash: string; created_at: string }>(
      "SELECT id, hash, created_at FROM gamemaster.__drizzle_migrations ORDER BY created_at DESC LIMIT 1",
    );
    const row = newest.rows[0];
    if (row === undefined) throw new Error("no migration recorded after start-up");
    await t.sql.query("DELETE FROM gamemaster.__drizzle_migrations WHERE id = $1", [row.id]);
    try {
      expect(await t.call("GET", "/readyz")).toMatchObject({
        status: 503,
        body: { error: { code: "service_unavailable", message: "not ready: migrations" } },
      });
    } finally {
      await t.sql.query(
        "INSERT INTO gamemaster.__drizzle_migrations (id, hash, created_at) VALUES ($1, $2, $3)",
        [row.id, row.hash, row.created_at],
      );
    }
    expect((await t.call("GET", "/readyz")).status).toBe(200);
  });

  it("answers a missing table with 503 naming the schema, not a bare 500", async () => {
    await t.sql.query("ALTER TABLE gamemaster.runtime_records RENAME TO runtime_records_moved");
    try {
      const response = await t.call("GET", "/api/v1/internal/runtimes");
      expect(response).toMatchObject({
        status: 503,
        body: {
          error: {
            code: "service_unavailable",
            message: "database schema is not at the expected migration (SQLSTATE 42P01)",
          },
        },
      });
    } finally {
      await t.sql.query("ALTER TABLE gamemaster.runtime_records_moved RENAME TO runtime_records");
    }
    expect((await t.call("GET", "/api/v1/internal/runtimes")).status).toBe(200);
  });

  it("answers an unhandled constraint violation with 409 conflict", async () => {
    // A constraint the store does not translate itself (it only knows the primary key).
    await t.sql.query(
      "ALTER TABLE gamemaster.engine_versions ADD CONSTRAINT readiness_test_no_x CHECK (image_ref NOT LIKE '%forbidden%')",
    );
    try {
      const response = await t.call("POST", "/api/v1/internal/engine-versions", {
        version: "9.9.9",
        image_ref: "galaxy/forbidden:9.9.9",
      });
      expect(response).toMatchObject({
        status: 409,
        body: { error: { code: "conflict" } },
      });
      expect(JSON.stringify(response.body)).not.toContain("readiness_test_no_x");
    } finally {
      await t.sql.query(
        "ALTER TABLE gamemaster.engine_versions DROP CONSTRAINT readiness_test_no_x",
      );
    }
  });
});
