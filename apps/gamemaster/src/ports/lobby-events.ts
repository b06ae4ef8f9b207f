import type { PlayerTurnStats } from "../domain/runtime-record.js";
import type { RuntimeStatus } from "../domain/runtime-status.js";

/** `runtime_snapshot_update` on `gm:lobby_events` (docs/reference.md#streams). */
export interface RuntimeSnapshotUpdate {
  gameId: string;
  currentTurn: number;
  runtimeStatus: RuntimeStatus;
  engineHealthSummary: string;
  playerTurnStats: readonly PlayerTurnStats[];
  occurredAt: Date;
}

/** `game_finished` on `gm:lobby_events` (docs/reference.md#streams). */
export interface GameFinishedEvent {
  gameId: string;
  finalTurnNumber: number;
  runtimeStatus: RuntimeStatus;
  playerTurnStats: readonly PlayerTurnStats[];
  finishedAt: Date;
}
