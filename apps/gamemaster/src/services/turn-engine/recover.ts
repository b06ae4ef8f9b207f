import type { RuntimeRecord } from "../../domain/runtime-record.js";
import type { Clock } from "../../ports/clock.js";
import type { Logger } from "../../ports/logger.js";
import type { RuntimeRecordStore } from "../../ports/runtime-record-store.js";
import type { OperationContext } from "../operation-context.js";
import type { RecoveryOutcome, TurnGenerationService } from "../turn-generation.js";

/** What recovery did with an abandoned `starting` record. */
export type RegistrationRecoveryOutcome =
  /** The engine was initialised: the registration was finished. */
  | "registered"
  /** The engine was not initialised (or its roster does not match): the record is gone. */
  | "rolled_back"
  /** Another instance recovered it first. */
  | "taken"
  /** The engine or Lobby did not answer; a later sweep retries. */
  | "pending";

/** The registrations side of recovery (RegisterRuntimeService). */
export interface RegistrationRecovery {
  recoverAbandoned(
    record: RuntimeRecord,
    ctx: OperationContext,
  ): Promise<RegistrationRecoveryOutcome>;
}

/** Collaborators of {@link LeaseRecovery}. */
export interface LeaseRecoveryDeps {
  runtimeRecords: RuntimeRecordStore;
  turnGeneration: Pick<TurnGenerationService, "recover" | "isInFlight">;
  registrations: RegistrationRecovery;
  clock: Clock;
  logger: Logger;
  /**
   * A record in generation_in_progress or starting without any lease (left
   * by a GM version that took none) is recovered once it is this old: an
   * attempt of such a version may still be running until its engine timeout.
   */
  unleasedGraceMs: number;
  /** Games recovered in parallel. */
  concurrency: number;
  /**
   * This instance's id: its first sweep also takes back the leases its id
   * still holds from before a restart, without waiting for them to expire.
   */
  owner?: string;
}

/** Result of one {@link LeaseRecovery.sweep}. */
export interface RecoverySweep {
  /** Records with an expired lease found. */
  examined: number;
  outcomes: Partial<Record<RecoveryOutcome | RegistrationRecoveryOutcome, number>>;
}

const PAGE_SIZE = 200;
/** Bounds one sweep; what is left waits for the next interval. */
const MAX_PAGES = 50;

/**
 * The recover step, run by every instance on a timer (workers/recovery.ts):
 * finds the games whose lease expired — their instance died, or could not
 * write the outcome — and settles each through the engine
 * (TurnGenerationService.recover) or, for a registration that died
 * mid-way, through RegisterRuntimeService.recoverAbandoned. Each recovery
 * first takes the lease over, so instances sweeping at the same moment never
 * settle a game twice.
 */
export class LeaseRecovery {
  private swept = false;

  constructor(private readonly deps: LeaseRecoveryDeps) {}

  async sweep(): Promise<RecoverySweep> {
    const sweep: RecoverySweep = { examined: 0, outcomes: {} };
    const now = this.deps.clock.now();
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const ownedBy = this.swept ? undefined : this.deps.owner;
      const expired = await this.deps.runtimeRecords.listExpiredLeases({
        now,
        unleasedBefore: new Date(now.getTime() - this.deps.unleasedGraceMs),
        limit: PAGE_SIZE,
        ...(ownedBy === undefined ? {} : { ownedBy }),
      });
      this.swept = true;
      const candidates = expired.filter(
        (record) => !this.deps.turnGeneration.isInFlight(record.gameId),
      );
      for (let index = 0; index < candidates.length; index += this.deps.concurrency) {
        const batch = candidates.slice(index, index + this.deps.concurrency);
        const outcomes = await Promise.all(batch.map((record) => this.recoverOne(record)));
        for (const outcome of outcomes) {
          sweep.examined += 1;
          sweep.outcomes[outcome] = (sweep.outcomes[outcome] ?? 0) + 1;
        }
      }
      // A recovered (or taken, or retried) game holds a live lease again and
      // is not listed twice; a short page was the last one.
      if (expired.length < PAGE_SIZE || candidates.length === 0) {
        return sweep;
      }
    }
    return sweep;
  }

  private async recoverOne(
    record: RuntimeRecord,
  ): Promise<RecoveryOutcome | RegistrationRecoveryOutcome> {
    const logger = this.deps.logger.child({
      game_id: record.gameId,
      op_source: "scheduler",
      dead_owner: record.leaseOwner ?? null,
    });
    const ctx: OperationContext = {
      opSource: "scheduler",
      sourceRef: `recovery:${record.leaseOwner ?? "unleased"}`,
      logger,
    };
    try {
      if (record.status === "starting") {
        return await this.deps.registrations.recoverAbandoned(record, ctx);
      }
      return await this.deps.turnGeneration.recover(record, ctx);
    } catch (error) {
      logger.error({ err: error }, "recovering a game whose lease expired failed; retried later");
      return "pending";
    }
  }
}
