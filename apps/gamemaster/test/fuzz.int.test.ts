import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FuzzStack, formatReport, isClean, runFuzz, startFuzzStack } from "./fuzz/harness.js";

// The contract fuzz suite with a fixed seed and a modest count, so every run
// of `pnpm test` sends the same requests. `pnpm fuzz` runs it long with a
// random seed (apps/gamemaster/README.md, "Hostile input"; decision 113).
const SEED = 20_261_201;
const REQUESTS = Number(process.env.FUZZ_TEST_REQUESTS ?? 400);

let stack: FuzzStack;

beforeAll(async () => {
  stack = await startFuzzStack("gm_fuzz_test");
});

afterAll(async () => {
  await stack?.close();
});

describe("contract fuzz (fixed seed)", () => {
  it(`${REQUESTS} generated and mutated requests: no unexpected 5xx, no reset, every 4xx an envelope, nothing written by a refusal`, async () => {
    const report = await runFuzz(stack, { seed: SEED, requests: REQUESTS });
    const text = formatReport(report);
    expect(isClean(report), text).toBe(true);
    expect(report.requests).toBe(REQUESTS);
    // The generator must reach past validation, or the run proves little.
    const successes = Object.entries(report.statuses)
      .filter(([status]) => Number(status) < 300)
      .reduce((sum, [, count]) => sum + count, 0);
    expect(successes, text).toBeGreaterThan(REQUESTS / 20);
    expect(report.statuses["400"] ?? 0, text).toBeGreaterThan(REQUESTS / 4);
  }, 120_000);
});
