/**
 * CPU time and peak resident memory of processes, from Linux `/proc` (NaN elsewhere). The bench
 * samples every process of a row just before T0 and once the last outcome is in, so start-up
 * (tsx compiling the sources, migrations, set-up inserts) is not charged to the burst; the peak
 * RSS (`VmHWM`) is the process's whole life, start-up included.
 */
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux the bench runs on). */
const CLOCK_TICKS = 100;

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis;
    // there state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident set size (`VmHWM`) of a process, in MiB. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of every process whose command name is `comm` (`postgres`, `redis-server`), by pid. */
export function cpuByCommand(comm: string): Map<number, number> {
  const byPid = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return byPid;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/stat`, "utf8").includes(`(${comm})`)) {
        byPid.set(Number(entry), cpuSeconds(Number(entry)));
      }
    } catch {
      // exited meanwhile
    }
  }
  return byPid;
}

/**
 * CPU used between two {@link cpuByCommand} samples. Processes that started meanwhile count
 * from 0; those that exited meanwhile are lost (PostgreSQL backends live as long as the pools'
 * connections, which outlive the burst).
 */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  if (after.size === 0) return Number.NaN;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
