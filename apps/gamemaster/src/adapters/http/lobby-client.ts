import { GalaxyError } from "@galaxy/errors";
import type { Dispatcher } from "undici";
import { z } from "zod";
import type { LobbyClient, Membership } from "../../ports/lobby-client.js";
import { createHttpAgent, httpCall, joinUrl } from "./http-call.js";

/** Outcome label of one Lobby call, for metrics. */
export type LobbyCallOutcome = "ok" | "not_found" | "unavailable";

/** Options of {@link HttpLobbyClient}. */
export interface HttpLobbyClientOptions {
  /** `GAMEMASTER_LOBBY_BASE_URL`, e.g. `http://lobby:8080`. */
  baseUrl: string;
  /** Deadline of one call (`GAMEMASTER_LOBBY_TIMEOUT`). */
  timeoutMs: number;
  /** Observes every call (latency metric). */
  observe?: (outcome: LobbyCallOutcome, seconds: number) => void;
  /** Connection pool (shared with the engine client); by default the client opens its own. */
  dispatcher?: Dispatcher;
}

// Lenient on purpose: extra fields are ignored and the status is any string,
// so a newer Lobby (a new field, a new status) does not lock every player out
// of a game. Only "active" authorizes (membership cache / hot path).
const membershipSchema = z.object({
  user_id: z.string().min(1),
  race_name: z.string(),
  status: z.string().min(1),
});
const membershipsSchema = z.object({ memberships: z.array(membershipSchema) });
const lookupSchema = z.object({
  games: z.array(z.object({ game_id: z.string().min(1), memberships: z.array(membershipSchema) })),
});

/** Most game ids in one lookup call (the contract's limit). */
export const LOOKUP_MAX_GAMES = 1_000;

/**
 * How long a Lobby that answered 404/405 for the batch lookup is taken for
 * one without it, before GM asks again (a rolling upgrade of Lobby adds it).
 */
const LOOKUP_RETRY_MS = 5 * 60_000;

class LobbyUnavailableError extends GalaxyError {
  constructor(message: string, cause?: unknown) {
    // The envelope says only that Lobby is unavailable; the log keeps why.
    super(
      "service_unavailable",
      "cannot verify membership: Game Lobby is unavailable",
      cause === undefined
        ? { cause: new Error(message) }
        : { cause: new Error(message, { cause }) },
    );
  }
}

/**
 * {@link LobbyClient} over HTTP. Lobby is asked only on a membership-cache
 * miss, so this client favours a clear failure over speed: every failure
 * (unreachable, timeout, 5xx, unexpected status, a body that is not the
 * documented roster) is `service_unavailable`; 404 (Lobby does not know the
 * game) is an empty roster, so its players are refused with `forbidden`.
 */
export class HttpLobbyClient implements LobbyClient {
  private readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  /** `performance.now()` until which the batch lookup is taken as missing. */
  private lookupMissingUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: HttpLobbyClientOptions) {
    this.baseUrl = options.baseUrl;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? createHttpAgent({ connectionsPerOrigin: 32 });
  }

  /** Closes the connection pool when the client opened it itself. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) {
      await this.dispatcher.close();
    }
  }

  async getMemberships(gameId: string): Promise<Membership[]> {
    const started = performance.now();
    try {
      const memberships = await this.fetchMemberships(gameId);
      this.observe(memberships === null ? "not_found" : "ok", started);
      return memberships ?? [];
    } catch (error) {
      this.observe("unavailable", started);
      throw error;
    }
  }

  async lookupMemberships(gameIds: readonly string[]): Promise<Map<string, Membership[]> | null> {
    if (performance.now() < this.lookupMissingUntil) {
      return null;
    }
    const rosters = new Map<string, Membership[]>();
    const unique = [...new Set(gameIds)];
    for (let start = 0; start < unique.length; start += LOOKUP_MAX_GAMES) {
      const started = performance.now();
      try {
        const chunk = await this.fetchLookup(unique.slice(start, start + LOOKUP_MAX_GAMES));
        if (chunk === null) {
          this.lookupMissingUntil = performance.now() + LOOKUP_RETRY_MS;
          return null;
        }
        this.observe("ok", started);
        for (const [gameId, memberships] of chunk) {
          rosters.set(gameId, memberships);
        }
      } catch (error) {
        this.observe("unavailable", started);
        throw error;
      }
    }
    return rosters;
  }

  private observe(outcome: LobbyCallOutcome, started: number): void {
    this.options.observe?.(outcome, (performance.now() - started) / 1000);
  }

  /** One lookup call; null: this Lobby has no batch lookup. */
  private async fetchLookup(gameIds: string[]): Promise<Map<string, Membership[]> | null> {
    const { status, body } = await httpCall({
      dispatcher: this.dispatcher,
      url: joinUrl(this.baseUrl, "/api/v1/internal/memberships/lookup"),
      method: "POST",
      body: { game_ids: gameIds },
      timeoutMs: this.options.timeoutMs,
      label: "lobby memberships lookup",
      unreachable: (message, cause) => new LobbyUnavailableError(message, cause),
    });
    if (status === 404 || status === 405) {
      return null;
    }
    if (status !== 200) {
      throw new LobbyUnavailableError(`lobby memberships lookup answered ${status}`);
    }
    const parsed = lookupSchema.safeParse(parseJson(body, "lobby memberships lookup"));
    if (!parsed.success) {
      throw new LobbyUnavailableError(
        `lobby memberships lookup answered an unexpected body${describeIssue(parsed.error.issues[0])}`,
      );
    }
    const rosters = new Map<string, Membership[]>();
    for (const game of parsed.data.games) {
      rosters.set(game.game_id, game.memberships.map(toMembership));
    }
    return rosters;
  }

  private async fetchMemberships(gameId: string): Promise<Membership[] | null> {
    const { status, body } = await httpCall({
      dispatcher: this.dispatcher,
      url: joinUrl(
        this.baseUrl,
        `/api/v1/internal/games/${encodeURIComponent(gameId)}/memberships`,
      ),
      method: "GET",
      timeoutMs: this.options.timeoutMs,
      label: "lobby memberships",
      unreachable: (message, cause) => new LobbyUnavailableError(message, cause),
    });
    if (status === 404) {
      return null;
    }
    if (status !== 200) {
      throw new LobbyUnavailableError(`lobby memberships answered ${status}`);
    }
    const parsed = membershipsSchema.safeParse(parseJson(body, "lobby memberships"));
    if (!parsed.success) {
      throw new LobbyUnavailableError(
        `lobby memberships answered an unexpected body${describeIssue(parsed.error.issues[0])}`,
      );
    }
    return parsed.data.memberships.map(toMembership);
  }
}

function parseJson(body: string, label: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new LobbyUnavailableError(`${label} answered invalid JSON`, error);
  }
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  return issue === undefined ? "" : ` (${issue.path.join(".") || "body"}: ${issue.message})`;
}

function toMembership(membership: z.infer<typeof membershipSchema>): Membership {
  return {
    userId: membership.user_id,
    raceName: membership.race_name,
    status: membership.status,
  };
}
