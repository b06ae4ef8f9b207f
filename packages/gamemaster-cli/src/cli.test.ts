import { GameMasterError } from "@galaxy/gamemaster-client";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import type { CliIo } from "./io.js";

// In-process checks that need no GM: argument parsing, confirmation, exit-code mapping. The
// built binary against a real GM is integration/cli.int.test.ts.

function fakeIo(answer: boolean | null) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    ask: async (question) => {
      asked.push(question);
      return answer;
    },
    // Nothing listens on port 1: a command that reached the network would exit 4, not 2 or 5.
    env: { GAMEMASTER_URL: "http://127.0.0.1:1" },
  };
  return { io, out, err, asked };
}

describe("runCli", () => {
  it("exits 2 for an unknown command, a bad option value and a missing argument", async () => {
    for (const argv of [
      ["runtimes", "lst"],
      ["ops", "g1", "--limit", "0"],
      ["runtimes", "get"],
    ]) {
      const { io, err } = fakeIo(true);
      expect(await runCli(argv, io), argv.join(" ")).toBe(EXIT.usage);
      expect(err.join("")).toMatch(/error:/);
    }
  });

  it("asks before a destructive command and exits 5, calling nothing, when the answer is no", async () => {
    const { io, asked, err } = fakeIo(false);
    expect(await runCli(["--url", "http://127.0.0.1:1", "turns", "force", "g1"], io)).toBe(
      EXIT.cancelled,
    );
    expect(asked).toEqual(["Generate a turn of g1 now?"]);
    expect(err.join("")).toContain("cancelled, nothing was changed");
  });

  it("refuses with 2 when no terminal can answer and --yes is missing", async () => {
    const { io, err } = fakeIo(null);
    expect(await runCli(["--url", "http://127.0.0.1:1", "runtimes", "stop", "g1"], io)).toBe(
      EXIT.usage,
    );
    expect(err.join("")).toContain("pass --yes");
  });

  it("skips the question with --yes (and then meets the unreachable GM: 4)", async () => {
    const { io, asked } = fakeIo(false);
    expect(
      await runCli(["--url", "http://127.0.0.1:1", "--yes", "races", "banish", "g1", "Borg"], io),
    ).toBe(EXIT.outage);
    expect(asked).toEqual([]);
  });

  it("answers --help with 0 on stdout", async () => {
    const { io, out } = fakeIo(null);
    expect(await runCli(["schedule", "preview", "--help"], io)).toBe(EXIT.ok);
    expect(out.join("")).toMatch(/^Usage: galaxy-gm schedule preview/);
  });
});

describe("exitCodeFor", () => {
  const error = (kind: "refused" | "unreachable", httpStatus: number | null, code: string) =>
    new GameMasterError(code, "m", { kind, httpStatus, operation: "GET /x" });

  it.each([
    [error("refused", 404, "runtime_not_found"), EXIT.refused],
    [error("refused", 409, "conflict"), EXIT.refused],
    [error("refused", 422, "semver_patch_only"), EXIT.refused],
    [error("refused", 502, "runtime_manager_unavailable"), EXIT.outage],
    [error("refused", 503, "service_unavailable"), EXIT.outage],
    [error("unreachable", null, "service_unavailable"), EXIT.outage],
  ])("maps %o to %i", (failure, code) => {
    expect(exitCodeFor(failure)).toBe(code);
  });
});
