import type { GmCallRecord } from "./gm-client.js";

/** Counter names exposed at `GET /_stub/metrics`. */
export const COUNTER_NAMES = [
  "games_created",
  "start_requests",
  "start_jobs_published",
  "start_resolve_failures",
  "job_results_applied",
  "job_results_skipped",
  "register_runtime_success",
  "register_runtime_failures",
  "games_paused",
  "pause_intents_published",
  "pause_intent_failures",
  "games_start_failed",
  "resume_success",
  "resume_failures",
  "invalidate_calls",
  "invalidate_failures",
  "lobby_events_applied",
  "lobby_events_skipped",
  "lobby_events_malformed",
  "lobby_events_duplicate",
  "games_finished",
  // Roster reads GM made: per-game calls, batch calls, and the distinct games the batches named,
  // so a test can tell one batch warm-up from a read per game.
  "memberships_reads",
  "memberships_lookups",
  "memberships_lookup_games",
] as const;

/** One of {@link COUNTER_NAMES}. */
export type CounterName = (typeof COUNTER_NAMES)[number];

const MAX_CALLS = 1_000;

/** Counters and the outgoing GM call log that the test-control endpoints expose. */
export class StubTelemetry {
  readonly #counters = new Map<CounterName, number>(COUNTER_NAMES.map((name) => [name, 0]));
  readonly #calls: GmCallRecord[] = [];

  /** Adds `by` (default 1) to a counter. */
  increment(name: CounterName, by = 1): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + by);
  }

  /** Current value of a counter. */
  counter(name: CounterName): number {
    return this.#counters.get(name) ?? 0;
  }

  /** Every counter, as a plain object. */
  counters(): Record<CounterName, number> {
    return Object.fromEntries(this.#counters) as Record<CounterName, number>;
  }

  /** Appends one GM call; only the newest {@link MAX_CALLS} are kept. */
  recordCall(record: GmCallRecord): void {
    this.#calls.push(record);
    if (this.#calls.length > MAX_CALLS) this.#calls.splice(0, this.#calls.length - MAX_CALLS);
  }

  /** Recorded GM calls, oldest first, optionally for one game only. */
  calls(gameId?: string): GmCallRecord[] {
    const selected =
      gameId === undefined ? this.#calls : this.#calls.filter((call) => call.game_id === gameId);
    return structuredClone(selected);
  }

  /** Clears counters and calls (test isolation when one process serves several scenarios). */
  reset(): void {
    for (const name of COUNTER_NAMES) this.#counters.set(name, 0);
    this.#calls.length = 0;
  }
}
