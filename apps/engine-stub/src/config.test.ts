import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

describe("engine stub config", () => {
  it("uses the documented defaults", () => {
    expect(loadConfig({})).toEqual({
      port: 8090,
      host: "0.0.0.0",
      finishAtTurn: 0,
      callsLimit: 1000,
      logLevel: "info",
    });
  });

  it("reads every variable", () => {
    expect(
      loadConfig({
        ENGINE_STUB_HTTP_PORT: "9000",
        ENGINE_STUB_HTTP_HOST: "127.0.0.1",
        ENGINE_STUB_FINISH_AT_TURN: "12",
        ENGINE_STUB_CALLS_LIMIT: "50",
        LOG_LEVEL: "debug",
      }),
    ).toEqual({
      port: 9000,
      host: "127.0.0.1",
      finishAtTurn: 12,
      callsLimit: 50,
      logLevel: "debug",
    });
  });

  it("fails listing every bad variable", () => {
    expect(() =>
      loadConfig({
        ENGINE_STUB_HTTP_PORT: "http",
        ENGINE_STUB_FINISH_AT_TURN: "-2",
        LOG_LEVEL: "loud",
      }),
    ).toThrow(/ENGINE_STUB_HTTP_PORT.*ENGINE_STUB_FINISH_AT_TURN.*LOG_LEVEL/);
  });
});
