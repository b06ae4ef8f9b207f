import { randomUUID } from "node:crypto";
import { GalaxyError } from "@galaxy/errors";
import { type RegistrationMember, registrationProblems } from "../domain/registration.js";
import {
  type PlayerMapping,
  type PlayerTurnStats,
  RELEASED_LEASE,
  type RuntimeRecord,
} from "../domain/runtime-record.js";
import { assertTransition } from "../domain/runtime-status.js";
import { nextGenerationAt } from "../domain/schedule.js";
import type { Clock } from "../ports/clock.js";
import type { EngineClient, EngineState } from "../ports/engine-client.js";
import type { EngineVersionStore } from "../ports/engine-version-store.js";
import type { LobbyClient } from "../ports/lobby-client.js";
import type { OperationLog } from "../ports/operation-log.js";
import type { PlayerMappingStore } from "../ports/player-mapping-store.js";
import type { RuntimeRecordStore } from "../ports/runtime-record-store.js";
import type { Telemetry } from "../ports/telemetry.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { failureCode, failureMessage, operationEntry, recordOperation } from "./op-log.js";
import type { OperationContext } from "./operation-context.js";
import type { RegistrationRecoveryOutcome } from "./turn-engine/recover.js";

/** A register-runtime request (docs/reference.md#register-runtime). */
export interface RegisterRuntimeInput {
  gameId: string;
  engineEndpoint: string;
  members: readonly RegistrationMember[];
  targetEngineVersion: string;
  turnSchedule: string;
}

/** Collaborators of {@link RegisterRuntimeService}. */
export interface RegisterRuntimeDeps {
  runtimeRecords: RuntimeRecordStore;
  engineVersions: EngineVersionStore;
  playerMappings: PlayerMappingStore;
  operationLog: OperationLog;
  engine: EngineClient;
  /** Mappings, the CAS to running, the log entry and the snapshot commit together. */
  unitOfWork: UnitOfWork;
  telemetry: Telemetry;
  clock: Clock;
  /**
   * The claim a registration holds on its `starting` record, so that one
   * abandoned by a dying instance is recovered by another
   * (docs/flows.md#turn-claims-and-leases): this instance's id, and how
   * long the claim lasts (the lease plus the engine's init timeout; it is
   * not renewed).
   */
  lease?: { owner: string; ms: number };
  /** Lobby's roster: recovery finishes a registration from it. */
  lobby?: LobbyClient;
}

/** Claim of a registration when no lease is configured (unit tests). */
const DEFAULT_REGISTRATION_LEASE_MS = 20_000;

/** How far the flow got, which decides what a failure must undo. */
type Stage = "before_insert" | "inserted";

/** Failure of one step: the error to throw and what is installed by then. */
class StepFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly stage: Stage,
    /** The claim on the inserted record, which a rollback guards on. */
    readonly leaseToken?: string,
  ) {
    super("register-runtime step failed");
  }
}

/**
 * Verifies the engine answered `/admin/init` with exactly the roster GM sent:
 * the same set of race names, each once, each with its own player uuid.
 */
export function rosterViolation(
  members: readonly RegistrationMember[],
  state: EngineState,
): string | null {
  const expected = new Set(members.map((member) => member.raceName));
  const seenRaces = new Set<string>();
  const seenUuids = new Set<string>();
  for (const player of state.players) {
    if (!expected.has(player.raceName)) {
      return `engine returned race "${player.raceName}" that is not in the roster`;
    }
    if (seenRaces.has(player.raceName)) {
      return `engine returned race "${player.raceName}" more than once`;
    }
    if (seenUuids.has(player.enginePlayerUuid)) {
      return `engine returned player uuid "${player.enginePlayerUuid}" more than once`;
    }
    seenRaces.add(player.raceName);
    seenUuids.add(player.enginePlayerUuid);
  }
  if (seenRaces.size !== expected.size) {
    const missing = [...expected].filter((race) => !seenRaces.has(race));
    return `engine did not return race(s) ${missing.map((race) => `"${race}"`).join(", ")}`;
  }
  return null;
}

/** Projects engine players to `{user_id, planets, population}` via the roster, by user id. */
export function projectPlayerStats(
  state: EngineState,
  userByRace: ReadonlyMap<string, string>,
): PlayerTurnStats[] {
  const stats: PlayerTurnStats[] = [];
  for (const player of state.players) {
    const userId = userByRace.get(player.raceName);
    if (userId !== undefined) {
      stats.push({ userId, planets: player.planets, population: player.population });
    }
  }
  return stats.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/**
 * register-runtime (docs/reference.md#register-runtime; failure handling after the Go reference
 * `registerruntime.Service`): validate → refuse an existing record → resolve
 * the image ref → insert `starting` → engine init → roster check → insert the
 * mappings, CAS starting→running with turn 0 and the first tick, log entry
 * and snapshot (into the outbox) in one transaction. Any failure after the
 * insert deletes the record and its mappings; every failure after validation
 * gets an operation-log entry of its own.
 */
export class RegisterRuntimeService {
  constructor(private readonly deps: RegisterRuntimeDeps) {}

  async execute(input: RegisterRuntimeInput, ctx: OperationContext): Promise<RuntimeRecord> {
    const problems = registrationProblems(input);
    if (input.gameId.trim() === "") {
      problems.unshift({ path: ["game_id"], message: "must not be empty" });
    }
    const firstProblem = problems[0];
    if (firstProblem !== undefined) {
      // Refused before anything is created; the refusal itself is audited.
      const error = new GalaxyError(
        "invalid_request",
        `${firstProblem.path.join(".")}: ${firstProblem.message}`,
      );
      await this.recordRejected(input.gameId, error, ctx);
      throw error;
    }

    const startedAt = this.deps.clock.now();
    const logger = ctx.logger.child({ op_kind: "register_runtime" });
    try {
      const record = await this.run(input, startedAt, ctx);
      this.deps.telemetry.recordRegisterRuntime("success", "");
      logger.info(
        {
          engine_version: input.targetEngineVersion,
          members: input.members.length,
          op_source: ctx.opSource,
        },
        "runtime registered",
      );
      return record.record;
    } catch (caught) {
      const failure =
        caught instanceof StepFailure ? caught : new StepFailure(caught, "before_insert");
      if (failure.stage === "inserted" && failure.leaseToken !== undefined) {
        await this.rollback(input.gameId, failure.leaseToken, logger);
      }
      const code = failureCode(failure.error);
      const message = failureMessage(failure.error);
      await this.log(input.gameId, ctx, startedAt, failure.error);
      this.deps.telemetry.recordRegisterRuntime("failure", code);
      logger.warn(
        {
          engine_version: input.targetEngineVersion,
          op_source: ctx.opSource,
          error_code: code,
          error_message: message,
        },
        "register runtime failed",
      );
      throw failure.error;
    }
  }

  /**
   * Audits a register-runtime request refused as invalid before the flow
   * started (by the request schema or by {@link execute}'s own checks): one
   * `invalid_request` failure entry in the operation log, like the Go
   * reference, and no record. Best effort, like every log entry.
   */
  async recordRejected(gameId: string, error: GalaxyError, ctx: OperationContext): Promise<void> {
    if (gameId.trim() !== "") {
      // A blank game id names no game: there is nothing to file the entry under.
      await this.log(gameId, ctx, this.deps.clock.now(), error);
    }
    this.deps.telemetry.recordRegisterRuntime("failure", error.code);
    ctx.logger.warn(
      {
        op_kind: "register_runtime",
        op_source: ctx.opSource,
        error_code: error.code,
        error_message: error.message,
      },
      "register runtime refused",
    );
  }

  private async run(
    input: RegisterRuntimeInput,
    now: Date,
    ctx: OperationContext,
  ): Promise<{ record: RuntimeRecord; stats: PlayerTurnStats[] }> {
    const { runtimeRecords, engineVersions, engine } = this.deps;

    const existing = await step("before_insert", () => runtimeRecords.get(input.gameId));
    if (existing !== null) {
      throw new StepFailure(
        new GalaxyError("conflict", `runtime for game "${input.gameId}" already exists`),
        "before_insert",
      );
    }

    const version = await step("before_insert", () =>
      engineVersions.get(input.targetEngineVersion),
    );
    // A deprecated version is still registered: deprecation stops new image-ref resolves, and
    // Lobby resolved this one before RTM started the container (decision 100).
    if (version === null) {
      throw new StepFailure(
        new GalaxyError(
          "engine_version_not_found",
          `engine version "${input.targetEngineVersion}" not found`,
        ),
        "before_insert",
      );
    }

    const starting: RuntimeRecord = {
      gameId: input.gameId,
      status: "starting",
      engineEndpoint: input.engineEndpoint,
      currentImageRef: version.imageRef,
      currentEngineVersion: version.version,
      turnSchedule: input.turnSchedule,
      currentTurn: 0,
      nextGenerationAt: null,
      skipNextTick: false,
      engineHealth: "",
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      stoppedAt: null,
      finishedAt: null,
      lastPlayerStats: [],
      lastHealthEventId: "",
      leaseOwner: this.deps.lease?.owner ?? null,
      leaseToken: randomUUID(),
      leaseExpiresAt: new Date(
        now.getTime() + (this.deps.lease?.ms ?? DEFAULT_REGISTRATION_LEASE_MS),
      ),
      leaseTrigger: null,
    };
    const leaseToken = starting.leaseToken ?? "";
    // A conflict here is a concurrent register that won the insert: the row is
    // theirs, so this failure must not roll it back.
    await step("before_insert", () => runtimeRecords.insert(starting));

    return step(
      "inserted",
      async () => {
        const state = await engine.init(
          input.engineEndpoint,
          input.members.map((member) => member.raceName),
        );
        const written = await this.complete({
          starting,
          leaseToken,
          members: input.members,
          state,
          ctx,
          startedAt: now,
        });
        if (written === null) {
          throw new GalaxyError("conflict", "runtime record changed while it was being registered");
        }
        return written;
      },
      leaseToken,
    );
  }

  /**
   * The end of a registration, once the engine is initialised: the roster
   * check, the mappings, the CAS starting → running (guarded by the claim)
   * with turn 0 and the first tick, the log entry and the snapshot, in one
   * transaction. Null when the claim was lost.
   */
  private async complete(input: {
    starting: RuntimeRecord;
    leaseToken: string;
    members: readonly RegistrationMember[];
    state: EngineState;
    ctx: OperationContext;
    startedAt: Date;
  }): Promise<{ record: RuntimeRecord; stats: PlayerTurnStats[] } | null> {
    const { starting, state, ctx } = input;
    const violation = rosterViolation(input.members, state);
    if (violation !== null) {
      throw new GalaxyError("engine_protocol_violation", violation);
    }
    const now = this.deps.clock.now();
    const userByRace = new Map(input.members.map((member) => [member.raceName, member.userId]));
    const mappings: PlayerMapping[] = state.players.map((player) => ({
      gameId: starting.gameId,
      userId: userByRace.get(player.raceName) ?? "",
      raceName: player.raceName,
      enginePlayerUuid: player.enginePlayerUuid,
      createdAt: now,
    }));
    const stats = projectPlayerStats(state, userByRace);

    assertTransition("starting", "running");
    const patch = {
      currentTurn: 0,
      startedAt: now,
      nextGenerationAt: nextGenerationAt(starting.turnSchedule, now),
      skipNextTick: false,
      lastPlayerStats: stats,
      ...RELEASED_LEASE,
    };
    return this.deps.unitOfWork.run(async (tx) => {
      const record = await tx.runtimeRecords.compareAndSet({
        gameId: starting.gameId,
        expected: { status: "starting", leaseToken: input.leaseToken },
        to: "running",
        patch,
        now,
      });
      if (record === null) {
        return null;
      }
      await tx.playerMappings.insertMany(mappings);
      await tx.operationLog.append(
        operationEntry({
          gameId: starting.gameId,
          opKind: "register_runtime",
          ctx,
          startedAt: input.startedAt,
          finishedAt: this.deps.clock.now(),
        }),
      );
      tx.outbox.snapshotUpdate({
        gameId: record.gameId,
        currentTurn: record.currentTurn,
        runtimeStatus: record.status,
        engineHealthSummary: record.engineHealth,
        playerTurnStats: stats,
        occurredAt: now,
      });
      return { record, stats };
    });
  }

  /**
   * Recovery of a `starting` record whose registration died mid-way (its
   * claim expired): takes the claim over, asks the engine's
   * `/admin/status`, and
   * - the engine is initialised → finishes the registration with the roster
   *   Lobby lists for the game (the request that carried it is gone);
   * - the engine does not know the game (4xx), or its roster does not match
   *   → rolls the record back, so that Lobby's retry registers afresh;
   * - the engine or Lobby does not answer → waits for a later sweep.
   * Either way the operation log gets a register_runtime entry.
   */
  async recoverAbandoned(
    abandoned: RuntimeRecord,
    ctx: OperationContext,
  ): Promise<RegistrationRecoveryOutcome> {
    const token = randomUUID();
    const taken = await this.deps.runtimeRecords.compareAndSet({
      gameId: abandoned.gameId,
      expected: { status: "starting", leaseToken: abandoned.leaseToken ?? null },
      patch: {
        leaseOwner: this.deps.lease?.owner ?? null,
        leaseToken: token,
        leaseExpiresAt: new Date(
          this.deps.clock.now().getTime() + (this.deps.lease?.ms ?? DEFAULT_REGISTRATION_LEASE_MS),
        ),
      },
      now: abandoned.updatedAt,
    });
    if (taken === null) {
      return "taken";
    }
    const startedAt = this.deps.clock.now();
    const logger = ctx.logger.child({ op_kind: "register_runtime" });
    let state: EngineState;
    try {
      state = await this.deps.engine.status(taken.engineEndpoint);
    } catch (error) {
      if (error instanceof GalaxyError && error.code === "engine_validation_error") {
        return this.rollBackAbandoned(taken, token, ctx, startedAt, error);
      }
      logger.warn(
        { err: error },
        "abandoned registration: engine status unavailable, retried later",
      );
      return "pending";
    }
    let members: RegistrationMember[];
    try {
      const roster =
        this.deps.lobby === undefined ? [] : await this.deps.lobby.getMemberships(taken.gameId);
      members = roster.map((member) => ({ userId: member.userId, raceName: member.raceName }));
    } catch (error) {
      logger.warn(
        { err: error },
        "abandoned registration: Lobby roster unavailable, retried later",
      );
      return "pending";
    }
    try {
      const written = await this.complete({
        starting: taken,
        leaseToken: token,
        members,
        state,
        ctx,
        startedAt,
      });
      if (written === null) {
        return "taken";
      }
      logger.info({ members: members.length }, "abandoned registration finished by recovery");
      return "registered";
    } catch (error) {
      if (error instanceof GalaxyError && error.code === "engine_protocol_violation") {
        return this.rollBackAbandoned(taken, token, ctx, startedAt, error);
      }
      throw error;
    }
  }

  private async rollBackAbandoned(
    record: RuntimeRecord,
    token: string,
    ctx: OperationContext,
    startedAt: Date,
    cause: GalaxyError,
  ): Promise<RegistrationRecoveryOutcome> {
    await this.deps.runtimeRecords.deleteWithMappings(record.gameId, { leaseToken: token });
    const error = new GalaxyError(
      "internal_error",
      `registration interrupted and rolled back (${cause.code}: ${cause.message}); register again`,
    );
    await this.log(record.gameId, ctx, startedAt, error);
    ctx.logger.warn(
      { error_code: cause.code, error_message: cause.message },
      "abandoned registration rolled back",
    );
    return "rolled_back";
  }

  private async rollback(
    gameId: string,
    leaseToken: string,
    logger: OperationContext["logger"],
  ): Promise<void> {
    try {
      // Guarded by the claim: a record that recovery took over is not ours to delete.
      await this.deps.runtimeRecords.deleteWithMappings(gameId, { leaseToken });
    } catch (error) {
      logger.error({ err: error }, "rollback of runtime record failed");
    }
  }

  private log(
    gameId: string,
    ctx: OperationContext,
    startedAt: Date,
    error?: unknown,
  ): Promise<void> {
    return recordOperation(this.deps.operationLog, {
      gameId,
      opKind: "register_runtime",
      ctx,
      error,
      startedAt,
      finishedAt: this.deps.clock.now(),
    });
  }
}

async function step<T>(stage: Stage, run: () => Promise<T>, leaseToken?: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof StepFailure ? error : new StepFailure(error, stage, leaseToken);
  }
}
