import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
// The replica soak's harness (its own database, engine stub and GM processes), shared with
// `pnpm --filter @galaxy/gamemaster soak:replicas`; self-contained, imported by path.
import {
  formatReplicaSoakReport,
  runReplicaSoak,
} from "../apps/gamemaster/test/support/replica-soak.js";
import {
  createGame,
  engineCalls,
  engineState,
  gmRuntime,
  makeTurnDue,
  operationLog,
  playerHeaders,
  readStream,
  startGame,
  waitForRuntime,
} from "./support/games.js";
import { expectStatus, requestJson } from "./support/http.js";
import { assertBuilt, freePorts, Service } from "./support/stack.js";
import { useStack } from "./support/use-stack.js";
import { eventually, waitFor } from "./support/wait.js";

// Several Game Master replicas on one database and one Redis (docs/deployment.md): the stack's GM
// is replica A (the one the lobby stub calls); B and C are two more real GM processes with the
// same environment on other ports. Only C's scheduler ticks (A and B tick once an hour), so the
// suite knows which replica generates a turn. Both caches have TTLs of ten minutes: only the
// cross-replica invalidation can explain a change being seen within a second. C's turn lease is
// short (renewed every second) so that a slow turn shows its renewals. The chaos case at the
// end runs its own three ticking replicas (the replica soak's harness).

const CACHE_TTLS = {
  GAMEMASTER_MEMBERSHIP_CACHE_TTL: "10m",
  GAMEMASTER_RUNTIME_CACHE_TTL: "10m",
};
const QUIET_SCHEDULER = { GAMEMASTER_SCHEDULER_INTERVAL: "1h" };
/** C's drain budget: longer than the slow turn below, far shorter than the default. */
const C_SHUTDOWN_TIMEOUT_MS = 10_000;
const SLOW_TURN_MS = 2_500;
/** C's GAMEMASTER_TURN_LEASE: renewed every lease/3 while its engine call runs. */
const C_TURN_LEASE_MS = 3_000;
/** Games of the chaos case. */
const CHAOS_GAMES = 40;
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
    GAMEMASTER_TURN_LEASE: `${C_TURN_LEASE_MS}ms`,
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

/** A runtime record's status and lease columns, with the database's clock. */
interface LeaseRow {
  status: string;
  current_turn: number;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: Date | null;
  lease_trigger: string | null;
  db_now: Date;
}

async function leaseRow(gameId: string): Promise<LeaseRow> {
  const result = await stackOf().sql.query<LeaseRow>(
    `SELECT status, current_turn, lease_owner, lease_token::text AS lease_token,
            lease_expires_at, lease_trigger, now() AS db_now
       FROM gamemaster.runtime_records WHERE game_id = $1`,
    [gameId],
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error(`no runtime record for ${gameId}`);
  return row;
}

/** Waits until the game's record (read in the database, not through a cache) has `status`. */
async function waitForStatus(gameId: string, status: string): Promise<void> {
  await waitFor(
    async () => {
      const result = await stackOf().sql.query<{ status: string }>(
        "SELECT status FROM gamemaster.runtime_records WHERE game_id = $1",
        [gameId],
      );
      return result.rows[0]?.status === status ? true : undefined;
    },
    { what: `${gameId} in ${status}`, timeoutMs: 10_000, intervalMs: 20 },
  );
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

  it("force-next-turn on A while C generates that game's turn: A answers 409 conflict, the game gets exactly one turn", async () => {
    const stack = stackOf();
    const gameId = "rep-force";
    await runningGame(gameId);
    await expectStatus(
      200,
      "POST",
      `${stack.engine.url}/games/${gameId}/_stub/slow-next-turn?ms=${SLOW_TURN_MS}`,
    );
    await makeTurnDue(stack, gameId);
    // Only C ticks: it claims the turn and waits for the slow engine.
    await waitForStatus(gameId, "generation_in_progress");

    const forced = await requestJson<{ error?: { code: string; message: string } }>(
      "POST",
      `${stack.gm.url}/api/v1/internal/games/${gameId}/runtime/force-next-turn`,
      { headers: { "x-op-source": "admin_rest" } },
    );
    expect(forced.status).toBe(409);
    expect(forced.body.error?.code).toBe("conflict");
    // soft: the turn checks below still run when only the wording differs
    expect.soft(forced.body.error?.message).toMatch(/already being generated/);
    // The refusal took nothing from C: the turn is still C's.
    expect(await gmRuntime(stack, gameId)).toMatchObject({ status: "generation_in_progress" });

    const settled = await waitForRuntime(
      stack,
      gameId,
      "C's turn settled",
      (record) => record.status !== "generation_in_progress",
      SLOW_TURN_MS + 10_000,
    );
    expect(settled).toMatchObject({ status: "running", current_turn: 1 });
    expect((await engineState(stack, gameId)).turn).toBe(1);
    expect(
      (await engineCalls(stack, gameId)).filter((call) => call.path === "/api/v1/admin/turn"),
    ).toHaveLength(1);
    const turnEntries = (await operationLog(stack, gameId)).filter(
      (entry) => entry.op_kind === "turn_generation" || entry.op_kind === "force_next_turn",
    );
    expect(turnEntries).toHaveLength(2);
    expect(turnEntries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          op_kind: "force_next_turn",
          op_source: "admin_rest",
          outcome: "failure",
          error_code: "conflict",
        }),
        expect.objectContaining({
          op_kind: "turn_generation",
          op_source: "scheduler",
          outcome: "success",
        }),
      ]),
    );
    // One snapshot of turn 1 on the stream, once everything committed has been relayed.
    await eventually(
      async () => {
        const outbox = await stack.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM gamemaster.outbox",
        );
        expect(outbox.rows[0]?.n).toBe(0);
      },
      { what: "the outbox drained", timeoutMs: 10_000 },
    );
    const snapshots = (await readStream(stack, "gm:lobby_events")).filter(
      (entry) =>
        entry.fields.game_id === gameId &&
        entry.fields.event_type === "runtime_snapshot_update" &&
        entry.fields.current_turn === "1",
    );
    expect(snapshots).toHaveLength(1);
  });

  it("the replica generating a turn holds the game's lease: lease_owner gm-c, renewed while the engine call runs, cleared at settle", async () => {
    const stack = stackOf();
    const gameId = "rep-lease";
    await runningGame(gameId);
    await expectStatus(
      200,
      "POST",
      `${stack.engine.url}/games/${gameId}/_stub/slow-next-turn?ms=${SLOW_TURN_MS}`,
    );
    await makeTurnDue(stack, gameId);
    const samples: LeaseRow[] = [];
    await waitFor(
      async () => {
        const row = await leaseRow(gameId);
        if (row.status === "generation_in_progress") samples.push(row);
        return samples.length > 0 && row.status !== "generation_in_progress" ? true : undefined;
      },
      {
        what: `${gameId}: a turn claimed and settled`,
        timeoutMs: SLOW_TURN_MS + 10_000,
        intervalMs: 50,
      },
    );
    // The slow engine call lasts well over two renewal periods (lease/3).
    expect(samples.length).toBeGreaterThan(10);
    const [first] = samples;
    expect(first?.lease_token).toMatch(/^[0-9a-f-]{36}$/);
    for (const sample of samples) {
      expect(sample).toMatchObject({
        lease_owner: "gm-c",
        lease_token: first?.lease_token,
        lease_trigger: "scheduler",
      });
      // Never expired while its owner is alive, and never more than one lease ahead.
      const ahead = (sample.lease_expires_at?.getTime() ?? 0) - sample.db_now.getTime();
      expect(ahead).toBeGreaterThan(0);
      expect(ahead).toBeLessThanOrEqual(C_TURN_LEASE_MS + 250);
    }
    const expiries = new Set(samples.map((sample) => sample.lease_expires_at?.getTime()));
    expect(expiries.size).toBeGreaterThanOrEqual(2);

    const after = await leaseRow(gameId);
    expect(after).toMatchObject({
      status: "running",
      current_turn: 1,
      lease_owner: null,
      lease_token: null,
      lease_expires_at: null,
      lease_trigger: null,
    });
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

  it("continuous ticks on three replicas while one is SIGKILLed and restarted three times: every due tick one turn, no stuck game, one snapshot per turn", async () => {
    // Its own database, engine stub and three ticking replicas (gm-a/b/c of the soak, not of
    // this file's stack), run from dist/ like the rest of the suite.
    assertBuilt(["gamemaster", "engine-stub"]);
    const progress: string[] = [];
    const report = await runReplicaSoak({
      label: "int_replicas_chaos",
      instances: 3,
      games: CHAOS_GAMES,
      seconds: 20,
      kills: 3,
      launcher: "dist",
      turnLeaseMs: 3_000,
      recoveryIntervalMs: 500,
      slowTurnMaxMs: 1_000,
      forceEveryMs: 500,
      settleTimeoutMs: 45_000,
      log: (line) => progress.push(line),
    });
    const text = [...progress, ...formatReplicaSoakReport(report)].join("\n");
    console.info(`=== replica chaos ===\n${text}`);
    // Engine turn = current_turn = successful turn entries for every game, nothing left in
    // generation or holding a lease, one runtime_snapshot_update and one game.turn.ready per
    // (game, turn), no instance died on its own, recovery within lease + interval + engine call.
    expect.soft(report.violations, text).toEqual([]);
    expect.soft(report.kills, text).toHaveLength(3);
    // The games really ticked throughout (each is made due about every second).
    expect.soft(report.turns, text).toBeGreaterThan(3 * CHAOS_GAMES);
    // Recovery time is measured on the games the killed instance held (lease_owner).
    expect.soft(report.leaseColumns, "runtime_records has the lease columns").toBe(true);
  }, 240_000);
});
