import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, startTcpProxy, type TcpProxy } from "@galaxy/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TurnStack, waitFor } from "./support/turn-stack.js";

// The outbox end to end, with a real PostgreSQL and Redis: Redis cut while
// turns go on, relay crashes injected inside Game Master, and a Game Master
// process killed with SIGKILL between commit and relay. Whatever happens,
// every (game, turn) ends with exactly one snapshot and one game.turn.ready.

const appDir = fileURLToPath(new URL("..", import.meta.url));

let s: TurnStack;
let proxy: TcpProxy;

function redisThrough(port: number): string {
  const url = new URL(s.redisIsolation.url);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return url.toString();
}

beforeAll(async () => {
  s = await TurnStack.create("gm_outbox_resilience");
  const target = new URL(s.redisIsolation.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
});

afterAll(async () => {
  await s?.close();
  await proxy?.close();
});

afterEach(async () => {
  proxy.restore();
  await s.stopGm();
});

/** Makes every listed running game due again, every `everyMs`, until stopped. */
function keepTurning(gameIds: readonly string[], everyMs = 100): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await s.sql
        .query(
          "UPDATE gamemaster.runtime_records SET next_generation_at = now() - interval '1 second' WHERE status = 'running' AND game_id = ANY($1)",
          [gameIds],
        )
        .catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function turnsOf(gameIds: readonly string[]): Promise<number> {
  const result = await s.sql.query<{ total: number }>(
    "SELECT coalesce(sum(current_turn), 0)::int AS total FROM gamemaster.runtime_records WHERE game_id = ANY($1)",
    [gameIds],
  );
  return result.rows[0]?.total ?? 0;
}

/** Waits until no game of the list is in generation and the outbox is empty. */
async function settled(gameIds: readonly string[]): Promise<void> {
  await waitFor(
    "turns settled and outbox drained",
    async () => {
      const busy = await s.sql.query(
        "SELECT 1 FROM gamemaster.runtime_records WHERE status = 'generation_in_progress' AND game_id = ANY($1)",
        [gameIds],
      );
      return busy.rows.length === 0 && (await s.drained(0));
    },
    20_000,
  );
}

/** Every (game, turn) 1..current_turn has exactly one snapshot and one turn-ready intent. */
async function expectExactlyOnce(gameIds: readonly string[]): Promise<void> {
  const eventIds = new Set<string>();
  for (const gameId of gameIds) {
    const { current_turn: turns } = await s.record(gameId);
    const snapshots = (await s.lobbyEvents(gameId)).filter(
      (event) => event.event_type === "runtime_snapshot_update",
    );
    for (const event of snapshots) {
      expect(eventIds.has(event.event_id ?? ""), `duplicate event_id ${event.event_id}`).toBe(
        false,
      );
      eventIds.add(event.event_id ?? "");
    }
    // Register's snapshot (turn 0) and one per turn, in turn order.
    expect(
      snapshots.map((event) => Number(event.current_turn)),
      gameId,
    ).toEqual(Array.from({ length: turns + 1 }, (_, turn) => turn));
    const ready = (await s.intents(gameId)).filter(
      (intent) => intent.notification_type === "game.turn.ready",
    );
    expect(
      ready.map((intent) => (intent.payload as { turn_number: number }).turn_number),
      gameId,
    ).toEqual(Array.from({ length: turns }, (_, index) => index + 1));
  }
}

async function metric(name: string): Promise<number> {
  const text = String((await s.call("GET", "/metrics")).body);
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text);
  return Number(match?.[1] ?? Number.NaN);
}

describe("outbox under failure", () => {
  it("keeps generating turns while Redis is cut, then drains the backlog in order, nothing lost or doubled", async () => {
    await s.startGm({ GAMEMASTER_REDIS_URL: redisThrough(proxy.port) });
    await s.addEngineVersion("1.4.2");
    const games = ["cut-1", "cut-2", "cut-3", "cut-4"];
    for (const gameId of games) await s.register(gameId);
    const driver = keepTurning(games);
    try {
      const t0 = await turnsOf(games);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const before = (await turnsOf(games)) - t0;

      proxy.cut();
      const t1 = await turnsOf(games);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const during = (await turnsOf(games)) - t1;
      // Redis down: GM stays in rotation, says so, and the backlog is visible.
      const ready = await s.call("GET", "/readyz");
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: "degraded",
        degraded: ["redis", "cache_invalidation"],
      });
      expect(await metric("gamemaster_outbox_backlog")).toBeGreaterThan(0);
      expect(await metric("gamemaster_outbox_oldest_age_seconds")).toBeGreaterThan(0);

      proxy.restore();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // Per second: 2 s before the cut, 3 s during it.
      expect(
        during / 3,
        `turns/s before ${before / 2}, during the cut ${during / 3}`,
      ).toBeGreaterThanOrEqual((0.5 * before) / 2);
      expect(before).toBeGreaterThan(0);
    } finally {
      await driver.stop();
    }
    await settled(games);
    await expectExactlyOnce(games);
    expect(await metric("gamemaster_outbox_backlog")).toBe(0);
    expect((await s.call("GET", "/readyz")).body).toEqual({ status: "ready" });
  }, 60_000);

  it("delivers exactly once when the relay inside Game Master dies after its Lua call, before removing the rows", async () => {
    let crashes = 0;
    await s.startGm(
      {},
      {
        relayHooks: {
          afterPublish: () => {
            if (crashes < 3) {
              crashes += 1;
              throw new Error("injected relay crash after the stream script");
            }
          },
        },
      },
    );
    await s.addEngineVersion("1.4.2");
    const games = ["hook-1", "hook-2"];
    for (const gameId of games) await s.register(gameId);
    const driver = keepTurning(games);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await driver.stop();
    await settled(games);
    expect(crashes).toBe(3);
    expect(await turnsOf(games)).toBeGreaterThan(0);
    await expectExactlyOnce(games);
  }, 60_000);

  it("publishes, after a restart, what a SIGKILLed Game Master process committed but never relayed", async () => {
    await s.startGm();
    await s.addEngineVersion("1.4.2");
    const games = ["kill-1", "kill-2", "kill-3"];
    for (const gameId of games) await s.register(gameId);
    await s.drained();
    await s.stopGm();

    // A real process whose Redis is cut: its commits pile up in the outbox.
    proxy.cut();
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=@galaxy/source", "src/main.ts"],
      {
        cwd: appDir,
        env: {
          PATH: process.env.PATH ?? "",
          ...s.env({
            GAMEMASTER_HTTP_PORT: String(port),
            GAMEMASTER_REDIS_URL: redisThrough(proxy.port),
          }),
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    const driver = keepTurning(games);
    try {
      await waitFor(
        "turns committed to the outbox",
        async () => {
          const rows = await s.sql.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM gamemaster.outbox WHERE event_type = 'game.turn.ready'",
          );
          return (rows.rows[0]?.n ?? 0) >= 6;
        },
        30_000,
      );
    } finally {
      await driver.stop();
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const backlog = await s.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM gamemaster.outbox",
    );
    expect(backlog.rows[0]?.n ?? 0).toBeGreaterThan(0);

    // Redis back, a new Game Master: the backlog drains, a turn cut by the
    // kill is recovered, and nothing is lost or doubled.
    proxy.restore();
    await s.startGm();
    await settled(games);
    await expectExactlyOnce(games);
  }, 90_000);

  it("a snapshot published after a restart carries the stored player stats, never []", async () => {
    await s.startGm();
    await s.addEngineVersion("1.4.2");
    await s.register("stats-1");
    await s.makeDue("stats-1");
    await waitFor("turn 1", async () => (await s.record("stats-1")).current_turn === 1);
    await settled(["stats-1"]);
    const afterTurn = (await s.lobbyEvents("stats-1")).at(-1);
    const stats = JSON.parse(afterTurn?.player_turn_stats ?? "[]") as unknown[];
    expect(stats).toHaveLength(2);

    // A new Game Master (nothing in memory) reports a change without an engine answer.
    await s.stopGm();
    await s.startGm();
    const stopped = await s.call("POST", "/api/v1/internal/games/stats-1/runtime/stop", {
      reason: "admin_request",
    });
    expect(stopped.status).toBe(200);
    await settled(["stats-1"]);
    const snapshot = (await s.lobbyEvents("stats-1")).at(-1);
    expect(snapshot).toMatchObject({ runtime_status: "stopped", current_turn: "1" });
    expect(JSON.parse(snapshot?.player_turn_stats ?? "[]")).toEqual(stats);
  }, 60_000);

  it("applies health events exactly once when the whole stream is replayed (consumer group lost)", async () => {
    await s.startGm();
    await s.addEngineVersion("1.4.2");
    await s.register("replay-1");
    const publish = async (eventType: string) =>
      (
        (await s.rtmControl("/_stub/health-events", {
          game_id: "replay-1",
          event_type: eventType,
        })) as { id: string }
      ).id;
    await publish("container_exited");
    const last = await publish("container_started");
    await waitFor("both health entries applied", async () => {
      const row = await s.sql.query<{ last_health_event_id: string }>(
        "SELECT last_health_event_id FROM gamemaster.runtime_records WHERE game_id = 'replay-1'",
      );
      return row.rows[0]?.last_health_event_id === last;
    });
    await settled(["replay-1"]);
    const eventsBefore = (await s.lobbyEvents("replay-1")).length;
    const transitionsBefore = (await s.operations("replay-1")).filter(
      (op) => op.op_kind === "health_transition",
    ).length;
    expect(transitionsBefore).toBe(2);

    // Lose the group (and any offset of an older version): a restarted GM creates it at 0 and
    // reads the stream from the start again.
    await s.stopGm();
    const groupKey = s.redisIsolation.keyPrefix + s.config.streams.healthEvents;
    await s.redis.xgroup("DESTROY", groupKey, s.config.healthEventsConsumer.group);
    await s.sql.query("DELETE FROM gamemaster.stream_offsets");
    await s.startGm();
    await waitFor("the replay read to the end", async () => {
      const groups = (await s.redis.xinfo("GROUPS", groupKey)) as unknown[][];
      const info = groups[0] ?? [];
      const field = (name: string) => info[info.indexOf(name) + 1];
      return field("last-delivered-id") === last && Number(field("pending")) === 0;
    });
    expect(await s.record("replay-1")).toMatchObject({
      status: "running",
      engine_health: "healthy",
    });
    expect(
      (await s.operations("replay-1")).filter((op) => op.op_kind === "health_transition"),
    ).toHaveLength(transitionsBefore);
    await settled(["replay-1"]);
    expect(await s.lobbyEvents("replay-1")).toHaveLength(eventsBefore);
    const text = String((await s.call("GET", "/metrics")).body);
    expect(text).toMatch(
      /gamemaster_health_events_consumed_total\{event_type="container_exited",outcome="stale"\} 1/,
    );
  }, 60_000);

  it("a turn cut by a SIGKILL is recovered with its snapshot and its intent", async () => {
    await s.startGm();
    await s.addEngineVersion("1.4.2");
    await s.register("cut-turn");
    await s.drained();
    await s.stopGm();
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=@galaxy/source", "src/main.ts"],
      {
        cwd: appDir,
        env: { PATH: process.env.PATH ?? "", ...s.env({ GAMEMASTER_HTTP_PORT: String(port) }) },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    await waitFor(
      "the Game Master process listening",
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
        } catch {
          return false;
        }
      },
      60_000,
    );
    await s.engineControl("cut-turn", "slow-next-turn?ms=1500");
    await s.makeDue("cut-turn");
    // Killed once the engine holds the turn (the claim alone is visible a little earlier).
    await waitFor(
      "turn in flight at the engine",
      async () => (await s.turnCalls("cut-turn")) === 1,
      30_000,
    );
    expect((await s.record("cut-turn")).status).toBe("generation_in_progress");
    child.kill("SIGKILL");
    await exited;
    // The engine finishes the turn the dead GM asked for; the next GM recovers it.
    await waitFor("engine at turn 1", async () => (await s.engineState("cut-turn")).turn === 1);
    await s.startGm();
    await waitFor("recovered", async () => (await s.record("cut-turn")).current_turn === 1, 30_000);
    await settled(["cut-turn"]);
    await expectExactlyOnce(["cut-turn"]);
  }, 90_000);
});
