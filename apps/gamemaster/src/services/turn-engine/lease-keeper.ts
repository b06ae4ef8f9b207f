import type { Clock } from "../../ports/clock.js";
import type { Logger } from "../../ports/logger.js";
import type { RuntimeRecordStore } from "../../ports/runtime-record-store.js";

/** Options of {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  runtimeRecords: Pick<RuntimeRecordStore, "renewLeases">;
  clock: Clock;
  logger: Logger;
  /** `GAMEMASTER_TURN_LEASE`. */
  leaseMs: number;
}

/**
 * Keeps the leases of this instance's attempts alive while their engine
 * calls run: every third of the lease, ONE statement moves the expiry of
 * every token held, however many turns are in flight. A renewal that finds
 * fewer rows than tokens means another instance took a game over (this one
 * stalled longer than the lease): that attempt's settle loses its CAS and is
 * discarded.
 */
export class LeaseKeeper {
  private readonly tokens = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {}

  /** When a lease taken now expires. */
  expiry(): Date {
    return new Date(this.options.clock.now().getTime() + this.options.leaseMs);
  }

  hold(token: string): void {
    this.tokens.add(token);
    if (this.timer === undefined) {
      const period = Math.max(10, Math.floor(this.options.leaseMs / 3));
      this.timer = setInterval(() => void this.renew(), period);
      this.timer.unref();
    }
  }

  release(token: string): void {
    this.tokens.delete(token);
    if (this.tokens.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get held(): number {
    return this.tokens.size;
  }

  /** One renewal of every lease held (the timer's work; tests call it directly). */
  renew(): Promise<void> {
    if (this.renewing !== undefined || this.tokens.size === 0) {
      return this.renewing ?? Promise.resolve();
    }
    const tokens = [...this.tokens];
    this.renewing = this.options.runtimeRecords
      .renewLeases(tokens, this.expiry())
      .then(
        (held) => {
          if (held < tokens.length) {
            this.options.logger.warn(
              { leases: tokens.length, still_held: held },
              "leases lost to another instance while their turns ran; those outcomes will be discarded",
            );
          }
        },
        (error: unknown) => {
          // The next period retries; a lease lasts three periods.
          this.options.logger.warn({ err: error }, "lease renewal failed");
        },
      )
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }
}
