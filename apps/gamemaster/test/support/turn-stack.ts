import { type RunningEngineStub, startEngineStub } from "@galaxy/engine-stub";
import { decode, type NotificationIntent } from "@galaxy/notificationintent";
import { closeRedis, createRedis, fieldsToRecord } from "@galaxy/redisconn";
import { type RunningRtmStub, startRtmStub } from "@galaxy/rtm-stub";
import {
  createIsolatedDatabase,
  createIsolatedRedis,
  type IsolatedDatabase,
  type IsolatedRedis,
} from "@galaxy/testkit";
import type { Redis } from "ioredis";
import pg from "pg";
import { pino } from "pino";
import { type GameMasterConfig, loadConfig } from "../../src/config.js";
import { type GameMasterHandle, startGameMaster } from "../../src/server.js";
import type { OutboxRelayHooks } from "../../src/workers/outbox-relay.js";

/** Polls `check` every 20 ms until it holds, failing after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A `runtime_records` row as the tests read it. */
export interface RecordRow {
  game_id: string;
  status: string;
  current_turn: number;
  next_generation_at: Date | null;
  skip_next_tick: boolean;
  engine_health: string;
  current_engine_version: string;
  current_image_ref: string;
  stopped_at: Date | null;
  finished_at: Date | null;
  lease_token: string | null;
  updated_at: Date;
}

/**
 * The turn engine's integration stack: an isolated database and Redis
 * prefix, the engine stub, the RTM stub (publishing health events under the
 * same prefix), and a Game Master in-process that can be stopped and started
 * again on the same database and prefix.
 */
export class TurnStack {
  gm: GameMasterHandle | undefined;
  config!: GameMasterConfig;

  private constructor(
    readonly label: string,
    readonly database: IsolatedDatabase,
    readonly redisIsolation: IsolatedRedis,
    readonly engine: RunningEngineStub,
    readonly rtm: RunningRtmStub,
    readonly sql: pg.Pool,
    readonly redis: Redis,
  ) {}

  static async create(label: string): Promise<TurnStack> {
    const database = await createIsolatedDatabase(label);
    const redisIsolation = await createIsolatedRedis(label);
    const engine = await startEngineStub({ host: "127.0.0.1" });
    const rtm = await startRtmStub({
      redisUrl: redisIsolation.url,
      keyPrefix: redisIsolation.keyPrefix,
      engineBaseUrl: engine.url,
      blockMs: 200,
    });
    const sql = new pg.Pool({ connectionString: database.url, max: 3 });
    const redis = createRedis({ url: redisIsolation.url, keyPrefix: redisIsolation.keyPrefix });
    return new TurnStack(label, database, redisIsolation, engine, rtm, sql, redis);
  }

  /** The GM environment of this stack (port 0, fast scheduler, RTM stub). */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      GAMEMASTER_HTTP_PORT: "0",
      GAMEMASTER_POSTGRES_URL: this.database.url,
      GAMEMASTER_POSTGRES_MAX_CONNECTIONS: "6",
      GAMEMASTER_REDIS_URL: this.redisIsolation.url,
      GAMEMASTER_REDIS_KEY_PREFIX: this.redisIsolation.keyPrefix,
      GAMEMASTER_LOBBY_BASE_URL: "http://127.0.0.1:9",
      GAMEMASTER_RTM_BASE_URL: this.rtm.url,
      GAMEMASTER_RTM_TIMEOUT: "2s",
      GAMEMASTER_ENGINE_TIMEOUT: "1s",
      GAMEMASTER_ENGINE_TURN_TIMEOUT: "5s",
      GAMEMASTER_SCHEDULER_INTERVAL: "50ms",
      GAMEMASTER_SCHEDULER_CONCURRENCY: "8",
      GAMEMASTER_LOG_LEVEL: process.env.GM_TEST_LOG_LEVEL ?? "silent",
      ...overrides,
    };
  }

  async startGm(
    overrides: Record<string, string> = {},
    options: { relayHooks?: OutboxRelayHooks } = {},
  ): Promise<GameMasterHandle> {
    this.config = loadConfig(this.env(overrides));
    this.gm = await startGameMaster(this.config, {
      host: "127.0.0.1",
      logger: pino({ level: this.config.logLevel }),
      ...(options.relayHooks === undefined ? {} : { relayHooks: options.relayHooks }),
    });
    return this.gm;
  }

  async stopGm(): Promise<void> {
    await this.gm?.close();
    this.gm = undefined;
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown }> {
    if (this.gm === undefined) throw new Error("GM is not running");
    const response = await fetch(`${this.gm.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // text bodies (metrics) stay text
    }
    return { status: response.status, body: parsed };
  }

  async addEngineVersion(version: string): Promise<void> {
    const created = await this.call("POST", "/api/v1/internal/engine-versions", {
      version,
      image_ref: `registry.galaxy.internal/galaxy/game:${version}`,
    });
    if (created.status !== 201 && created.status !== 409) {
      throw new Error(
        `engine version ${version}: ${created.status} ${JSON.stringify(created.body)}`,
      );
    }
  }

  /** Registers a running game with two players on the engine stub. */
  async register(
    gameId: string,
    options: { schedule?: string; version?: string } = {},
  ): Promise<void> {
    const response = await this.call("POST", `/api/v1/internal/games/${gameId}/runtime`, {
      engine_endpoint: this.engine.engineEndpoint(gameId),
      members: [
        { user_id: `${gameId}-u1`, race_name: "Aelinari" },
        { user_id: `${gameId}-u2`, race_name: "Borg" },
      ],
      target_engine_version: options.version ?? "1.4.2",
      // Yearly: nothing becomes due unless a test moves next_generation_at.
      turn_schedule: options.schedule ?? "0 0 1 1 *",
    });
    if (response.status !== 201) {
      throw new Error(`register ${gameId}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  }

  /** Makes a game due now by moving next_generation_at one second into the past (no sleeping). */
  async makeDue(gameId: string, value = "now() - interval '1 second'"): Promise<void> {
    await this.sql.query(
      `UPDATE gamemaster.runtime_records SET next_generation_at = ${value} WHERE game_id = $1`,
      [gameId],
    );
  }

  async record(gameId: string): Promise<RecordRow> {
    const result = await this.sql.query<RecordRow>(
      "SELECT * FROM gamemaster.runtime_records WHERE game_id = $1",
      [gameId],
    );
    const row = result.rows[0];
    if (row === undefined) throw new Error(`no runtime record for ${gameId}`);
    return row;
  }

  async operations(gameId: string): Promise<Record<string, string>[]> {
    const result = await this.sql.query(
      "SELECT op_kind, op_source, source_ref, outcome, error_code, error_message FROM gamemaster.operation_log WHERE game_id = $1 ORDER BY id",
      [gameId],
    );
    return result.rows;
  }

  /**
   * Waits (up to `ms`) until the outbox relay has published every committed
   * row; returns whether it got there. Events reach the streams after their
   * commit, not with it.
   */
  async drained(ms = 5_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const result = await this.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM gamemaster.outbox",
      );
      if (result.rows[0]?.n === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The game's lobby events on the stream, after the outbox has drained. */
  async lobbyEvents(gameId: string): Promise<Record<string, string>[]> {
    await this.drained();
    const entries = await this.redis.xrange(this.config.streams.lobbyEvents, "-", "+");
    return entries
      .map(([, fields]) => fieldsToRecord(fields))
      .filter((fields) => fields.game_id === gameId);
  }

  /** The game's intents on the stream, after the outbox has drained. */
  async intents(gameId: string): Promise<NotificationIntent[]> {
    await this.drained();
    const entries = await this.redis.xrange(this.config.streams.notificationIntents, "-", "+");
    return entries
      .map(([, fields]) => decode(fieldsToRecord(fields)))
      .filter((intent) => intent.payload.game_id === gameId);
  }

  async engineState(gameId: string): Promise<{ turn: number; finished: boolean }> {
    const response = await fetch(`${this.engine.engineEndpoint(gameId)}/api/v1/admin/status`);
    return (await response.json()) as { turn: number; finished: boolean };
  }

  /** `/admin/turn` calls the engine stub received for a game. */
  async turnCalls(gameId: string): Promise<number> {
    const response = await fetch(`${this.engine.engineEndpoint(gameId)}/_stub/calls`);
    const body = (await response.json()) as { calls: { method: string; path: string }[] };
    return body.calls.filter((call) => call.method === "POST" && call.path.endsWith("/admin/turn"))
      .length;
  }

  async engineControl(gameId: string, control: string): Promise<void> {
    const response = await fetch(`${this.engine.engineEndpoint(gameId)}/_stub/${control}`, {
      method: "POST",
    });
    if (!response.ok) throw new Error(`engine control ${control}: ${response.status}`);
  }

  async rtmControl(path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${this.rtm.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`rtm control ${path}: ${response.status}`);
    return response.json();
  }

  async close(): Promise<void> {
    await this.stopGm().catch(() => undefined);
    await this.rtm.close().catch(() => undefined);
    await this.engine.close().catch(() => undefined);
    await closeRedis(this.redis).catch(() => undefined);
    await this.sql.end().catch(() => undefined);
    await this.redisIsolation.cleanup();
    await this.database.drop();
  }
}
