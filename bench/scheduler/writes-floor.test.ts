import { describe, expect, it } from "vitest";
import { writesShapes } from "./writes-floor.js";

describe("writesShapes", () => {
  it("reads BENCH_WRITES_SHAPES as workers × batch pairs, the default when unset", () => {
    expect(writesShapes("1x256, 8x32")).toEqual([
      { workers: 1, batch: 256 },
      { workers: 8, batch: 32 },
    ]);
    expect(writesShapes(undefined)).toEqual([
      { workers: 2, batch: 128 },
      { workers: 4, batch: 64 },
    ]);
  });

  it("leaves out what is not a pair of positive integers", () => {
    expect(writesShapes("4x64,x,0x10,3x,2.5x4,-1x8,2x128")).toEqual([
      { workers: 4, batch: 64 },
      { workers: 2, batch: 128 },
    ]);
  });
});
