import { describe, expect, it } from "vitest";
import { codeForStatus, ERROR_CODES, ERROR_STATUS, isErrorCode } from "./codes.js";

describe("error code table", () => {
  it("maps every stable code to the status of docs/reference.md#error-codes", () => {
    expect(ERROR_STATUS).toEqual({
      invalid_request: 400,
      forbidden: 403,
      not_found: 404,
      runtime_not_found: 404,
      engine_version_not_found: 404,
      conflict: 409,
      runtime_not_running: 409,
      engine_version_in_use: 409,
      semver_patch_only: 422,
      engine_validation_error: 422,
      internal_error: 500,
      engine_unreachable: 502,
      engine_protocol_violation: 502,
      runtime_manager_unavailable: 502,
      service_unavailable: 503,
    });
  });

  it("lists exactly the codes of the table", () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  it("is frozen", () => {
    expect(Object.isFrozen(ERROR_STATUS)).toBe(true);
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });

  it("recognises stable codes only", () => {
    expect(isErrorCode("conflict")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode("teapot")).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });

  it("derives a code from an arbitrary HTTP status", () => {
    expect(codeForStatus(400)).toBe("invalid_request");
    expect(codeForStatus(413)).toBe("invalid_request");
    expect(codeForStatus(415)).toBe("invalid_request");
    expect(codeForStatus(401)).toBe("forbidden");
    expect(codeForStatus(403)).toBe("forbidden");
    expect(codeForStatus(404)).toBe("not_found");
    expect(codeForStatus(405)).toBe("not_found");
    expect(codeForStatus(409)).toBe("conflict");
    expect(codeForStatus(503)).toBe("service_unavailable");
    expect(codeForStatus(500)).toBe("internal_error");
    expect(codeForStatus(504)).toBe("internal_error");
  });
});
