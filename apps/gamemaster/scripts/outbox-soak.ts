/**
 * `pnpm --filter @galaxy/gamemaster soak:outbox` — the outbox's long failure runs, on real
 * processes, reported as numbers (too long for the test suite; the bounded versions live in
 * test/outbox-resilience.int.test.ts):
 *
 *   1. Redis cut: SOAK_GAMES (default 20) games generate turns continuously on a Game Master
 *      process whose Redis goes through a TCP proxy; SOAK_BEFORE_S (10) seconds up, SOAK_CUT_S
 *      (30) seconds cut, then restored. Turn rate before / during the cut, whether the process
 *      stayed up, and after the drain: every (game, turn) with exactly one snapshot and one
 *      game.turn.ready.
 *   2. SIGKILL: SOAK_KILL_GAMES (default 100) games turn continuously while the Game Master
 *      process is SIGKILLed SOAK_KILLS (10) times at random moments (0.5–2.5 s apart) and
 *      restarted; then the same exactly-once check.
 *
 * Exits 1 when a check fails. SOAK_ONLY=cut or SOAK_ONLY=kill runs one part.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, startTcpProxy } from "@galaxy/testkit";
import { TurnStack, waitFor } from "../test/support/turn-stack.js";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const GAMES = Number(process.env.SOAK_GAMES ?? 20);
const BEFORE_S = Number(process.env.SOAK_BEFORE_S ?? 10);
const CUT_S = Number(process.env.SOAK_CUT_S ?? 30);
const KILL_GAMES = Number(process.env.SOAK_KILL_GAMES ?? 100);
const KILLS = Number(process.env.SOAK_KILLS ?? 10);

const log = (message: string) => process.stdout.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let failures = 0;
const check = (ok: boolean, what: string) => {
  log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures += 1;
};

function spawnGm(s: TurnStack, env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@galaxy/source", "src/main.ts"],
    {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? "", ...s.env(env) },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exit };
}

async function waitReady(port: number): Promise<void> {
  await waitFor(
    "gamemaster /healthz",
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    60_000,
  );
}

function keepTurning(s: TurnStack, gameIds: readonly string[]) {
  let running = true;
  const loop = (async () => {
    while (running) {
      await s.sql
        .query(
          "UPDATE gamemaster.runtime_records SET next_generation_at = now() - interval '1 second' WHERE status = 'running' AND game_id = ANY($1)",
          [gameIds],
        )
        .catch(() => undefined);
      await sleep(100);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function turnsOf(s: TurnStack, gameIds: readonly string[]): Promise<number> {
  const result = await s.sql.query<{ total: number }>(
    "SELECT coalesce(sum(current_turn), 0)::int AS total FROM gamemaster.runtime_records WHERE game_id = ANY($1)",
    [gameIds],
  );
  return result.rows[0]?.total ?? 0;
}

async function settle(s: TurnStack, gameIds: readonly string[]): Promise<void> {
  await waitFor(
    "turns settled and outbox drained",
    async () => {
      const busy = await s.sql.query(
        "SELECT 1 FROM gamemaster.runtime_records WHERE status = 'generation_in_progress' AND game_id = ANY($1)",
        [gameIds],
      );
      return busy.rows.length === 0 && (await s.drained(0));
    },
    120_000,
  );
}

/** Missing / doubled snapshots and turn-ready intents over every (game, turn). */
async function audit(s: TurnStack, gameIds: readonly string[]) {
  let turns = 0;
  let missingSnapshots = 0;
  let doubledSnapshots = 0;
  let missingIntents = 0;
  let doubledIntents = 0;
  for (const gameId of gameIds) {
    const { current_turn: last } = await s.record(gameId);
    turns += last;
    const snaps = new Map<number, number>();
    for (const event of await s.lobbyEvents(gameId)) {
      if (event.event_type !== "runtime_snapshot_update") continue;
      const turn = Number(event.current_turn);
      snaps.set(turn, (snaps.get(turn) ?? 0) + 1);
    }
    const ready = new Map<number, number>();
    for (const intent of await s.intents(gameId)) {
      if (intent.notification_type !== "game.turn.ready") continue;
      const turn = (intent.payload as { turn_number: number }).turn_number;
      ready.set(turn, (ready.get(turn) ?? 0) + 1);
    }
    for (let turn = 1; turn <= last; turn += 1) {
      const snap = snaps.get(turn) ?? 0;
      const intent = ready.get(turn) ?? 0;
      if (snap === 0) missingSnapshots += 1;
      if (snap > 1) doubledSnapshots += snap - 1;
      if (intent === 0) missingIntents += 1;
      if (intent > 1) doubledIntents += intent - 1;
    }
  }
  return { turns, missingSnapshots, doubledSnapshots, missingIntents, doubledIntents };
}

async function redisCut(): Promise<void> {
  log(`== Redis cut: ${GAMES} games, ${BEFORE_S} s up, ${CUT_S} s cut`);
  const s = await TurnStack.create("soak_redis_cut");
  const target = new URL(s.redisIsolation.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const url = new URL(s.redisIsolation.url);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  try {
    await s.startGm();
    await s.addEngineVersion("1.4.2");
    const games = Array.from({ length: GAMES }, (_, index) => `cut-${index}`);
    for (const gameId of games) await s.register(gameId);
    await s.stopGm();
    const port = await freePort();
    const gm = spawnGm(s, {
      GAMEMASTER_HTTP_PORT: String(port),
      GAMEMASTER_REDIS_URL: url.toString(),
    });
    let exited = false;
    void gm.exit.then(() => {
      exited = true;
    });
    await waitReady(port);
    const stop = keepTurning(s, games);
    const t0 = await turnsOf(s, games);
    await sleep(BEFORE_S * 1000);
    const t1 = await turnsOf(s, games);
    proxy.cut();
    await sleep(CUT_S * 1000);
    const t2 = await turnsOf(s, games);
    const backlog = await s.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM gamemaster.outbox",
    );
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    const readyBody = await ready.text();
    proxy.restore();
    const restored = Date.now();
    await stop();
    await settle(s, games);
    const drainSeconds = (Date.now() - restored) / 1000;
    const before = (t1 - t0) / BEFORE_S;
    const during = (t2 - t1) / CUT_S;
    log(
      `  turns/s before the cut ${before.toFixed(2)}, during ${during.toFixed(2)} (ratio ${(during / before).toFixed(2)})`,
    );
    log(
      `  outbox backlog at the end of the cut: ${backlog.rows[0]?.n}; /readyz ${ready.status} ${readyBody}`,
    );
    log(`  drained ${drainSeconds.toFixed(1)} s after Redis came back (turns stopped at restore)`);
    const result = await audit(s, games);
    log(`  ${JSON.stringify(result)}`);
    check(during >= 0.5 * before, "turn rate during the cut >= 0.5 x before");
    check(!exited, "Game Master never exited");
    check(
      result.missingSnapshots +
        result.doubledSnapshots +
        result.missingIntents +
        result.doubledIntents ===
        0,
      "every (game, turn): exactly one snapshot and one game.turn.ready",
    );
    gm.child.kill("SIGTERM");
    await gm.exit;
  } finally {
    await s.close();
    await proxy.close();
  }
}

async function sigkills(): Promise<void> {
  log(`== SIGKILL: ${KILL_GAMES} games, ${KILLS} kills`);
  const s = await TurnStack.create("soak_sigkill");
  try {
    await s.startGm();
    await s.addEngineVersion("1.4.2");
    const games = Array.from({ length: KILL_GAMES }, (_, index) => `kill-${index}`);
    for (const gameId of games) await s.register(gameId);
    await s.stopGm();
    const stop = keepTurning(s, games);
    let pendingAtKill = 0;
    for (let kill = 0; kill < KILLS; kill += 1) {
      const port = await freePort();
      const gm = spawnGm(s, { GAMEMASTER_HTTP_PORT: String(port) });
      await waitReady(port);
      await sleep(500 + Math.random() * 2000);
      gm.child.kill("SIGKILL");
      await gm.exit;
      const rows = await s.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM gamemaster.outbox",
      );
      pendingAtKill += rows.rows[0]?.n ?? 0;
    }
    await stop();
    const port = await freePort();
    const gm = spawnGm(s, { GAMEMASTER_HTTP_PORT: String(port) });
    await waitReady(port);
    await settle(s, games);
    const result = await audit(s, games);
    log(`  outbox rows left behind by the ${KILLS} kills (sum): ${pendingAtKill}`);
    log(`  ${JSON.stringify(result)}`);
    check(
      result.missingSnapshots +
        result.doubledSnapshots +
        result.missingIntents +
        result.doubledIntents ===
        0,
      "every (game, turn): exactly one snapshot and one game.turn.ready",
    );
    gm.child.kill("SIGTERM");
    await gm.exit;
  } finally {
    await s.close();
  }
}

// SOAK_ONLY=cut or SOAK_ONLY=kill runs one of the two.
const only = process.env.SOAK_ONLY;
if (only === undefined || only === "cut") await redisCut();
if (only === undefined || only === "kill") await sigkills();
log(failures === 0 ? "soak: all checks passed" : `soak: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
