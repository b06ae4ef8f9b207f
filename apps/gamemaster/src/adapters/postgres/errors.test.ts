import { GalaxyError, isGalaxyError } from "@galaxy/errors";
import { describe, expect, it } from "vitest";
import { isConnectionError, mapPostgresError, sqlState, withPostgres } from "./errors.js";

function pgError(code: string, message = "pg error"): Error {
  return Object.assign(new Error(message), { code });
}

// drizzle wraps driver errors: "Failed query: …" with the pg error as cause.
function wrapped(cause: unknown): Error {
  return new Error("Failed query: select 1", { cause });
}

describe("PostgreSQL error mapping", () => {
  it.each([
    ["ECONNREFUSED", pgError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432")],
    ["ECONNRESET", pgError("ECONNRESET")],
    ["ETIMEDOUT", pgError("ETIMEDOUT")],
    [
      "admin shutdown 57P01",
      pgError("57P01", "terminating connection due to administrator command"),
    ],
    ["cannot connect now 57P03", pgError("57P03")],
    ["connection failure 08006", pgError("08006")],
    ["too many connections 53300", pgError("53300")],
    ["statement timeout 57014", pgError("57014")],
    ["pool connect timeout", new Error("timeout exceeded when trying to connect")],
    ["terminated connection", new Error("Connection terminated unexpectedly")],
    ["wrapped by drizzle", wrapped(pgError("ECONNREFUSED"))],
  ])("maps %s to service_unavailable", (_name, error) => {
    expect(isConnectionError(error)).toBe(true);
    const mapped = mapPostgresError(error, "get");
    expect(isGalaxyError(mapped) && [mapped.code, mapped.status, mapped.message]).toEqual([
      "service_unavailable",
      503,
      "database unavailable",
    ]);
  });

  it.each([
    ["syntax error", pgError("42601")],
    ["division by zero (a data exception)", pgError("22012")],
    ["plain error", new Error("boom")],
  ])("leaves %s alone (a GM bug: internal_error)", (_name, error) => {
    expect(isConnectionError(error)).toBe(false);
    expect(mapPostgresError(error, "get")).toBe(error);
  });

  it.each([
    [
      "undefined table 42P01",
      "42P01",
      "service_unavailable",
      "database schema is not at the expected migration",
    ],
    [
      "undefined column 42703",
      "42703",
      "service_unavailable",
      "database schema is not at the expected migration",
    ],
    [
      "missing schema 3F000",
      "3F000",
      "service_unavailable",
      "database schema is not at the expected migration",
    ],
    ["insufficient privilege 42501", "42501", "service_unavailable", "database refused access"],
    ["read-only transaction 25006", "25006", "service_unavailable", "database is read-only"],
    ["serialization failure 40001", "40001", "service_unavailable", "database busy, retry"],
    ["deadlock 40P01", "40P01", "service_unavailable", "database busy, retry"],
    ["disk full 53100", "53100", "service_unavailable", "database out of resources"],
    ["system error 58030", "58030", "service_unavailable", "database unavailable"],
    [
      "unhandled unique violation 23505",
      "23505",
      "conflict",
      "the change conflicts with data already stored",
    ],
    [
      "unhandled check violation 23514",
      "23514",
      "conflict",
      "the change conflicts with data already stored",
    ],
  ])("maps %s of a reachable database to a clear code", (_name, state, code, message) => {
    const original = pgError(state, 'relation "gamemaster.runtime_records" does not exist');
    const mapped = mapPostgresError(wrapped(original), "get");
    expect(isGalaxyError(mapped) && [mapped.code, mapped.message]).toEqual([
      code,
      `${message} (SQLSTATE ${state})`,
    ]);
    // PostgreSQL's own words stay in the cause (for the log), out of the envelope.
    expect(sqlState(mapped)).toBe(state);
  });

  it("passes GalaxyErrors through", () => {
    const error = new GalaxyError("conflict", "exists");
    expect(mapPostgresError(error, "insert")).toBe(error);
  });

  it("finds the SQLSTATE through the cause chain", () => {
    expect(sqlState(wrapped(pgError("23505")))).toBe("23505");
    expect(sqlState(wrapped(pgError("ECONNREFUSED")))).toBeUndefined();
  });

  it("withPostgres maps rejections", async () => {
    await expect(
      withPostgres("list", async () => {
        throw pgError("ECONNREFUSED");
      }),
    ).rejects.toMatchObject({ code: "service_unavailable" });
  });
});
