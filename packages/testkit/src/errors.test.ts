import { describe, expect, it } from "vitest";
import { describeError, redactUrl } from "./errors.js";

describe("describeError", () => {
  it("uses the message, else the code, and joins an AggregateError's reasons", () => {
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError(Object.assign(new Error(""), { code: "ECONNREFUSED" }))).toBe(
      "ECONNREFUSED",
    );
    const refused = Object.assign(new Error("connect ECONNREFUSED ::1:1"), {
      code: "ECONNREFUSED",
    });
    const refused4 = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    expect(describeError(new AggregateError([refused, refused4], ""))).toBe(
      "connect ECONNREFUSED ::1:1, connect ECONNREFUSED 127.0.0.1:1",
    );
    expect(describeError("plain")).toBe("plain");
  });
});

describe("redactUrl", () => {
  it("hides the password and keeps the rest", () => {
    expect(redactUrl("postgres://gm:s3cret@db:5432/gm")).toBe("postgres://gm:***@db:5432/gm");
    expect(redactUrl("redis://127.0.0.1:6379/2")).toBe("redis://127.0.0.1:6379/2");
    expect(redactUrl("not a url")).toBe("not a url");
  });
});
