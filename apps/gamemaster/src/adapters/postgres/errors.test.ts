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
    ["unique violation", pgError("23505")],
    ["syntax error", pgError("42601")],
    ["plain error", new Error("boom")],
  ])("leaves %s alone", (_name, error) => {
    expect(isConnectionError(error)).toBe(false);
    expect(mapPostgresError(error, "get")).toBe(error);
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
