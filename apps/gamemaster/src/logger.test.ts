import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createLogger, withInstanceId } from "./logger.js";

function sink() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) {
        if (line === "") continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, raw, stream };
}

describe("logger", () => {
  it("writes service and instance id on every line, children included", () => {
    const { lines, stream } = sink();
    const logger = createLogger({ level: "info", instanceId: "gm-a:7" }, stream);
    logger.info({}, "one");
    logger.child({ worker: "scheduler" }).warn({ game_id: "g1" }, "two");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({ service: "gamemaster", instance_id: "gm-a:7" });
    }
  });

  it("binds the instance id to a logger that lacks it, once", () => {
    const { lines, raw, stream } = sink();
    const bare = withInstanceId(pino({ level: "info" }, stream), "gm-b:8");
    const own = createLogger({ level: "info", instanceId: "gm-c:9" }, stream);
    bare.info({}, "bare");
    withInstanceId(own, "ignored").info({}, "own");
    expect(lines.map((line) => line.instance_id)).toEqual(["gm-b:8", "gm-c:9"]);
    for (const line of raw) {
      expect(line.match(/"instance_id"/g)).toHaveLength(1);
    }
  });
});
