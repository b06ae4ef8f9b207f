import { afterAll, beforeAll, beforeEach } from "vitest";
import { type Stack, type StackOptions, startStack } from "./stack.js";

/**
 * Registers the suite's lifecycle around one stack: started in `beforeAll`, every service's
 * recent output printed when a test fails, everything stopped and cleaned up in `afterAll`
 * (also when the start itself failed half-way). Returns an accessor for the tests.
 */
export function useStack(options: StackOptions): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(options);
  }, 120_000);
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      if (stack !== undefined) {
        console.error(`=== service output (${options.label}) ===\n${stack.dumpLogs()}`);
      }
    });
  });
  afterAll(async () => {
    await stack?.close();
  }, 60_000);
  return () => {
    if (stack === undefined) throw new Error("the stack did not start (see beforeAll)");
    return stack;
  };
}
