import { GalaxyError, isErrorCode } from "@galaxy/errors";
import { intents, type NotificationIntent } from "@galaxy/notificationintent";
import type { Logger } from "pino";
import { z } from "zod";
import type { GmClient, GmResult, RuntimeRecordView } from "./gm-client.js";
import {
  GAME_STATUSES,
  type Game,
  type GameStatus,
  type LobbyState,
  type Member,
  type NewGame,
  RUNTIME_STATUSES,
  StateError,
} from "./state.js";
import type { StubTelemetry } from "./telemetry.js";

/** A start job as published on `runtime:start_jobs` (docs/reference.md#streams). */
export interface StartJob {
  game_id: string;
  image_ref: string;
  requested_at_ms: string;
}

/** Publishes start jobs; Redis in production, an array in unit tests. */
export interface StartJobPublisher {
  publish(job: StartJob): Promise<void>;
}

/** Publishes notification intents; Redis in production, an array in unit tests. */
export interface IntentPublisher {
  publish(intent: NotificationIntent): Promise<void>;
}

/** The `producer` of the intents the Lobby publishes. */
export const INTENT_PRODUCER = "lobby";

/** Dependencies of {@link LobbyService}. */
export interface LobbyServiceDeps {
  state: LobbyState;
  gm: GmClient;
  startJobs: StartJobPublisher;
  /** Where the admin intent of a game paused after its start goes. */
  intents: IntentPublisher;
  telemetry: StubTelemetry;
  logger: Logger;
  now?: () => Date;
}

/** One game's roster in the answer of a batch lookup. */
export interface GameMemberships {
  game_id: string;
  memberships: Member[];
}

/** What a stream handler did with one entry (returned for tests and logs). */
export type EntryOutcome = "applied" | "skipped" | "malformed" | "duplicate";

/** How many `event_id`s of `gm:lobby_events` are remembered for de-duplication. */
export const SEEN_EVENT_IDS_LIMIT = 100_000;

const intString = z
  .string()
  .regex(/^-?\d+$/, "must be an integer")
  .transform((value) => Number(value));

const playerTurnStatsSchema = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array" });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(
      z.object({
        user_id: z.string().min(1),
        planets: z.number(),
        population: z.number(),
      }),
    ),
  );

const jobResultSchema = z.object({
  game_id: z.string().min(1),
  outcome: z.enum(["success", "failure"]),
  engine_endpoint: z.string().optional(),
  error_code: z.string().optional(),
  error_message: z.string().optional(),
  completed_at_ms: z.string().optional(),
});

const snapshotSchema = z.object({
  event_type: z.literal("runtime_snapshot_update"),
  event_id: z.string().min(1).optional(),
  game_id: z.string().min(1),
  current_turn: intString,
  runtime_status: z.string().min(1),
  engine_health_summary: z.string(),
  player_turn_stats: playerTurnStatsSchema,
  occurred_at_ms: intString.optional(),
});

const gameFinishedSchema = z.object({
  event_type: z.literal("game_finished"),
  event_id: z.string().min(1).optional(),
  game_id: z.string().min(1),
  final_turn_number: intString,
  runtime_status: z.string().min(1),
  player_turn_stats: playerTurnStatsSchema,
  finished_at_ms: intString.optional(),
});

const lobbyEventSchema = z.discriminatedUnion("event_type", [snapshotSchema, gameFinishedSchema]);

const NOT_FINISHED: readonly GameStatus[] = GAME_STATUSES.filter((status) => status !== "finished");

function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(entry)"}: ${issue.message}`)
    .join("; ");
}

function unavailable(what: string, result: Exclude<GmResult<unknown>, { kind: "ok" }>): never {
  const detail =
    result.kind === "unreachable"
      ? result.message
      : `${result.status} ${result.code}: ${result.message}`;
  throw new GalaxyError("service_unavailable", `Game Master unavailable (${what}): ${detail}`);
}

/** GM could not be reached or failed on its side: worth retrying later (→ paused). */
function isTransient(result: Exclude<GmResult<unknown>, { kind: "ok" }>): boolean {
  return result.kind === "unreachable" || result.status >= 500;
}

function runtimeViewFrom(body: unknown): { current_turn?: number; runtime_status?: string } {
  if (typeof body !== "object" || body === null) return {};
  const record = body as RuntimeRecordView;
  const view: { current_turn?: number; runtime_status?: string } = {};
  if (typeof record.current_turn === "number") view.current_turn = record.current_turn;
  if (typeof record.status === "string") view.runtime_status = record.status;
  return view;
}

/**
 * The Lobby's behaviour around GM: roster changes with the invalidate hook, the start flow
 * (image ref → start job → job result → register-runtime), resume, and the `gm:lobby_events`
 * view. Routes and stream workers are thin shells over this class.
 */
export class LobbyService {
  readonly #state: LobbyState;
  readonly #gm: GmClient;
  readonly #startJobs: StartJobPublisher;
  readonly #intents: IntentPublisher;
  readonly #telemetry: StubTelemetry;
  readonly #logger: Logger;
  readonly #now: () => Date;
  /** Games with a start or resume call in flight; a second concurrent call is a conflict. */
  readonly #busy = new Set<string>();
  /** Recently applied `event_id`s, oldest first (a Set keeps insertion order). */
  readonly #seenEventIds = new Set<string>();

  constructor(deps: LobbyServiceDeps) {
    this.#state = deps.state;
    this.#gm = deps.gm;
    this.#startJobs = deps.startJobs;
    this.#intents = deps.intents;
    this.#telemetry = deps.telemetry;
    this.#logger = deps.logger;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Creates a game; a duplicate id → `conflict`. */
  createGame(input: NewGame): Game {
    const game = this.#guard(() => this.#state.createGame(input));
    this.#telemetry.increment("games_created");
    this.#logger.info({ game_id: game.game_id }, "game created");
    return game;
  }

  /** A game; unknown → `not_found`. */
  getGame(gameId: string): Game {
    return this.#guard(() => this.#state.getGame(gameId));
  }

  /** Every game. */
  listGames(): Game[] {
    return this.#state.listGames();
  }

  /** The roster GM reads; unknown game → `not_found`. */
  memberships(gameId: string): Member[] {
    this.#telemetry.increment("memberships_reads");
    return this.#guard(() => this.#state.memberships(gameId));
  }

  /**
   * The batch form of {@link memberships}: the roster of every known game among `gameIds`,
   * each game once, in request order. Unknown games are left out rather than failing the
   * batch, since GM reads an absent game like the per-game `not_found` (no members).
   */
  lookupMemberships(gameIds: readonly string[]): GameMemberships[] {
    const unique = [...new Set(gameIds)];
    this.#telemetry.increment("memberships_lookups");
    this.#telemetry.increment("memberships_lookup_games", unique.length);
    const games: GameMemberships[] = [];
    for (const gameId of unique) {
      try {
        games.push({ game_id: gameId, memberships: this.#state.memberships(gameId) });
      } catch (error) {
        if (error instanceof StateError && error.kind === "not_found") continue;
        throw error;
      }
    }
    return games;
  }

  /** Adds an active member, then runs the invalidate hook. */
  async addMember(gameId: string, userId: string, raceName: string): Promise<Game> {
    const game = this.#guard(() => this.#state.addMember(gameId, userId, raceName));
    this.#logger.info({ game_id: gameId, user_id: userId, race_name: raceName }, "member added");
    await this.#invalidateMemberships(game, "add_member");
    return game;
  }

  /** active → removed, then the invalidate hook. */
  async removeMember(gameId: string, userId: string): Promise<Game> {
    const game = this.#guard(() => this.#state.removeMember(gameId, userId));
    this.#logger.info({ game_id: gameId, user_id: userId }, "member removed");
    await this.#invalidateMemberships(game, "remove_member");
    return game;
  }

  /** active/removed → blocked, then the invalidate hook. */
  async blockMember(gameId: string, userId: string): Promise<Game> {
    const game = this.#guard(() => this.#state.blockMember(gameId, userId));
    this.#logger.info({ game_id: gameId, user_id: userId }, "member blocked");
    await this.#invalidateMemberships(game, "block_member");
    return game;
  }

  /**
   * Starts a game: resolves the image ref from GM synchronously (GM down → `service_unavailable`
   * and the game keeps its status), marks it `starting` and publishes the start job. The rest
   * happens when RTM's job result arrives ({@link handleJobResult}).
   */
  async startGame(gameId: string): Promise<Game> {
    const game = this.getGame(gameId);
    const log = this.#logger.child({ game_id: gameId });
    if (game.status !== "ready_to_start" && game.status !== "start_failed") {
      throw new GalaxyError(
        "conflict",
        `game is ${game.status}; only a ready_to_start or start_failed game can be started`,
      );
    }
    const active = game.members.filter((member) => member.status === "active").length;
    if (active < Math.max(1, game.min_players)) {
      throw new GalaxyError(
        "conflict",
        `game needs at least ${Math.max(1, game.min_players)} active member(s), has ${active}`,
      );
    }
    return this.#exclusive(gameId, async () => {
      this.#telemetry.increment("start_requests");
      const resolved = await this.#gm.resolveImageRef(game.target_engine_version);
      if (resolved.kind !== "ok") {
        this.#telemetry.increment("start_resolve_failures");
        log.warn(
          { version: game.target_engine_version, result: resolved },
          "image ref resolution failed; game keeps its status",
        );
        if (resolved.kind === "error" && resolved.status === 404) {
          throw new GalaxyError(
            "engine_version_not_found",
            `engine version "${game.target_engine_version}" is not registered or is deprecated: ${resolved.message}`,
          );
        }
        unavailable("resolve image ref", resolved);
      }
      const imageRef = resolved.body?.image_ref;
      if (typeof imageRef !== "string" || imageRef === "") {
        this.#telemetry.increment("start_resolve_failures");
        throw new GalaxyError(
          "service_unavailable",
          "Game Master answered the image-ref resolve without an image_ref",
        );
      }
      // `starting` is set before the job is published so that even an instant job result finds
      // the game waiting for it.
      const starting = this.#state.transition(gameId, [game.status], "starting", {
        image_ref: imageRef,
        engine_endpoint: null,
        start_error: null,
      });
      if (starting === null) {
        throw new GalaxyError("conflict", "game changed while its start was being prepared");
      }
      try {
        await this.#startJobs.publish({
          game_id: gameId,
          image_ref: imageRef,
          requested_at_ms: String(this.#now().getTime()),
        });
      } catch (error) {
        this.#state.transition(gameId, ["starting"], game.status, {
          image_ref: game.image_ref,
          start_error: game.start_error,
        });
        log.error({ err: error }, "publishing the start job failed; start rolled back");
        throw new GalaxyError("service_unavailable", "could not publish the start job", {
          cause: error,
        });
      }
      this.#telemetry.increment("start_jobs_published");
      log.info({ image_ref: imageRef }, "start job published");
      return starting;
    });
  }

  /**
   * Applies one `runtime:job_results` entry. Failure → `start_failed` without calling GM;
   * success → register-runtime on GM → `running`, or `paused` when GM is unavailable, or
   * `start_failed` when GM refuses. Malformed entries, unknown games and games that are not
   * `starting` (replays, stale results) are logged and skipped.
   */
  async handleJobResult(fields: Record<string, string>): Promise<EntryOutcome> {
    const parsed = jobResultSchema.safeParse(fields);
    if (!parsed.success) {
      this.#telemetry.increment("job_results_skipped");
      this.#logger.warn(
        { fields, reason: summarizeIssues(parsed.error) },
        "malformed job result skipped",
      );
      return "malformed";
    }
    const result = parsed.data;
    const log = this.#logger.child({ game_id: result.game_id });
    const game = this.#state.findGame(result.game_id);
    if (game === undefined || game.status !== "starting") {
      this.#telemetry.increment("job_results_skipped");
      log.warn(
        { status: game?.status ?? null, outcome: result.outcome },
        "job result for a game that is not starting skipped",
      );
      return "skipped";
    }
    this.#telemetry.increment("job_results_applied");
    if (result.outcome === "failure") {
      this.#telemetry.increment("games_start_failed");
      this.#state.transition(result.game_id, ["starting"], "start_failed", {
        start_error: {
          code: result.error_code || "start_failed",
          message: result.error_message || "Runtime Manager reported a failed start",
        },
      });
      log.warn(
        { error_code: result.error_code, error_message: result.error_message },
        "runtime start failed",
      );
      return "applied";
    }
    const endpoint = result.engine_endpoint ?? "";
    if (endpoint === "") {
      this.#telemetry.increment("games_start_failed");
      this.#state.transition(result.game_id, ["starting"], "start_failed", {
        start_error: {
          code: "invalid_job_result",
          message: "successful job result without engine_endpoint",
        },
      });
      log.warn("successful job result without engine_endpoint");
      return "applied";
    }
    await this.#register(result.game_id, endpoint, "starting");
    return "applied";
  }

  /**
   * Resumes a `paused` game: asks GM's liveness. `ready` → `running`; `finished` → `finished`;
   * `stopped` → `conflict`; any other not-ready status → `service_unavailable` and the game stays
   * `paused`; 404 → register-runtime again with the saved engine endpoint; GM still unavailable →
   * `service_unavailable` and the game stays `paused`.
   */
  async resumeGame(gameId: string): Promise<Game> {
    const game = this.getGame(gameId);
    const log = this.#logger.child({ game_id: gameId });
    if (game.status !== "paused") {
      throw new GalaxyError("conflict", `game is ${game.status}; only a paused game can resume`);
    }
    return this.#exclusive(gameId, async () => {
      const liveness = await this.#gm.liveness(gameId);
      if (liveness.kind === "ok") {
        const status = typeof liveness.body?.status === "string" ? liveness.body.status : "";
        const ready = liveness.body?.ready === true;
        if (status === "finished") {
          return this.#resumed(
            this.#state.transition(gameId, ["paused"], "finished", {
              runtime_status: status,
              finished_at: this.#now().toISOString(),
            }),
            log,
          );
        }
        if (status === "stopped") {
          this.#telemetry.increment("resume_failures");
          throw new GalaxyError("conflict", "the runtime was stopped on Game Master");
        }
        if (!ready) {
          // GM answered, but its runtime is not serving (starting, mid-turn, failed or without
          // its engine): the game stays paused until liveness says ready.
          this.#telemetry.increment("resume_failures");
          log.warn({ runtime_status: status }, "runtime not ready; game stays paused");
          throw new GalaxyError(
            "service_unavailable",
            `Game Master reports the runtime ${status === "" ? "without a status" : `as ${status}`}, not ready; the game stays paused`,
          );
        }
        return this.#resumed(
          this.#state.transition(gameId, ["paused"], "running", {
            runtime_status: status === "" ? null : status,
            start_error: null,
          }),
          log,
        );
      }
      if (liveness.kind === "error" && liveness.status === 404) {
        const endpoint = game.engine_endpoint;
        if (endpoint === null) {
          this.#telemetry.increment("resume_failures");
          throw new GalaxyError("conflict", "paused game has no engine endpoint to register");
        }
        const outcome = await this.#register(gameId, endpoint, "paused");
        if (outcome.kind === "ok") return this.#resumed(this.getGame(gameId), log);
        this.#telemetry.increment("resume_failures");
        if (outcome.kind === "unreachable" || isTransient(outcome)) {
          unavailable("register runtime", outcome);
        }
        const code = isErrorCode(outcome.code) ? outcome.code : "conflict";
        throw new GalaxyError(
          code,
          `Game Master refused register-runtime (${outcome.code}: ${outcome.message}); game is start_failed`,
        );
      }
      this.#telemetry.increment("resume_failures");
      log.warn({ result: liveness }, "liveness check failed; game stays paused");
      unavailable("liveness", liveness);
    });
  }

  /**
   * Applies one `gm:lobby_events` entry: a snapshot updates the game's runtime view,
   * `game_finished` moves it to `finished`. Malformed entries and unknown games are skipped.
   * An entry whose `event_id` was already handled is a `duplicate` and changes nothing (GM
   * writes each event once, but a consumer that loses its offset reads entries again).
   */
  handleLobbyEvent(fields: Record<string, string>): EntryOutcome {
    const eventId = fields.event_id;
    if (eventId !== undefined && eventId !== "" && this.#seenEventIds.has(eventId)) {
      this.#telemetry.increment("lobby_events_duplicate");
      this.#logger.info({ event_id: eventId }, "duplicate lobby event skipped");
      return "duplicate";
    }
    const outcome = this.#applyLobbyEvent(fields);
    if (eventId !== undefined && eventId !== "" && outcome !== "malformed") {
      this.#seenEventIds.add(eventId);
      if (this.#seenEventIds.size > SEEN_EVENT_IDS_LIMIT) {
        const oldest = this.#seenEventIds.values().next();
        if (oldest.done !== true) this.#seenEventIds.delete(oldest.value);
      }
    }
    return outcome;
  }

  #applyLobbyEvent(fields: Record<string, string>): EntryOutcome {
    const parsed = lobbyEventSchema.safeParse(fields);
    if (!parsed.success) {
      this.#telemetry.increment("lobby_events_malformed");
      this.#logger.warn(
        { fields, reason: summarizeIssues(parsed.error) },
        "malformed lobby event skipped",
      );
      return "malformed";
    }
    const event = parsed.data;
    const log = this.#logger.child({ game_id: event.game_id, event_type: event.event_type });
    const game = this.#state.findGame(event.game_id);
    if (game === undefined || game.status === "finished") {
      this.#telemetry.increment("lobby_events_skipped");
      log.warn({ status: game?.status ?? null }, "lobby event for an unknown or finished game");
      return "skipped";
    }
    if (event.event_type === "runtime_snapshot_update") {
      this.#state.updateRuntimeView(event.game_id, {
        current_turn: event.current_turn,
        runtime_status: event.runtime_status,
        engine_health_summary: event.engine_health_summary,
        player_turn_stats: event.player_turn_stats,
      });
      this.#telemetry.increment("lobby_events_applied");
      log.debug({ current_turn: event.current_turn }, "runtime snapshot applied");
      return "applied";
    }
    const finishedAt =
      event.finished_at_ms === undefined ? this.#now() : new Date(event.finished_at_ms);
    this.#state.transition(event.game_id, NOT_FINISHED, "finished", {
      current_turn: event.final_turn_number,
      runtime_status: event.runtime_status,
      player_turn_stats: event.player_turn_stats,
      finished_at: finishedAt.toISOString(),
    });
    this.#telemetry.increment("lobby_events_applied");
    this.#telemetry.increment("games_finished");
    log.info({ final_turn_number: event.final_turn_number }, "game finished");
    return "applied";
  }

  async #register(
    gameId: string,
    endpoint: string,
    from: GameStatus,
  ): Promise<GmResult<RuntimeRecordView>> {
    const log = this.#logger.child({ game_id: gameId });
    const game = this.#state.getGame(gameId);
    const members = game.members
      .filter((member) => member.status === "active")
      .map(({ user_id, race_name }) => ({ user_id, race_name }));
    const result = await this.#gm.registerRuntime(gameId, {
      engine_endpoint: endpoint,
      members,
      target_engine_version: game.target_engine_version,
      turn_schedule: game.turn_schedule,
    });
    if (result.kind === "ok") {
      this.#telemetry.increment("register_runtime_success");
      this.#state.transition(gameId, [from], "running", {
        engine_endpoint: endpoint,
        start_error: null,
        started_at: this.#now().toISOString(),
        ...runtimeViewFrom(result.body),
      });
      log.info({ engine_endpoint: endpoint }, "runtime registered; game running");
      return result;
    }
    this.#telemetry.increment("register_runtime_failures");
    const startError = {
      code: result.kind === "unreachable" ? "service_unavailable" : result.code,
      message: result.message,
    };
    if (isTransient(result)) {
      this.#telemetry.increment("games_paused");
      this.#state.transition(gameId, [from], "paused", {
        engine_endpoint: endpoint,
        start_error: startError,
      });
      log.warn({ result }, "Game Master unavailable after the container started; game paused");
      if (from !== "paused") {
        await this.#announcePause(game, endpoint, startError);
      }
    } else {
      this.#telemetry.increment("games_start_failed");
      this.#state.transition(gameId, [from], "start_failed", {
        engine_endpoint: endpoint,
        start_error: startError,
      });
      log.warn({ result }, "Game Master refused register-runtime; game start_failed");
    }
    return result;
  }

  /**
   * Tells the operators that a started container runs while GM does not track it
   * (`lobby.runtime_paused_after_start`). Best effort: the pause is the Lobby's fact and stands
   * whether or not the alert goes out.
   */
  async #announcePause(
    game: Game,
    endpoint: string,
    error: { code: string; message: string },
  ): Promise<void> {
    try {
      await this.#intents.publish(
        intents.lobbyRuntimePausedAfterStart({
          producer: INTENT_PRODUCER,
          gameId: game.game_id,
          imageRef: game.image_ref ?? "(unknown)",
          engineEndpoint: endpoint,
          errorCode: error.code,
          errorMessage: error.message,
          pausedAt: this.#now(),
        }),
      );
      this.#telemetry.increment("pause_intents_published");
    } catch (publishError) {
      this.#telemetry.increment("pause_intent_failures");
      this.#logger.error(
        { err: publishError, game_id: game.game_id },
        "lobby.runtime_paused_after_start intent not published",
      );
    }
  }

  #resumed(game: Game | null, log: Logger): Game {
    if (game === null) throw new GalaxyError("conflict", "game changed while it was resuming");
    this.#telemetry.increment("resume_success");
    log.info({ status: game.status }, "game resumed");
    return game;
  }

  async #invalidateMemberships(game: Game, reason: string): Promise<void> {
    if (!RUNTIME_STATUSES.has(game.status)) return;
    this.#telemetry.increment("invalidate_calls");
    const result = await this.#gm.invalidateMemberships(game.game_id);
    if (result.kind !== "ok") {
      // Fail-open by design: GM's cache TTL bounds the staleness, and the roster change is
      // the Lobby's business fact that must not depend on GM being up.
      this.#telemetry.increment("invalidate_failures");
      this.#logger.warn(
        { game_id: game.game_id, reason, result },
        "membership invalidation failed; roster change kept",
      );
    }
  }

  async #exclusive<T>(gameId: string, work: () => Promise<T>): Promise<T> {
    if (this.#busy.has(gameId)) {
      throw new GalaxyError("conflict", "a start or resume of this game is already in progress");
    }
    this.#busy.add(gameId);
    try {
      return await work();
    } finally {
      this.#busy.delete(gameId);
    }
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof StateError) throw new GalaxyError(error.kind, error.message);
      throw error;
    }
  }
}
