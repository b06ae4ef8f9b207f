import { describe, expect, it } from "vitest";
import { HEALTH_EVENT_TYPES, healthStatusChange, healthSummary } from "./health.js";
import { canTransition, RUNTIME_STATUSES } from "./runtime-status.js";

describe("health summary rule (docs/reference.md#streams)", () => {
  it.each([
    ["container_started", "healthy"],
    ["probe_recovered", "healthy"],
    ["probe_failed", "probe_failed"],
    ["inspect_unhealthy", "inspect_unhealthy"],
    ["container_exited", "exited"],
    ["container_oom", "oom"],
    ["container_disappeared", "disappeared"],
  ] as const)("%s → %s", (eventType, summary) => {
    expect(healthSummary(eventType)).toBe(summary);
  });
});

describe("health status changes (docs/reference.md#runtime-status)", () => {
  it.each(["container_exited", "container_oom", "container_disappeared"] as const)(
    "%s moves running, generation_in_progress and generation_failed to engine_unreachable",
    (eventType) => {
      for (const status of RUNTIME_STATUSES) {
        const change = healthStatusChange(eventType, status);
        const expected = ["running", "generation_in_progress", "generation_failed"].includes(
          status,
        );
        expect(change).toEqual(expected ? { from: status, to: "engine_unreachable" } : null);
      }
    },
  );

  it.each(["container_started", "probe_recovered"] as const)(
    "%s moves only engine_unreachable back to running",
    (eventType) => {
      for (const status of RUNTIME_STATUSES) {
        const change = healthStatusChange(eventType, status);
        expect(change).toEqual(
          status === "engine_unreachable" ? { from: status, to: "running" } : null,
        );
      }
    },
  );

  it.each(["probe_failed", "inspect_unhealthy"] as const)("%s never changes the status", (type) => {
    for (const status of RUNTIME_STATUSES) {
      expect(healthStatusChange(type, status)).toBeNull();
    }
  });

  it("only asks for transitions the table allows", () => {
    for (const eventType of HEALTH_EVENT_TYPES) {
      for (const status of RUNTIME_STATUSES) {
        const change = healthStatusChange(eventType, status);
        if (change !== null) {
          expect(canTransition(change.from, change.to)).toBe(true);
        }
      }
    }
  });
});
