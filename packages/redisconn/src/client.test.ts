import { describe, expect, it } from "vitest";
import { REDIS_DEFAULTS, retryDelay } from "./client.js";

describe("retryDelay", () => {
  it("backs off exponentially from 50 ms and caps at 2 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20, 1_000].map(retryDelay)).toEqual([
      50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000, 2_000,
    ]);
  });

  it("never returns a non-number (ioredis would stop reconnecting)", () => {
    expect(retryDelay(0)).toBe(REDIS_DEFAULTS.retryBaseDelayMs);
    expect(Number.isFinite(retryDelay(Number.MAX_SAFE_INTEGER))).toBe(true);
  });
});
