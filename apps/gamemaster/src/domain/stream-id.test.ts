import { describe, expect, it } from "vitest";
import { compareStreamIds, parseStreamId } from "./stream-id.js";

describe("compareStreamIds", () => {
  it("orders by time, then sequence, numerically rather than as text", () => {
    expect(compareStreamIds("9-0", "10-0")).toBeLessThan(0);
    expect(compareStreamIds("10-2", "10-10")).toBeLessThan(0);
    expect(compareStreamIds("10-10", "10-2")).toBeGreaterThan(0);
    expect(compareStreamIds("1700000000000-5", "1700000000000-5")).toBe(0);
  });

  it("treats '' (nothing applied yet) as older than any id", () => {
    expect(compareStreamIds("", "0-1")).toBeLessThan(0);
    expect(compareStreamIds("0-1", "")).toBeGreaterThan(0);
    expect(compareStreamIds("", "")).toBe(0);
  });

  it("handles ids beyond 2^53 exactly", () => {
    expect(compareStreamIds("9007199254740993-0", "9007199254740992-0")).toBeGreaterThan(0);
  });

  it("throws on something that is not a stream id", () => {
    expect(() => compareStreamIds("abc", "1-0")).toThrow(/not a stream id: abc/);
    expect(parseStreamId("01-0")).toBeNull();
  });
});
