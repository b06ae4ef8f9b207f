import { describe, expect, it } from "vitest";
import { goAtoi, goFields, goLowerForNames, goTrimSpace } from "./go-strings.js";

describe("goAtoi (strconv.Atoi)", () => {
  it.each([
    ["0", 0n],
    ["5", 5n],
    ["05", 5n],
    ["+5", 5n],
    ["-5", -5n],
    ["-0", 0n],
    ["0000000000000000000000007", 7n],
    ["9223372036854775807", 9223372036854775807n],
    ["-9223372036854775808", -9223372036854775808n],
  ])("reads %j as %s", (text, value) => {
    expect(goAtoi(text)).toEqual({ ok: true, value });
  });

  it.each([
    "",
    "+",
    "-",
    "++1",
    "+-1",
    " 1",
    "1 ",
    "1_000",
    "0x1f",
    "1e3",
    "1.0",
    "\uff11",
    "\u0661",
  ])("rejects %j as invalid syntax", (text) => {
    const result = goAtoi(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("invalid syntax");
  });

  it.each(["9223372036854775808", "-9223372036854775809", "99999999999999999999"])(
    "rejects %j as out of range",
    (text) => {
      const result = goAtoi(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toContain("value out of range");
    },
  );
});

describe("goFields (strings.Fields)", () => {
  it("splits on runs of Go white space and drops empty pieces", () => {
    expect(goFields("  a\tb \n\r c\u00a0d\u0085e\u2003f\u3000g  ")).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
      "g",
    ]);
    expect(goFields("")).toEqual([]);
    expect(goFields(" \t ")).toEqual([]);
  });

  it("does not split on characters JavaScript but not Go treats as space", () => {
    expect(goFields("a\ufeffb")).toEqual(["a\ufeffb"]);
    expect(goFields("a\u180eb")).toEqual(["a\u180eb"]);
  });

  it("trims like strings.TrimSpace", () => {
    expect(goTrimSpace(" \t a b \u00a0")).toBe("a b");
  });
});

describe("goLowerForNames (strings.ToLower, as far as names go)", () => {
  it("lower-cases ASCII and the two non-ASCII letters Go maps onto ASCII", () => {
    expect(goLowerForNames("JaN")).toBe("jan");
    expect(goLowerForNames("FR\u0130")).toBe("fri");
    expect(goLowerForNames("\u212a")).toBe("k");
    expect(goLowerForNames("\u00c5")).toBe("\u00c5");
  });
});
