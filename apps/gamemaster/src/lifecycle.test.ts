import { describe, expect, it } from "vitest";
import { MemoryLogger } from "../test/support/fakes.js";
import { Lifecycle } from "./lifecycle.js";

describe("Lifecycle", () => {
  it("runs the hooks marked first before the others, each group last-registered first", async () => {
    const ran: string[] = [];
    const lifecycle = new Lifecycle(new MemoryLogger());
    lifecycle.onShutdown("recovery", () => {
      ran.push("recovery");
    });
    lifecycle.onShutdown(
      "scheduler",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        ran.push("scheduler");
      },
      { first: true },
    );
    lifecycle.onShutdown("health events", () => {
      ran.push("health events");
    });
    await lifecycle.shutdown();
    expect(ran).toEqual(["scheduler", "health events", "recovery"]);
  });

  it("logs a failing hook and still runs the rest, once", async () => {
    const ran: string[] = [];
    const logger = new MemoryLogger();
    const lifecycle = new Lifecycle(logger);
    lifecycle.onShutdown("a", () => {
      ran.push("a");
    });
    lifecycle.onShutdown("b", () => {
      throw new Error("boom");
    });
    await lifecycle.shutdown();
    await lifecycle.shutdown();
    expect(ran).toEqual(["a"]);
    expect(logger.lines.map((line) => line.msg)).toEqual(["shutdown hook failed"]);
  });
});
