import { randomUUID } from "node:crypto";
import type { RuntimeRecord } from "../../domain/runtime-record.js";
import type { RuntimeStatus } from "../../domain/runtime-status.js";
import type { Clock } from "../../ports/clock.js";
import type { RuntimeRecordStore } from "../../ports/runtime-record-store.js";
import type { LeaseKeeper } from "./lease-keeper.js";

/** Statuses force-next-turn starts from (docs/reference.md#admin-operations). */
export const FORCEABLE_STATUSES: readonly RuntimeStatus[] = ["running", "generation_failed"];

/** Options of {@link TurnClaims}. */
export interface TurnClaimsOptions {
  runtimeRecords: RuntimeRecordStore;
  leases: LeaseKeeper;
  clock: Clock;
  /** `GAMEMASTER_INSTANCE_ID`: the owner written on every claim. */
  owner: string;
}

/**
 * The claim step: the only ways a turn starts. Each is one statement that
 * moves a game to generation_in_progress with a lease of this instance, so
 * of any number of instances (and of a scheduler tick and a force on the same
 * instance) exactly one gets the game.
 */
export class TurnClaims {
  constructor(private readonly options: TurnClaimsOptions) {}

  /** The scheduler's batch: up to `limit` due games, the earliest first. */
  due(limit: number): Promise<RuntimeRecord[]> {
    const { runtimeRecords, leases, clock, owner } = this.options;
    return runtimeRecords.claimDue({
      now: clock.now(),
      limit,
      owner,
      leaseExpiresAt: leases.expiry(),
    });
  }

  /** force-next-turn's claim of one game; null when it is not forceable or claimed already. */
  force(gameId: string): Promise<RuntimeRecord | null> {
    const { runtimeRecords, leases, clock, owner } = this.options;
    return runtimeRecords.claim({
      gameId,
      from: FORCEABLE_STATUSES,
      owner,
      token: randomUUID(),
      trigger: "force",
      leaseExpiresAt: leases.expiry(),
      now: clock.now(),
    });
  }

  /**
   * Recovery's claim of a game whose lease expired: a new token replaces
   * the dead one, so of several instances sweeping at once exactly one
   * recovers it. The status, the trigger and `updated_at` (the cutoff of the
   * interrupted turn) stay as they were.
   */
  takeOver(expired: RuntimeRecord): Promise<RuntimeRecord | null> {
    const { runtimeRecords, leases, owner } = this.options;
    if (expired.leaseToken == null) {
      return Promise.resolve(null);
    }
    return runtimeRecords.compareAndSet({
      gameId: expired.gameId,
      expected: { status: expired.status, leaseToken: expired.leaseToken },
      patch: { leaseOwner: owner, leaseToken: randomUUID(), leaseExpiresAt: leases.expiry() },
      now: expired.updatedAt,
    });
  }
}
