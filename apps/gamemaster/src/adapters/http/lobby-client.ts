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
const membershipsSchema = z.object({
  memberships: z.array(
    z.object({
      user_id: z.string().min(1),
      race_name: z.string(),
      status: z.string().min(1),
    }),
  ),
});

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

  private observe(outcome: LobbyCallOutcome, started: number): void {
    this.options.observe?.(outcome, (performance.now() - started) / 1000);
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
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new LobbyUnavailableError("lobby memberships answered invalid JSON", error);
    }
    const parsed = membershipsSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where =
        issue === undefined ? "" : ` (${issue.path.join(".") || "body"}: ${issue.message})`;
      throw new LobbyUnavailableError(`lobby memberships answered an unexpected body${where}`);
    }
    return parsed.data.memberships.map((membership) => ({
      userId: membership.user_id,
      raceName: membership.race_name,
      status: membership.status,
    }));
  }
}
