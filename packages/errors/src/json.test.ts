import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_JSON_DEPTH, jsonDepth, jsonTooDeep } from "./json.js";

describe("jsonDepth", () => {
  it("counts nested arrays and objects; scalars are depth 0", () => {
    expect(jsonDepth("1")).toBe(0);
    expect(jsonDepth('"x"')).toBe(0);
    expect(jsonDepth("{}")).toBe(1);
    expect(jsonDepth('{"a":[1,{"b":[]}],"c":{}}')).toBe(4);
    expect(jsonDepth("[[],[[]],[]]")).toBe(3);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonDepth('{"a":"[[[{{{"}')).toBe(1);
    expect(jsonDepth('["\\"[[[", "\\\\", [1]]')).toBe(2);
  });

  it("stops as soon as the limit is passed, on any size of input", () => {
    const deep = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
    expect(jsonDepth(deep, 32)).toBe(33);
    expect(jsonDepth(deep, 10)).toBe(11);
    expect(jsonDepth(`${"[".repeat(32)}${"]".repeat(32)}`)).toBe(DEFAULT_MAX_JSON_DEPTH);
  });

  it("gives the invalid_request of a too deep body", () => {
    const error = jsonTooDeep(32);
    expect(error.code).toBe("invalid_request");
    expect(error.message).toBe("invalid request: body nested deeper than 32 levels");
  });
});
