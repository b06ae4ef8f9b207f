import type {
  EngineOptions,
  EngineVersion,
  EngineVersionStatus,
} from "../domain/engine-version.js";

/** Columns an engine-version update may change. */
export interface EngineVersionPatch {
  imageRef?: string;
  options?: EngineOptions;
  status?: EngineVersionStatus;
}

/** Outcome of a hard delete. */
export type DeleteEngineVersionResult = "deleted" | "not_found" | "in_use";

/** Persistence of `engine_versions`. */
export interface EngineVersionStore {
  /** Every version, optionally of one status (unordered). */
  list(status?: EngineVersionStatus): Promise<EngineVersion[]>;
  get(version: string): Promise<EngineVersion | null>;
  /** Inserts a version; an existing one → GalaxyError `conflict`. */
  insert(version: EngineVersion): Promise<void>;
  /** Applies the patch; null when the version does not exist. */
  update(version: string, patch: EngineVersionPatch, now: Date): Promise<EngineVersion | null>;
  /**
   * Deletes the version unless a non-terminal runtime references it, checked
   * in the same statement as the delete.
   */
  delete(version: string): Promise<DeleteEngineVersionResult>;
}
