import { isGalaxyError } from "@galaxy/errors";
import { describe, expect, it } from "vitest";
import {
  assertTransition,
  canTransition,
  isRuntimeStatus,
  isTerminalStatus,
  RUNTIME_STATUSES,
  type RuntimeStatus,
} from "./runtime-status.js";

// docs/reference.md#runtime-status, written out independently of the implementation's table.
const ALLOWED: ReadonlyArray<readonly [RuntimeStatus, RuntimeStatus]> = [
  ["starting", "running"],
  ["running", "generation_in_progress"],
  ["generation_in_progress", "running"],
  ["generation_in_progress", "finished"],
  ["generation_in_progress", "generation_failed"],
  ["generation_failed", "generation_in_progress"],
  ["running", "stopped"],
  ["generation_failed", "stopped"],
  ["engine_unreachable", "stopped"],
  ["generation_in_progress", "stopped"],
  ["running", "engine_unreachable"],
  ["generation_in_progress", "engine_unreachable"],
  ["generation_failed", "engine_unreachable"],
  ["engine_unreachable", "running"],
];

const isAllowed = (from: RuntimeStatus, to: RuntimeStatus) =>
  ALLOWED.some(([a, b]) => a === from && b === to);

describe("runtime status transitions", () => {
  const pairs = RUNTIME_STATUSES.flatMap((from) =>
    RUNTIME_STATUSES.map((to) => [from, to] as const),
  );

  it("covers all 49 ordered pairs", () => {
    expect(pairs).toHaveLength(49);
  });

  it.each(pairs)("%s -> %s follows the docs/reference.md#runtime-status table", (from, to) => {
    const expected = isAllowed(from, to);
    expect(canTransition(from, to)).toBe(expected);
    if (expected) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      let thrown: unknown;
      try {
        assertTransition(from, to);
      } catch (error) {
        thrown = error;
      }
      expect(isGalaxyError(thrown) && thrown.code === "conflict").toBe(true);
    }
  });

  it("treats stopped and finished as terminal with no way out", () => {
    for (const status of RUNTIME_STATUSES) {
      expect(isTerminalStatus(status)).toBe(status === "stopped" || status === "finished");
    }
    for (const to of RUNTIME_STATUSES) {
      expect(canTransition("stopped", to)).toBe(false);
      expect(canTransition("finished", to)).toBe(false);
    }
  });

  it("recognises status names", () => {
    expect(isRuntimeStatus("running")).toBe(true);
    expect(isRuntimeStatus("RUNNING")).toBe(false);
    expect(isRuntimeStatus("paused")).toBe(false);
  });
});
