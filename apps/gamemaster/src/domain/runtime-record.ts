import type { RuntimeStatus } from "./runtime-status.js";

/** The runtime state GM keeps for one game (`runtime_records`, docs/reference.md#persistence). */
export interface RuntimeRecord {
  gameId: string;
  status: RuntimeStatus;
  engineEndpoint: string;
  currentImageRef: string;
  currentEngineVersion: string;
  turnSchedule: string;
  currentTurn: number;
  /** Null when the game is not scheduled. */
  nextGenerationAt: Date | null;
  skipNextTick: boolean;
  /** Engine health summary string, '' until known. */
  engineHealth: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  stoppedAt: Date | null;
  finishedAt: Date | null;
  /**
   * Stats of the last engine answer; snapshots without an engine answer
   * (failure, stop, health) repeat them, because Lobby replaces its view of a
   * game's stats with every snapshot. `[]` until the first answer.
   */
  lastPlayerStats: PlayerTurnStats[];
  /** Stream id of the last `runtime:health_events` entry applied ('' = none). */
  lastHealthEventId: string;
  /**
   * The claim of the turn or registration in flight (docs/decisions/095-gm-multi-instance-leases.md):
   * the instance holding it, the token its writes guard on, until when, and
   * what claimed it. Absent or null: nothing is in flight.
   */
  leaseOwner?: string | null;
  leaseToken?: string | null;
  leaseExpiresAt?: Date | null;
  leaseTrigger?: LeaseTrigger | null;
}

/** What claimed a turn: a regular tick or an operator's force-next-turn. */
export type LeaseTrigger = "scheduler" | "force";

/** The lease columns cleared, for the write that settles an attempt. */
export const RELEASED_LEASE = {
  leaseOwner: null,
  leaseToken: null,
  leaseExpiresAt: null,
  leaseTrigger: null,
} as const satisfies Partial<RuntimeRecord>;

/** Columns a CAS or an unconditional update may change besides the status. */
export type RuntimeRecordPatch = Partial<
  Pick<
    RuntimeRecord,
    | "currentTurn"
    | "nextGenerationAt"
    | "skipNextTick"
    | "engineHealth"
    | "currentImageRef"
    | "currentEngineVersion"
    | "startedAt"
    | "stoppedAt"
    | "finishedAt"
    | "lastPlayerStats"
    | "lastHealthEventId"
    | "leaseOwner"
    | "leaseToken"
    | "leaseExpiresAt"
    | "leaseTrigger"
  >
>;

/** Player statistics published with lobby events (docs/reference.md#streams). */
export interface PlayerTurnStats {
  userId: string;
  planets: number;
  population: number;
}

/** One `player_mappings` row: which race a user plays and the engine's id for it. */
export interface PlayerMapping {
  gameId: string;
  userId: string;
  raceName: string;
  enginePlayerUuid: string;
  createdAt: Date;
}
