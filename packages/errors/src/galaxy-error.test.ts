import { describe, expect, it } from "vitest";
import { ERROR_CODES, ERROR_STATUS } from "./codes.js";
import { errorEnvelope, GalaxyError, isGalaxyError } from "./galaxy-error.js";

describe("GalaxyError", () => {
  it("carries the code, the status of the code and the message", () => {
    for (const code of ERROR_CODES) {
      const error = new GalaxyError(code, `boom ${code}`);
      expect(error.code).toBe(code);
      expect(error.status).toBe(ERROR_STATUS[code]);
      expect(error.message).toBe(`boom ${code}`);
      expect(error.name).toBe("GalaxyError");
      expect(error).toBeInstanceOf(Error);
      expect(error.toEnvelope()).toEqual({ error: { code, message: `boom ${code}` } });
    }
  });

  it("keeps the cause", () => {
    const cause = new Error("socket hang up");
    expect(new GalaxyError("engine_unreachable", "engine unreachable", { cause }).cause).toBe(
      cause,
    );
  });

  it("is recognised by isGalaxyError, plain errors are not", () => {
    expect(isGalaxyError(new GalaxyError("conflict", "x"))).toBe(true);
    expect(isGalaxyError(new Error("x"))).toBe(false);
    expect(isGalaxyError({ code: "conflict", status: 409, message: "x" })).toBe(false);
    expect(isGalaxyError(null)).toBe(false);
    expect(isGalaxyError("conflict")).toBe(false);
  });

  it("is recognised across copies of the package through its brand", () => {
    const foreign = new Error("from another copy");
    Object.defineProperty(foreign, Symbol.for("@galaxy/errors.GalaxyError"), { value: true });
    expect(isGalaxyError(foreign)).toBe(true);
  });
});

describe("errorEnvelope", () => {
  it("builds the one envelope shape", () => {
    expect(errorEnvelope("not_found", "runtime not found")).toEqual({
      error: { code: "not_found", message: "runtime not found" },
    });
  });
});
