import { describe, expect, it } from "vitest";
import { parseRestOpSource } from "./operation.js";

describe("parseRestOpSource", () => {
  it.each([
    ["lobby_internal", "lobby_internal"],
    ["admin_rest", "admin_rest"],
    ["gateway", "gateway"],
    [" Gateway ", "gateway"],
    [undefined, "admin_rest"],
    [null, "admin_rest"],
    ["", "admin_rest"],
    ["scheduler", "admin_rest"],
    ["health_events", "admin_rest"],
    ["something", "admin_rest"],
  ])("%j → %s", (header, expected) => {
    expect(parseRestOpSource(header)).toBe(expected);
  });
});
