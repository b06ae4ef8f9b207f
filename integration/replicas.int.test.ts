import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createGame,
  engineCalls,
  gmRuntime,
  makeTurnDue,
  operationLog,
  playerHeaders,
  startGame,
  waitForRuntime,
} from "./support/games.js";
import { expectStatus, requestJson } from "./support/http.js";
import { freePorts, Service } from "./support/stack.js";
import { useStack } from "./support/use-stack.js";
import { waitFor } from "./support/wait.js";

// Several Game Master replicas on one database and one Redis (docs/deployment.md): the stack's GM
// is replica A (the one the lobby stub calls); B and C are two more real GM processes with the
// same environment on other ports. Only C's scheduler ticks (A and B tick once an hour), so the
// suite knows which replica generates a turn. Both caches have TTLs of ten minutes: only the
// cross-replica invalidation can explain a change being seen within a second.

const CACHE_TTLS = {
  GAMEMASTER_MEMBERSHIP_CACHE_TTL: "10m",
  GAMEMASTER_RUNTIME_CACHE_TTL: "10m",
};
const QUIET_SCHEDULER = { GAMEMASTER_SCHEDULER_INTERVAL: "1h" };
/** C's drain budget: longer than the slow turn below, far shorter than the default. */
const C_SHUTDOWN_TIMEOUT_MS = 10_000;
const SLOW_TURN_MS = 2_500;
/** What "every replica within 1 s" allows. */
const PROPAGATION_MS = 1_000;

const stackOf = useStack({
  label: "int_replicas",
  env: { gamemaster: { GAMEMASTER_INSTANCE_ID: "gm-a", ...CACHE_TTLS, ...QUIET_SCHEDULER } },
});

let b: Service;
let c: Service;

function replica(name: string, port: number, env: Record<string, string>): Service {
  const stack = stackOf();
  return new Service({
    name: "gamemaster",
    port,
    env: {
      ...stack.gm.env,
      GAMEMASTER_HTTP_PORT: String(port),
      GAMEMASTER_INSTANCE_ID: name,
      ...env,
    },
    readinessPath: "/readyz",
  });
}

beforeAll(async () => {
  const [portB = 0, portC = 0] = await freePorts(2);
  b = replica("gm-b", portB, QUIET_SCHEDULER);
  c = replica("gm-c", portC, {
    GAMEMASTER_SCHEDULER_INTERVAL: "200ms",
    GAMEMASTER_SHUTDOWN_TIMEOUT: `${C_SHUTDOWN_TIMEOUT_MS}ms`,
  });
  await Promise.all([b.start(), c.start()]);
}, 120_000);

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    console.error(`=== replicas B and C ===\n${b?.logs()}\n${c?.logs()}`);
  });
});

afterAll(async () => {
  await Promise.all([b?.stop(), c?.stop()]);
}, 60_000);

const ANN = { user_id: "u-ann", race_name: "Aelinari" };
const BOB = { user_id: "u-bob", race_name: "Borgh" };

/** A running game with Ann and Bob, registered through the lobby (and so through replica A). */
async function runningGame(gameId: string): Promise<void> {
  const stack = stackOf();
  await createGame(stack, { gameId, members: [ANN, BOB] });
  await startGame(stack, gameId);
  await waitForRuntime(stack, gameId, "running", (record) => record.status === "running");
}

function command(replicaUrl: string, gameId: string, userId: string) {
  return requestJson<{ error?: { code: string } }>(
    "POST",
    `${replicaUrl}/api/v1/internal/games/${gameId}/commands`,
    { headers: playerHeaders(userId), body: { commands: [{ op: "scan" }] } },
  );
}

/**
 * Sends commands to a replica until one answers `status` with error `code`; returns how long
 * that took after `since`. Fails after three times the propagation budget, naming the last answer.
 */
async function timeUntilRefused(
  replicaUrl: string,
  gameId: string,
  userId: string,
  expected: { status: number; code: string },
  since: number,
): Promise<number> {
  let last: unknown;
  await waitFor(
    async () => {
      const response = await command(replicaUrl, gameId, userId);
      last = { status: response.status, body: response.body };
      return response.status === expected.status && response.body.error?.code === expected.code
        ? true
        : undefined;
    },
    {
      what: `${replicaUrl} to refuse ${userId} with ${expected.code} (last: ${JSON.stringify(last)})`,
      timeoutMs: 3 * PROPAGATION_MS,
      intervalMs: 20,
    },
  );
  return Date.now() - since;
}

/** A counter of a replica's /metrics, summed over the series whose labels contain `labels`. */
async function counter(replicaUrl: string, name: string, labels: string): Promise<number> {
  const response = await fetch(`${replicaUrl}/metrics`);
  const text = await response.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) && line.includes(labels)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

describe("Game Master replicas on one PostgreSQL and Redis", () => {
  it("serves the full API on every replica, each under its own instance id", async () => {
    const stack = stackOf();
    for (const [url, id] of [
      [stack.gm.url, "gm-a"],
      [b.url, "gm-b"],
      [c.url, "gm-c"],
    ] as const) {
      await expectStatus(200, "GET", `${url}/readyz`);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(`gamemaster_instance_info{instance_id="${id}"} 1`);
    }
    // Every line B wrote names it.
    const lines = (b.process?.logs() ?? "").split("\n").filter((line) => line.startsWith("{"));
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      expect((JSON.parse(line) as { instance_id?: string }).instance_id).toBe("gm-b");
    }
  });

  it("a roster change whose hook reached A is enforced by B within 1 s (forbidden for the removed member)", async () => {
    const stack = stackOf();
    const gameId = "rep-roster";
    await runningGame(gameId);
    // Warm B: Ann's membership and the game's runtime view are now cached on B for ten minutes.
    for (let i = 0; i < 3; i += 1) {
      expect((await command(b.url, gameId, ANN.user_id)).status).toBe(200);
    }
    const receivedBefore = await counter(
      b.url,
      "gamemaster_cache_invalidations_total",
      'direction="received",kind="membership"',
    );

    // The lobby stub removes Ann and calls its GM's invalidate hook — replica A's.
    await expectStatus(
      200,
      "POST",
      `${stack.lobby.url}/api/v1/games/${gameId}/members/${ANN.user_id}/remove`,
    );
    const elapsed = await timeUntilRefused(
      b.url,
      gameId,
      ANN.user_id,
      { status: 403, code: "forbidden" },
      Date.now(),
    );
    expect(elapsed).toBeLessThan(PROPAGATION_MS);
    expect(
      await counter(
        b.url,
        "gamemaster_cache_invalidations_total",
        'direction="received",kind="membership"',
      ),
    ).toBeGreaterThan(receivedBefore);
    // Bob is unaffected on B, and C (never asked about this game before) agrees with both.
    expect((await command(b.url, gameId, BOB.user_id)).status).toBe(200);
    expect((await command(c.url, gameId, ANN.user_id)).status).toBe(403);
  });

  it("a runtime stopped through A is refused by B within 1 s with runtime_not_running", async () => {
    const stack = stackOf();
    const gameId = "rep-stop";
    await runningGame(gameId);
    for (let i = 0; i < 3; i += 1) {
      expect((await command(b.url, gameId, BOB.user_id)).status).toBe(200);
    }
    await expectStatus(
      200,
      "POST",
      `${stack.gm.url}/api/v1/internal/games/${gameId}/runtime/stop`,
      { headers: { "x-op-source": "admin_rest" }, body: { reason: "admin_request" } },
    );
    const elapsed = await timeUntilRefused(
      b.url,
      gameId,
      BOB.user_id,
      { status: 409, code: "runtime_not_running" },
      Date.now(),
    );
    expect(elapsed).toBeLessThan(PROPAGATION_MS);
    expect(
      await counter(
        b.url,
        "gamemaster_cache_invalidations_total",
        'direction="received",kind="runtime"',
      ),
    ).toBeGreaterThan(0);
  });

  it("each health event is applied by exactly one of the three replicas (one consumer group)", async () => {
    const stack = stackOf();
    const games = ["rep-health-1", "rep-health-2"];
    for (const gameId of games) await runningGame(gameId);
    const replicas = [stack.gm.url, b.url, c.url];
    const totalOf = async (labels: string) => {
      let total = 0;
      for (const url of replicas) {
        total += await counter(url, "gamemaster_health_events_consumed_total", labels);
      }
      return total;
    };
    // Whatever RTM published so far (container_started of the starts) is applied and acked.
    const groupKey = `${stack.redisIsolation.keyPrefix}runtime:health_events`;
    const drained = async () => {
      const [last] = await stack.redis.xrevrange("runtime:health_events", "+", "-", "COUNT", 1);
      const groups = (await stack.redis.xinfo("GROUPS", groupKey)) as unknown[][];
      const info = groups.find((fields) => fields[1] === "gamemaster") ?? [];
      const field = (name: string) => info[info.indexOf(name) + 1];
      return field("last-delivered-id") === last?.[0] && Number(field("pending")) === 0
        ? true
        : undefined;
    };
    await waitFor(drained, { what: "the health stream drained by the group", timeoutMs: 10_000 });
    const consumedBefore = await totalOf("");
    const staleBefore = await totalOf('outcome="stale"');

    // Three status flips per game; each waits for the previous one of its game to land.
    const flips = ["container_exited", "container_started", "container_oom"];
    await Promise.all(
      games.map(async (gameId) => {
        for (const eventType of flips) {
          await expectStatus(200, "POST", `${stack.rtm.url}/_stub/health-events`, {
            body: { game_id: gameId, event_type: eventType },
          });
          const status = eventType === "container_started" ? "running" : "engine_unreachable";
          await waitForRuntime(stack, gameId, `${eventType} applied`, (r) => r.status === status);
        }
      }),
    );
    await waitFor(drained, { what: "the new events acknowledged", timeoutMs: 10_000 });

    // Read by every replica, each event would be counted three times (twice as stale).
    expect((await totalOf("")) - consumedBefore).toBe(games.length * flips.length);
    expect((await totalOf('outcome="stale"')) - staleBefore).toBe(0);
    for (const gameId of games) {
      const transitions = (await operationLog(stack, gameId)).filter(
        (entry) => entry.op_kind === "health_transition",
      );
      expect(transitions).toHaveLength(flips.length);
    }
  });

  it("SIGTERM on the replica generating a turn: it stops claiming, settles the turn, exits 0 within its shutdown timeout", async () => {
    const stack = stackOf();
    const turning = "rep-drain";
    const waiting = "rep-drain-next";
    await runningGame(turning);
    await runningGame(waiting);
    // B caches the game as running; C's turn cutoff and outcome must reach it.
    for (let i = 0; i < 3; i += 1) {
      expect((await command(b.url, turning, ANN.user_id)).status).toBe(200);
    }
    await expectStatus(
      200,
      "POST",
      `${stack.engine.url}/games/${turning}/_stub/slow-next-turn?ms=${SLOW_TURN_MS}`,
    );
    await makeTurnDue(stack, turning);
    // Only C ticks: it claims the turn and waits for the slow engine.
    await waitFor(
      async () => {
        const result = await stack.sql.query<{ status: string }>(
          "SELECT status FROM gamemaster.runtime_records WHERE game_id = $1",
          [turning],
        );
        return result.rows[0]?.status === "generation_in_progress" ? true : undefined;
      },
      { what: `${turning} in generation_in_progress`, timeoutMs: 10_000, intervalMs: 20 },
    );
    // The cutoff C wrote is enforced by B within 1 s (its runtime view TTL is ten minutes).
    const cutoffSeen = await timeUntilRefused(
      b.url,
      turning,
      ANN.user_id,
      { status: 409, code: "runtime_not_running" },
      Date.now(),
    );
    expect(cutoffSeen).toBeLessThan(PROPAGATION_MS);

    const child = c.process;
    if (child === undefined) throw new Error("replica C is not running");
    const sent = Date.now();
    const exited = child.stop(C_SHUTDOWN_TIMEOUT_MS + 5_000);
    // Due while C drains: a replica that has stopped claiming must leave it alone.
    await makeTurnDue(stack, waiting);
    const exit = await exited;
    const tookMs = Date.now() - sent;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(C_SHUTDOWN_TIMEOUT_MS);
    const logs = child.logs();
    expect(logs).toContain('"signal received"');
    expect(logs).toContain('"gamemaster stopped"');
    expect(logs).not.toContain("shutdown timed out");

    // The turn C had in flight was settled by C before it exited: one generation, logged once.
    const settled = await gmRuntime(stack, turning);
    expect(settled).toMatchObject({ status: "running", current_turn: 1 });
    const turns = (await operationLog(stack, turning)).filter(
      (entry) => entry.op_kind === "turn_generation",
    );
    expect(turns).toEqual([
      expect.objectContaining({ op_source: "scheduler", outcome: "success" }),
    ]);
    const turnCalls = (await engineCalls(stack, turning)).filter(
      (call) => call.path === "/api/v1/admin/turn",
    );
    expect(turnCalls).toHaveLength(1);
    // C's outcome write reached B before C exited: B serves the game as running again.
    expect((await command(b.url, turning, ANN.user_id)).status).toBe(200);

    // The game that became due during the drain was not claimed by C (A and B tick hourly).
    expect(await gmRuntime(stack, waiting)).toMatchObject({ status: "running", current_turn: 0 });
    expect(
      (await engineCalls(stack, waiting)).filter((call) => call.path === "/api/v1/admin/turn"),
    ).toEqual([]);
  });
});
