import semver from "semver";

/** Registry status of an engine version. */
export const ENGINE_VERSION_STATUSES = ["active", "deprecated"] as const;

/** `active` versions can be resolved; `deprecated` ones are kept for history only. */
export type EngineVersionStatus = (typeof ENGINE_VERSION_STATUSES)[number];

/** Free-form engine options stored with a version (a JSON object). */
export type EngineOptions = Record<string, unknown>;

/** One row of the engine-version registry. */
export interface EngineVersion {
  version: string;
  imageRef: string;
  options: EngineOptions;
  status: EngineVersionStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** Whether `value` names an engine-version status. */
export function isEngineVersionStatus(value: string): value is EngineVersionStatus {
  return (ENGINE_VERSION_STATUSES as readonly string[]).includes(value);
}

// The regular expression recommended by semver.org. It is stricter than
// `semver.valid`, which also takes a leading "v" or "=": the registry key must
// be one canonical spelling so that "v1.2.3" and "1.2.3" never coexist.
const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Longest version string accepted (it is a primary key and a URL segment). */
export const MAX_VERSION_LENGTH = 128;

/** Whether `version` is a canonical Semantic Versioning 2.0.0 string (no leading "v"). */
export function isValidSemver(version: string): boolean {
  return (
    version.length <= MAX_VERSION_LENGTH &&
    SEMVER_PATTERN.test(version) &&
    semver.parse(version) !== null
  );
}

/**
 * The patch-only rule of docs/reference.md#admin-operations: `next` must share major and minor with
 * `current` and differ from it. A patch downgrade is a patch too (it is how an
 * operator rolls back a bad patch); pre-release and build suffixes count as a
 * difference because they name a different registry entry. Invalid input → false.
 */
export function isPatchUpgrade(current: string, next: string): boolean {
  if (!isValidSemver(current) || !isValidSemver(next)) {
    return false;
  }
  const a = semver.parse(current);
  const b = semver.parse(next);
  if (a === null || b === null) {
    return false;
  }
  return a.major === b.major && a.minor === b.minor && current !== next;
}

/** Orders two valid versions by semver precedence, falling back to the string for ties. */
export function compareVersions(a: string, b: string): number {
  const byPrecedence = semver.compareBuild(a, b);
  if (byPrecedence !== 0) {
    return byPrecedence;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

// Docker image reference grammar, transcribed from distribution/reference
// (regexp.go). A reference is `name[:tag][@digest]`; the first path component
// of the name is a registry host only when it is followed by "/".
const ALPHANUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_NAME_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_NAME_COMPONENT}(?:\\.${DOMAIN_NAME_COMPONENT})*`;
const IPV6_ADDRESS = "\\[(?:[a-fA-F0-9:]+)\\]";
const HOST = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})`;
const DOMAIN_AND_PORT = `${HOST}(?::[0-9]+)?`;
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const NAME = `(?:${DOMAIN_AND_PORT}/)?${REMOTE_NAME}`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE_PATTERN = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** distribution/reference caps the repository name (domain + path) at 255 characters. */
export const MAX_IMAGE_NAME_LENGTH = 255;

// Registered digest algorithms have a fixed hex length (opencontainers/go-digest).
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * Validates a Docker image reference (`[host[:port]/]path[:tag][@algo:hex]`).
 * Returns `null` when valid, else a reason fit for an `invalid_request` message.
 */
export function dockerReferenceError(reference: string): string | null {
  if (reference.length === 0) {
    return "image reference must not be empty";
  }
  const match = REFERENCE_PATTERN.exec(reference);
  if (match === null) {
    return `image reference "${reference}" is not a valid Docker reference`;
  }
  const name = match[1] ?? "";
  if (name.length > MAX_IMAGE_NAME_LENGTH) {
    return `image reference name is longer than ${MAX_IMAGE_NAME_LENGTH} characters`;
  }
  const digest = match[3];
  if (digest !== undefined) {
    const [algorithm = "", hex = ""] = digest.split(":");
    const expected = DIGEST_HEX_LENGTH[algorithm];
    if (expected !== undefined && (hex.length !== expected || !/^[a-f0-9]+$/.test(hex))) {
      return `image reference digest ${algorithm} must have ${expected} lowercase hex characters`;
    }
  }
  return null;
}

/** Whether `reference` is a valid Docker image reference. */
export function isValidDockerReference(reference: string): boolean {
  return dockerReferenceError(reference) === null;
}
