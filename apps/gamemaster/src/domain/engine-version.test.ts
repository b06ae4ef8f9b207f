import { describe, expect, it } from "vitest";
import {
  compareVersions,
  dockerReferenceError,
  isPatchUpgrade,
  isValidDockerReference,
  isValidSemver,
} from "./engine-version.js";

describe("isValidSemver", () => {
  it.each([
    "0.0.0",
    "1.2.3",
    "10.20.30",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-0.3.7",
    "1.0.0-x.7.z.92",
    "1.0.0+20130313144700",
    "1.0.0-beta+exp.sha.5114f85",
  ])("accepts %s", (version) => {
    expect(isValidSemver(version)).toBe(true);
  });

  it.each([
    "",
    "1",
    "1.2",
    "v1.2.3",
    "=1.2.3",
    " 1.2.3",
    "1.2.3 ",
    "01.2.3",
    "1.02.3",
    "1.2.03",
    "1.2.3-",
    "1.2.3-01",
    "1.2.3+",
    "1.2.3.4",
    "latest",
    "1.2.x",
    `1.2.3-${"a".repeat(200)}`,
  ])("refuses %j", (version) => {
    expect(isValidSemver(version)).toBe(false);
  });
});

describe("isPatchUpgrade (the patch-only rule)", () => {
  it.each([
    ["1.2.3", "1.2.4", true, "patch bump"],
    ["1.2.3", "1.2.30", true, "larger patch bump"],
    ["1.2.4", "1.2.3", true, "patch rollback"],
    ["1.2.3", "1.2.4-rc.1", true, "pre-release of the next patch"],
    ["1.2.3-rc.1", "1.2.3", true, "release of the pre-release"],
    ["1.2.3", "1.2.3+build.7", true, "other build metadata names another entry"],
    ["0.1.0", "0.1.9", true, "0.x patch"],
    ["1.2.3", "1.2.3", false, "same version"],
    ["1.2.3", "1.3.0", false, "minor bump"],
    ["1.2.3", "1.1.9", false, "minor rollback"],
    ["1.2.3", "2.2.3", false, "major bump"],
    ["1.2.3", "0.2.3", false, "major rollback"],
    ["0.1.0", "0.2.0", false, "0.x minor"],
    ["1.2.3", "v1.2.4", false, "invalid next"],
    ["garbage", "1.2.4", false, "invalid current"],
  ])("%s -> %s is %s (%s)", (current, next, expected) => {
    expect(isPatchUpgrade(current, next)).toBe(expected);
  });
});

describe("compareVersions", () => {
  it("orders by semver precedence, not by string", () => {
    const sorted = ["1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.9", "2.0.0"].sort(compareVersions);
    expect(sorted).toEqual(["0.9.9", "1.2.0-rc.1", "1.2.0", "1.10.0", "2.0.0"]);
  });
});

describe("Docker image reference validation", () => {
  const sha256 = "a".repeat(64);
  it.each([
    "ubuntu",
    "library/ubuntu",
    "galaxy/game",
    "galaxy/game:1.4.2",
    "galaxy/game:latest",
    "galaxy-game:v1_2",
    "registry.galaxy.internal/galaxy/game:1.4.2",
    "registry.galaxy.internal:5000/galaxy/game:1.4.2",
    "localhost:5000/game",
    "localhost/game:dev",
    "[::1]:5000/galaxy/game:1",
    "ghcr.io/org/sub/path/image:tag-with.dots_and-dashes",
    "a__b/c---d/e.f_g",
    `galaxy/game@sha256:${sha256}`,
    `galaxy/game:1.4.2@sha256:${sha256}`,
    `galaxy/game@sha512:${"b".repeat(128)}`,
    `galaxy/game@custom+alg:${"c".repeat(32)}`,
    `galaxy/game:${"t".repeat(128)}`,
    "Registry.Example.COM/galaxy/game",
    // Like Docker: an upper-case first component can only be a registry host.
    "Galaxy/game",
  ])("accepts %s", (reference) => {
    expect(dockerReferenceError(reference)).toBeNull();
    expect(isValidDockerReference(reference)).toBe(true);
  });

  it.each([
    ["", "empty"],
    ["Ubuntu", "upper case in a name without registry"],
    ["galaxy/Game", "upper case in the last component"],
    ["galaxy game", "space"],
    ["galaxy/game:", "empty tag"],
    ["galaxy/game:-tag", "tag starting with a dash"],
    [`galaxy/game:${"t".repeat(129)}`, "tag longer than 128"],
    ["galaxy//game", "empty path component"],
    ["/galaxy/game", "leading slash"],
    ["galaxy/game/", "trailing slash"],
    ["galaxy/-game", "component starting with a separator"],
    ["galaxy/game-", "component ending with a separator"],
    ["galaxy/ga...me", "three dots"],
    ["http://registry/galaxy/game", "scheme"],
    ["galaxy/game@sha256:abc", "short digest"],
    [`galaxy/game@sha256:${"a".repeat(63)}`, "sha256 digest of 63 hex"],
    [`galaxy/game@sha256:${"A".repeat(64)}`, "upper-case sha256 hex"],
    [`galaxy/game@sha256:${"g".repeat(64)}`, "non-hex digest"],
    ["galaxy/game:1.0@", "empty digest"],
    [`${"a".repeat(256)}/game`, "name longer than 255"],
    ["registry:port/game", "non-numeric port"],
  ])("refuses %j (%s)", (reference) => {
    expect(dockerReferenceError(reference)).not.toBeNull();
  });
});
