import { describe, expect, it } from "vitest";
import { isEngineEndpoint, type RegistrationFields, registrationProblems } from "./registration.js";

const valid: RegistrationFields = {
  engineEndpoint: "http://engine:8080/games/g1",
  members: [
    { userId: "u1", raceName: "Aelinari" },
    { userId: "u2", raceName: "Borg" },
  ],
  targetEngineVersion: "1.4.2",
  turnSchedule: "0 */6 * * *",
};

describe("registrationProblems", () => {
  it("finds nothing wrong with a valid request", () => {
    expect(registrationProblems(valid)).toEqual([]);
  });

  it.each([
    [{ members: [] }, "members", "must not be empty"],
    [
      {
        members: [
          { userId: "u1", raceName: "A" },
          { userId: "u1", raceName: "B" },
        ],
      },
      "members.1.user_id",
      'duplicate user_id "u1"',
    ],
    [
      {
        members: [
          { userId: "u1", raceName: "A" },
          { userId: "u2", raceName: "A" },
        ],
      },
      "members.1.race_name",
      'duplicate race_name "A"',
    ],
    [{ turnSchedule: "61 * * * *" }, "turn_schedule", ""],
    [{ turnSchedule: "@daily" }, "turn_schedule", ""],
    [{ turnSchedule: "* * * *" }, "turn_schedule", ""],
    [{ targetEngineVersion: "v1.4.2" }, "target_engine_version", "not a semantic version"],
    [{ engineEndpoint: "ftp://engine/x" }, "engine_endpoint", "http(s)"],
    [{ engineEndpoint: "engine:8080" }, "engine_endpoint", "http(s)"],
    [{ engineEndpoint: "http://user:pw@engine" }, "engine_endpoint", "credentials"],
  ])("%j → problem at %s", (override, path, message) => {
    const problems = registrationProblems({ ...valid, ...override });
    expect(problems.map((problem) => problem.path.join("."))).toContain(path);
    const problem = problems.find((candidate) => candidate.path.join(".") === path);
    expect(problem?.message).toContain(message);
  });
});

describe("isEngineEndpoint", () => {
  it.each([
    ["http://galaxy-game-g1:8080", true],
    ["https://engine.internal/games/g1", true],
    ["http://127.0.0.1:9000/games/g1/", true],
    ["http://engine/x?y=1", false],
    ["http://engine/x#frag", false],
    ["file:///etc/passwd", false],
    ["not a url", false],
  ])("%s → %s", (text, expected) => {
    expect(isEngineEndpoint(text)).toBe(expected);
  });
});
