import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { applyHeapTuning } from "./heap-tuning.js";

const required = {
  GAMEMASTER_POSTGRES_URL: "postgres://gm@db:5432/gm",
  GAMEMASTER_REDIS_URL: "redis://redis:6379/0",
  GAMEMASTER_LOBBY_BASE_URL: "http://lobby:8081",
  GAMEMASTER_RTM_BASE_URL: "http://rtm:8082",
};

describe("applyHeapTuning", () => {
  it("sets V8's heap growing factor from GAMEMASTER_HEAP_GROWING_PERCENT (50 by default)", () => {
    const set: string[] = [];
    applyHeapTuning(loadConfig(required), (flags) => set.push(flags));
    applyHeapTuning(loadConfig({ ...required, GAMEMASTER_HEAP_GROWING_PERCENT: "120" }), (flags) =>
      set.push(flags),
    );
    expect(set).toEqual(["--heap-growing-percent=50", "--heap-growing-percent=120"]);
  });

  it("leaves V8 alone with 0", () => {
    const set: string[] = [];
    const config = loadConfig({ ...required, GAMEMASTER_HEAP_GROWING_PERCENT: "0" });
    expect(applyHeapTuning(config, (flags) => set.push(flags))).toBeUndefined();
    expect(set).toEqual([]);
  });

  it.each(["-1", "1001", "lots", "1.5"])("refuses GAMEMASTER_HEAP_GROWING_PERCENT=%s", (value) => {
    expect(() => loadConfig({ ...required, GAMEMASTER_HEAP_GROWING_PERCENT: value })).toThrow(
      /GAMEMASTER_HEAP_GROWING_PERCENT/,
    );
  });
});
