import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatZodError } from "./zod.js";

function errorOf(schema: z.ZodType, value: unknown): z.ZodError {
  const result = schema.safeParse(value);
  if (result.success) {
    throw new Error("expected a validation failure");
  }
  return result.error;
}

describe("formatZodError", () => {
  const schema = z.strictObject({
    members: z
      .array(z.strictObject({ user_id: z.string(), race_name: z.string() }))
      .min(1, "must not be empty"),
    status: z.enum(["active", "deprecated"]).optional(),
  });

  it("names unknown fields, nested paths and custom messages", () => {
    expect(formatZodError(errorOf(schema, { members: [], actor: "x", race: "y" }))).toBe(
      'members: must not be empty; unknown field "actor"; unknown field "race"',
    );
    expect(formatZodError(errorOf(schema, { members: [{ user_id: "u" }] }))).toBe(
      "members.0.race_name: required",
    );
  });

  it("keeps zod's message for other issues", () => {
    expect(formatZodError(errorOf(schema, { members: [{ user_id: 1, race_name: "r" }] }))).toBe(
      "members.0.user_id: Invalid input: expected string, received number",
    );
    expect(
      formatZodError(errorOf(schema, { members: [{ user_id: "u", race_name: "r" }], status: "x" })),
    ).toMatch(/^status: /);
  });

  it("gives a root-level issue without a path", () => {
    expect(formatZodError(errorOf(schema, "nope"))).toBe(
      "Invalid input: expected object, received string",
    );
  });

  it("drops duplicate lines", () => {
    const twice = new z.ZodError([
      { code: "custom", path: ["a"], message: "bad", input: 1 },
      { code: "custom", path: ["a"], message: "bad", input: 1 },
    ]);
    expect(formatZodError(twice)).toBe("a: bad");
  });
});
