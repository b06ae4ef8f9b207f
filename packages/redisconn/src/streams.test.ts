import { describe, expect, it } from "vitest";
import { fieldsToRecord, streamOffsetKey } from "./streams.js";

describe("fieldsToRecord", () => {
  it("pairs up flat fields", () => {
    expect(fieldsToRecord(["game_id", "g-1", "turn", "3"])).toEqual({ game_id: "g-1", turn: "3" });
    expect(fieldsToRecord([])).toEqual({});
  });

  it("keeps the last value of a repeated field and ignores a dangling name", () => {
    expect(fieldsToRecord(["a", "1", "a", "2", "b"])).toEqual({ a: "2" });
  });
});

describe("streamOffsetKey", () => {
  it("is stream_offsets:<label>", () => {
    expect(streamOffsetKey("health_events")).toBe("stream_offsets:health_events");
  });
});
