import { GalaxyError } from "@galaxy/errors";
import {
  compareVersions,
  dockerReferenceError,
  type EngineOptions,
  type EngineVersion,
  type EngineVersionStatus,
  isValidSemver,
} from "../domain/engine-version.js";
import type { Clock } from "../ports/clock.js";
import type { EngineVersionPatch, EngineVersionStore } from "../ports/engine-version-store.js";

/** Input of {@link EngineVersionService.create}. */
export interface CreateEngineVersionInput {
  version: string;
  imageRef: string;
  options?: EngineOptions;
}

/** Collaborators of {@link EngineVersionService}. */
export interface EngineVersionServiceDeps {
  engineVersions: EngineVersionStore;
  clock: Clock;
}

function notFound(version: string): GalaxyError {
  return new GalaxyError("engine_version_not_found", `engine version "${version}" not found`);
}

function assertImageRef(imageRef: string): void {
  const problem = dockerReferenceError(imageRef);
  if (problem !== null) {
    throw new GalaxyError("invalid_request", `image_ref: ${problem}`);
  }
}

/**
 * The engine-version registry (docs/reference.md#operations): CRUD for operators plus the
 * image-ref resolve Lobby calls before it asks RTM to start a container.
 */
export class EngineVersionService {
  constructor(private readonly deps: EngineVersionServiceDeps) {}

  /** Every version (optionally of one status), in semver order. */
  async list(status?: EngineVersionStatus): Promise<EngineVersion[]> {
    const versions = await this.deps.engineVersions.list(status);
    return versions.sort((a, b) => compareVersions(a.version, b.version));
  }

  /** One version; missing → `engine_version_not_found`. */
  async get(version: string): Promise<EngineVersion> {
    const found = isValidSemver(version) ? await this.deps.engineVersions.get(version) : null;
    if (found === null) {
      throw notFound(version);
    }
    return found;
  }

  /** Registers a new active version; a duplicate → `conflict`. */
  async create(input: CreateEngineVersionInput): Promise<EngineVersion> {
    if (!isValidSemver(input.version)) {
      throw new GalaxyError(
        "invalid_request",
        `version: "${input.version}" is not a semantic version (e.g. 1.4.2)`,
      );
    }
    assertImageRef(input.imageRef);
    const now = this.deps.clock.now();
    const created: EngineVersion = {
      version: input.version,
      imageRef: input.imageRef,
      options: input.options ?? {},
      status: "active",
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.engineVersions.insert(created);
    return created;
  }

  /** Changes `image_ref`, `options` and/or `status`. */
  async update(version: string, patch: EngineVersionPatch): Promise<EngineVersion> {
    if (patch.imageRef === undefined && patch.options === undefined && patch.status === undefined) {
      throw new GalaxyError(
        "invalid_request",
        "body: at least one of image_ref, options, status is required",
      );
    }
    if (patch.imageRef !== undefined) {
      assertImageRef(patch.imageRef);
    }
    if (!isValidSemver(version)) {
      throw notFound(version);
    }
    const updated = await this.deps.engineVersions.update(version, patch, this.deps.clock.now());
    if (updated === null) {
      throw notFound(version);
    }
    return updated;
  }

  /** Soft delete: status → deprecated (idempotent). */
  deprecate(version: string): Promise<EngineVersion> {
    return this.update(version, { status: "deprecated" });
  }

  /**
   * Hard delete, refused with `engine_version_in_use` while a non-terminal
   * runtime references the version.
   */
  async delete(version: string): Promise<void> {
    if (!isValidSemver(version)) {
      throw notFound(version);
    }
    const result = await this.deps.engineVersions.delete(version);
    if (result === "not_found") {
      throw notFound(version);
    }
    if (result === "in_use") {
      throw new GalaxyError(
        "engine_version_in_use",
        `engine version "${version}" is used by a runtime that is not stopped or finished`,
      );
    }
  }

  /** The image ref of an active version; missing or deprecated → `engine_version_not_found`. */
  async resolveImageRef(version: string): Promise<string> {
    const found = await this.get(version);
    if (found.status !== "active") {
      throw new GalaxyError(
        "engine_version_not_found",
        `engine version "${version}" is deprecated`,
      );
    }
    return found.imageRef;
  }
}
