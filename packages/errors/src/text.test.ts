import { describe, expect, it } from "vitest";
import { findInvalidText, formatPath, invalidTextMessage, textProblem } from "./text.js";

describe("textProblem", () => {
  it("accepts ordinary text, including astral characters written as surrogate pairs", () => {
    expect(textProblem("")).toBeUndefined();
    expect(textProblem("Aelinari — ✓ 🚀 \u00e9\ud83d\ude80")).toBeUndefined();
    expect(textProblem("\u0001\t\n\u007f\uffff")).toBeUndefined();
  });

  it("refuses NUL anywhere", () => {
    expect(textProblem("\u0000")).toBe("must not contain NUL characters");
    expect(textProblem("a\u0000b")).toBe("must not contain NUL characters");
  });

  it("refuses a lone high or low surrogate, and reversed halves", () => {
    for (const value of ["\ud800", "a\udfff", "\udfff\ud800", "\ud83d", "x\ude80y", "\ud83dx"]) {
      expect(textProblem(value)).toBe("must not contain unpaired UTF-16 surrogates");
    }
  });
});

describe("findInvalidText", () => {
  it("returns undefined for storable values of every JSON type", () => {
    expect(
      findInvalidText({ a: [1, true, null, "x", { "b c": ["🚀"] }], n: 1.5, e: {} }),
    ).toBeUndefined();
    expect(findInvalidText(undefined)).toBeUndefined();
    expect(findInvalidText(42)).toBeUndefined();
  });

  it("names the path of a bad value at any depth", () => {
    expect(findInvalidText({ options: { flags: ["ok", "a\u0000b"] } })).toEqual({
      path: ["options", "flags", 1],
      problem: "must not contain NUL characters",
    });
    expect(findInvalidText({ members: [{ user_id: "u", race_name: "\udfff\ud800" }] })).toEqual({
      path: ["members", 0, "race_name"],
      problem: "must not contain unpaired UTF-16 surrogates",
    });
    expect(findInvalidText("\u0000")).toEqual({
      path: [],
      problem: "must not contain NUL characters",
    });
  });

  it("refuses a bad object key", () => {
    expect(findInvalidText({ options: { "k\u0000": 1 } })).toEqual({
      path: ["options", "k\u0000"],
      problem: "key must not contain NUL characters",
    });
  });

  it("reports the first bad string in document order", () => {
    expect(findInvalidText({ a: "\u0000", b: "\ud800" })?.path).toEqual(["a"]);
    expect(findInvalidText(["ok", ["\ud800"], "\u0000"])?.path).toEqual([1, 0]);
  });

  it("walks a value far deeper than the call stack allows", () => {
    let deep: unknown = "\u0000";
    for (let level = 0; level < 200_000; level += 1) deep = [deep];
    expect(findInvalidText(deep)?.path).toHaveLength(200_000);
  });
});

describe("invalidTextMessage / formatPath", () => {
  it("names the field, or the input when the path is empty", () => {
    expect(
      invalidTextMessage(
        { path: ["options", "flags", 0], problem: "must not contain NUL characters" },
        "body",
      ),
    ).toBe("invalid request: options.flags.0: must not contain NUL characters");
    expect(invalidTextMessage({ path: [], problem: "p" }, "body")).toBe("invalid request: body: p");
  });

  it("never repeats the bad characters and cuts long segments", () => {
    expect(formatPath(["k\u0000", "\ud800"])).toBe("k\ufffd.\ufffd");
    const long = formatPath(["x".repeat(500)]);
    expect(long).toBe(`${"x".repeat(64)}…`);
  });
});
