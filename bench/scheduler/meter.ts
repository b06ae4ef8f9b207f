/** Samples a row's processes and its share of the database and Redis servers around the burst. */
import { loadavg } from "node:os";
import pg from "pg";
import type { NodeProcess } from "./processes.js";
import { cpuByCommand, cpuDelta, cpuSeconds } from "./procstat.js";
import type { ProcessFigures } from "./stats.js";

/** `application_name` of the bench's own connections, left out of the PostgreSQL figure. */
export const BENCH_APPLICATION_NAME = "bench-scheduler";

/** The bench's own small pool on a row's database (setup, polling, verification). */
export function benchPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    application_name: BENCH_APPLICATION_NAME,
  });
  // An interrupted run drops the database under the pool's idle connections.
  pool.on("error", () => undefined);
  return pool;
}

/**
 * CPU seconds of the PostgreSQL backends serving `database` (the row's isolated one), by pid.
 * The server is shared with whatever else runs on the machine; its backends are per connection,
 * so the row's own are told apart by their database. Background processes (WAL writer,
 * checkpointer) are left out.
 */
async function backendCpu(sql: pg.Pool, database: string): Promise<Map<number, number>> {
  const backends = await sql.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE datname = $1 AND backend_type = 'client backend' AND application_name <> $2`,
    [database, BENCH_APPLICATION_NAME],
  );
  return new Map(backends.rows.map(({ pid }) => [pid, cpuSeconds(pid)]));
}

export class Meter {
  #before = new Map<NodeProcess, number>();
  #postgres = new Map<number, number>();
  #redis = new Map<number, number>();
  #loadAtT0 = Number.NaN;

  constructor(
    private readonly runners: readonly NodeProcess[],
    private readonly engine: NodeProcess,
    /** The row's database, read through a pool of the bench's (BENCH_APPLICATION_NAME). */
    private readonly database?: { sql: pg.Pool; name: string },
    /** Whether the row uses Redis (the machine's one server: others' work counts too). */
    private readonly usesRedis = false,
  ) {}

  /** Just before T0. */
  async start(): Promise<void> {
    this.#loadAtT0 = loadavg()[0] ?? Number.NaN;
    for (const process of [...this.runners, this.engine]) {
      this.#before.set(process, process.cpuSeconds());
    }
    if (this.database !== undefined) {
      this.#postgres = await backendCpu(this.database.sql, this.database.name);
    }
    if (this.usesRedis) this.#redis = cpuByCommand("redis-server");
  }

  /** Once the last outcome is in (before any process is stopped: VmHWM dies with it). */
  async stop() {
    const figures = (process: NodeProcess): ProcessFigures => ({
      name: process.name,
      cpuSeconds: process.cpuSeconds() - (this.#before.get(process) ?? Number.NaN),
      peakRssMb: process.peakRssMb(),
    });
    const runners = this.runners.map(figures);
    const engine = figures(this.engine);
    // Backends opened during the burst count from 0.
    const postgresCpuSeconds =
      this.database === undefined
        ? Number.NaN
        : cpuDelta(this.#postgres, await backendCpu(this.database.sql, this.database.name));
    const redisCpuSeconds = this.usesRedis
      ? cpuDelta(this.#redis, cpuByCommand("redis-server"))
      : Number.NaN;
    return {
      runners,
      engine,
      postgresCpuSeconds,
      redisCpuSeconds,
      loadAtT0: this.#loadAtT0,
      loadAtEnd: loadavg()[0] ?? Number.NaN,
    };
  }
}
