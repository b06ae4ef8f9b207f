import { GalaxyError } from "@galaxy/errors";
import type {
  EngineClient,
  EngineRawResponse,
  EngineState,
} from "../../src/ports/engine-client.js";
import type { LobbyClient, Membership } from "../../src/ports/lobby-client.js";
import type { PlayerAccess, PlayerAccessStore } from "../../src/ports/player-access.js";
import type { MemoryRuntimeStore } from "./fakes.js";

/** A scripted Lobby: a roster per game, call counting, a switch to make it fail. */
export class FakeLobby implements LobbyClient {
  readonly rosters = new Map<string, Membership[]>();
  readonly calls: string[] = [];
  /** When set, every call throws it (after `delayMs`). */
  failure: Error | undefined;
  /** Delay of every answer, so that concurrent misses overlap. */
  delayMs = 0;

  setRoster(gameId: string, members: [userId: string, raceName: string, status: string][]): void {
    this.rosters.set(
      gameId,
      members.map(([userId, raceName, status]) => ({ userId, raceName, status })),
    );
  }

  async getMemberships(gameId: string): Promise<Membership[]> {
    this.calls.push(gameId);
    // The roster as of the call, like a Lobby that read its database before
    // a slow answer travelled back.
    const roster = (this.rosters.get(gameId) ?? []).map((member) => ({ ...member }));
    const failure = this.failure;
    if (this.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    }
    if (failure !== undefined) {
      throw failure;
    }
    return roster;
  }
}

/** The service_unavailable the real Lobby client throws. */
export function lobbyDown(): GalaxyError {
  return new GalaxyError(
    "service_unavailable",
    "cannot verify membership: Game Lobby is unavailable",
  );
}

/** {@link PlayerAccessStore} over the in-memory runtime store of the other fakes. */
export class MemoryPlayerAccess implements PlayerAccessStore {
  calls = 0;
  constructor(private readonly runtimes: MemoryRuntimeStore) {}

  async getPlayerAccess(gameId: string, userId: string): Promise<PlayerAccess | null> {
    this.calls += 1;
    this.runtimes.faults.check("getPlayerAccess");
    const record = this.runtimes.records.get(gameId);
    if (record === undefined) {
      return null;
    }
    const mapping = this.runtimes.mappings.find(
      (candidate) => candidate.gameId === gameId && candidate.userId === userId,
    );
    return {
      status: record.status,
      engineEndpoint: record.engineEndpoint,
      raceName: mapping?.raceName ?? null,
    };
  }
}

/** One hot-path call the engine received. */
export interface EngineHotCall {
  operation: "command" | "order" | "report";
  endpoint: string;
  actor: string;
  payload: unknown;
}

/**
 * An engine whose hot-path operations answer `reply` (an answer or an error
 * to throw) and record what they were sent; the admin operations are not
 * part of the hot path and refuse.
 */
export class ScriptedEngine implements EngineClient {
  readonly hotCalls: EngineHotCall[] = [];
  reply: EngineRawResponse | Error = {
    status: 200,
    contentType: "application/json",
    body: '{"ok":true}',
  };

  async init(): Promise<EngineState> {
    throw new Error("not scripted");
  }
  async status(): Promise<EngineState> {
    throw new Error("not scripted");
  }
  async turn(): Promise<EngineState> {
    throw new Error("not scripted");
  }
  async banish(): Promise<void> {
    throw new Error("not scripted");
  }

  async command(
    endpoint: string,
    actor: string,
    commands: readonly unknown[],
  ): Promise<EngineRawResponse> {
    return this.answer({ operation: "command", endpoint, actor, payload: commands });
  }

  async order(
    endpoint: string,
    actor: string,
    orders: readonly unknown[],
  ): Promise<EngineRawResponse> {
    return this.answer({ operation: "order", endpoint, actor, payload: orders });
  }

  async report(endpoint: string, player: string, turn: number): Promise<EngineRawResponse> {
    return this.answer({ operation: "report", endpoint, actor: player, payload: turn });
  }

  private answer(call: EngineHotCall): EngineRawResponse {
    this.hotCalls.push(call);
    if (this.reply instanceof Error) {
      throw this.reply;
    }
    return this.reply;
  }
}
