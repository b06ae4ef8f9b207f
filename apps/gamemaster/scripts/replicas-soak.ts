/**
 * `pnpm --filter @galaxy/gamemaster soak:replicas` — several Game Master instances, every due
 * tick exactly once (docs/decisions/095-gm-multi-instance-leases.md), on real processes:
 * SOAK_INSTANCES (default 3) Game Masters with distinct GAMEMASTER_INSTANCE_ID and ports on one
 * isolated database and Redis prefix, one engine stub process, SOAK_GAMES (200) games ticking
 * continuously for SOAK_SECONDS (90) while a random instance is SIGKILLed and restarted
 * SOAK_KILLS (10) times. Then, after recovery and the outbox drain, the audit of
 * test/support/replica-soak.ts: turn counts (engine = current_turn = operation_log), no game
 * stuck, one snapshot and one game.turn.ready per (game, turn), recovery time per kill.
 *
 * Other knobs: SOAK_LEASE_MS (3000, GAMEMASTER_TURN_LEASE), SOAK_RECOVERY_INTERVAL_MS (500,
 * GAMEMASTER_RECOVERY_INTERVAL), SOAK_SLOW_MS (1500, the longest slowed-down engine turn),
 * SOAK_FORCE_MS (500, a force-next-turn this often; 0 = none), SOAK_SETTLE_MS (120000),
 * SOAK_LAUNCHER (source | dist), SOAK_GM_LOG_LEVEL (warn).
 *
 * Exits 1 on any violation, 2 when the set-up failed, 130 on ctrl-C (processes stopped and the
 * database dropped first; a second ctrl-C kills the children at once).
 */
import {
  formatReplicaSoakReport,
  ReplicaSoakAborted,
  runReplicaSoak,
} from "../test/support/replica-soak.js";

const env = process.env;
const num = (name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`${name} must be a non-negative number, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
};
const launcher = env.SOAK_LAUNCHER === "dist" ? "dist" : "source";
const log = (line: string) => process.stdout.write(`${line}\n`);

const abort = new AbortController();
let interruptedAt = 0;
process.on("SIGINT", () => {
  // Run through `pnpm soak:replicas`, one ctrl-C arrives twice: from the terminal and relayed by
  // the tsx wrapper a few ms later. Only a second press, later, forces the exit.
  if (abort.signal.aborted) {
    if (Date.now() - interruptedAt > 1_000) process.exit(130);
    return;
  }
  interruptedAt = Date.now();
  log("interrupted: stopping the processes and dropping the database (ctrl-C again to force)");
  abort.abort();
});
process.on("SIGTERM", () => abort.abort());

const seconds = num("SOAK_SECONDS", 90);
const kills = num("SOAK_KILLS", 10);
log(`== replica soak: ${seconds} s, ${kills} SIGKILL(s), launcher ${launcher}`);
try {
  const report = await runReplicaSoak({
    instances: num("SOAK_INSTANCES", 3),
    games: num("SOAK_GAMES", 200),
    seconds,
    kills,
    launcher,
    turnLeaseMs: num("SOAK_LEASE_MS", 3_000),
    recoveryIntervalMs: num("SOAK_RECOVERY_INTERVAL_MS", 500),
    slowTurnMaxMs: num("SOAK_SLOW_MS", 1_500),
    forceEveryMs: num("SOAK_FORCE_MS", 500),
    settleTimeoutMs: num("SOAK_SETTLE_MS", 120_000),
    gmLogLevel: env.SOAK_GM_LOG_LEVEL ?? "warn",
    log,
    signal: abort.signal,
  });
  for (const line of formatReplicaSoakReport(report)) log(line);
  process.exit(report.violations.length === 0 ? 0 : 1);
} catch (error) {
  // ctrl-C also reaches the children, so a set-up step can fail first.
  if (error instanceof ReplicaSoakAborted || abort.signal.aborted) {
    log("soak aborted; everything it started is stopped");
    process.exit(130);
  }
  process.stderr.write(`soak set-up failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(2);
}
