/**
 * `pnpm bench:cron` — next-activation throughput of @galaxy/cronutil against bare cron-parser and
 * croner, for the same expressions and the same starting dates. See README.md for what is measured.
 */
import { parse } from "@galaxy/cronutil";
import { CronExpressionParser } from "cron-parser";
import { Cron } from "croner";

const EXPRESSIONS = [
  "*/5 * * * *",
  "0 9 * * 1-5",
  "30 2 1 * *",
  "0 0 29 2 *",
  "15 14 1,15 * 1",
  "0 */6 * * *",
  "5,35 8-18 * * mon-fri",
  "0 0 1 1 *",
] as const;

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 400);
/**
 * Each library's time per expression is split into rounds. A round has every library answer the
 * same batch of starting dates, one library after the other (the order alternates), and a ratio
 * is the median of the per-round ratios: a burst of outside load then spoils one round of both
 * sides instead of one library's whole sample.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 25));
/**
 * Batches are timed in process CPU time (user + system) by default, so that time spent waiting for
 * a core on a shared machine is not charged to whichever library happened to be running.
 * BENCH_CLOCK=wall times them with the wall clock instead.
 */
const WALL_CLOCK = process.env.BENCH_CLOCK === "wall";
/** The floor cronutil must hold against a reused bare cron-parser expression on every row. */
const FLOOR = 0.9;
/**
 * Whole-second starting dates by default: cron-parser handles a date with milliseconds through an
 * extra luxon step that cronutil avoids by truncating itself, so whole seconds are the setting that
 * favours the bare library. BENCH_SUBSECOND=1 measures dates with random milliseconds instead.
 */
const SUBSECOND = process.env.BENCH_SUBSECOND === "1";
const DATE_COUNT = 1024;

/** Deterministic starting dates (mulberry32), 2024–2030. */
function startingDates(count: number): Date[] {
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const from = Date.UTC(2024, 0, 1);
  const to = Date.UTC(2030, 0, 1);
  return Array.from({ length: count }, () => {
    const ms = from + Math.floor(random() * (to - from));
    return new Date(SUBSECOND ? ms : Math.floor(ms / 1000) * 1000);
  });
}

const dates = startingDates(DATE_COUNT);

interface Contender {
  name: string;
  /** Built once per expression, outside the measured loop. */
  prepare(expression: string): (after: Date) => Date | null;
}

const CONTENDERS: readonly Contender[] = [
  {
    name: "cronutil",
    prepare(expression) {
      const schedule = parse(expression);
      return (after) => schedule.next(after);
    },
  },
  {
    // Parsed once; each op re-seats the iterator on the starting date, then asks for one date.
    name: "cron-parser",
    prepare(expression) {
      const iterator = CronExpressionParser.parse(expression, { tz: "UTC", currentDate: dates[0] });
      return (after) => {
        iterator.reset(after);
        return iterator.next().toDate();
      };
    },
  },
  {
    // What a caller without cronutil writes: parse with currentDate, then next(), every time.
    name: "cron-parser parse+next",
    prepare(expression) {
      return (after) =>
        CronExpressionParser.parse(expression, { tz: "UTC", currentDate: after }).next().toDate();
    },
  },
  {
    name: "croner",
    prepare(expression) {
      const job = new Cron(expression, { timezone: "UTC" });
      return (after) => job.nextRun(after);
    },
  },
];

/**
 * All libraries must compute the same activations, or the comparison would not measure the same
 * work. Returns, per expression, how many starting dates each library answers differently from
 * cronutil (and one example).
 */
function checkAgreement(): string[] {
  const notes: string[] = [];
  for (const expression of EXPRESSIONS) {
    const reference = CONTENDERS[0]?.prepare(expression);
    if (reference === undefined) continue;
    for (const contender of CONTENDERS.slice(1)) {
      const next = contender.prepare(expression);
      let differing = 0;
      let example = "";
      for (const after of dates) {
        const ours = reference(after)?.toISOString() ?? "null";
        const theirs = next(after)?.toISOString() ?? "null";
        if (ours !== theirs) {
          if (differing === 0) {
            example = `after ${after.toISOString()}: cronutil ${ours}, ${contender.name} ${theirs}`;
          }
          differing++;
        }
      }
      if (differing > 0) {
        notes.push(
          `\`${expression}\` ${contender.name} differs on ${differing}/${DATE_COUNT} dates, e.g. ${example}`,
        );
      }
    }
  }
  return notes;
}

function formatOps(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  return Math.round(value).toLocaleString("en-US");
}

function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return "n/a";
  return `${ratio.toFixed(2)}x`;
}

/** Folds every answer in, and is printed, so that no call can be optimised away. */
let sink = 0;

/** Milliseconds (CPU or wall, see BENCH_CLOCK) now. */
function clock(): number {
  if (WALL_CLOCK) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Time `count` next-activation calls on the dates from `offset` on (rotating), in ms. */
function runBatch(
  next: ((after: Date) => Date | null) | undefined,
  offset: number,
  count: number,
): number {
  if (next === undefined) throw new Error("no contender");
  const started = clock();
  for (let i = 0; i < count; i++) {
    const result = next(dates[(offset + i) % DATE_COUNT] as Date);
    sink ^= result === null ? 0 : result.getTime() & 1;
  }
  return Math.max(clock() - started, 0.001);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const disagreements = checkAgreement();

  const throughput = new Map<string, Map<string, number>>();
  const ratios = new Map<string, Map<string, number>>();
  for (const expression of EXPRESSIONS) {
    const prepared = CONTENDERS.map((contender) => ({
      name: contender.name,
      next: contender.prepare(expression),
    }));
    for (const { next } of prepared) runBatch(next, 0, DATE_COUNT); // warm-up: JIT and caches
    // Every library answers the same `count` starting dates in a round (dates from `offset` on,
    // rotating), so no library is timed on an easier part of the rotation than another.
    const perCall = runBatch(prepared[0]?.next, 0, DATE_COUNT) / DATE_COUNT;
    const count = Math.max(16, Math.round(TIME_MS / ROUNDS / perCall));
    const perRound = new Map<string, number[]>(prepared.map((task) => [task.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const offset = (round * count) % DATE_COUNT;
      const ordered = round % 2 === 0 ? prepared : [...prepared].reverse();
      for (const { name, next } of ordered) {
        perRound.get(name)?.push((count * 1000) / runBatch(next, offset, count));
      }
    }
    const own = perRound.get("cronutil") ?? [];
    throughput.set(
      expression,
      new Map([...perRound].map(([name, samples]) => [name, median(samples)])),
    );
    ratios.set(
      expression,
      new Map(
        [...perRound].map(([name, samples]) => [
          name,
          median(samples.map((theirs, round) => (own[round] ?? Number.NaN) / theirs)),
        ]),
      ),
    );
  }

  const header = [
    "expression",
    ...CONTENDERS.map((c) => `${c.name} ops/s`),
    "cronutil/cron-parser",
    "cronutil/parse+next",
    "cronutil/croner",
  ];
  const rows = EXPRESSIONS.map((expression) => {
    const ops = throughput.get(expression) ?? new Map<string, number>();
    const ratio = ratios.get(expression) ?? new Map<string, number>();
    return [
      `\`${expression}\``,
      ...CONTENDERS.map((c) => formatOps(ops.get(c.name))),
      formatRatio(ratio.get("cron-parser")),
      formatRatio(ratio.get("cron-parser parse+next")),
      formatRatio(ratio.get("croner")),
    ];
  });

  console.log(
    `\nnext() throughput, Node ${process.version}, ${TIME_MS} ms per task in ${ROUNDS} interleaved rounds (medians, ${WALL_CLOCK ? "wall" : "CPU"} time), ${DATE_COUNT} rotating ${SUBSECOND ? "sub-second" : "whole-second"} starting dates (2024–2030)\n`,
  );
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(
    disagreements.length === 0
      ? "\nAll libraries returned identical activations for every expression and starting date."
      : `\nDisagreements with cronutil:\n${disagreements.join("\n")}`,
  );
  console.log(`(answer checksum ${sink})`);
  const below = EXPRESSIONS.filter(
    (expression) => !((ratios.get(expression)?.get("cron-parser") ?? 0) >= FLOOR),
  );
  if (below.length === 0) {
    console.log(`cronutil/cron-parser >= ${FLOOR}x on every expression.`);
  } else {
    console.log(
      `cronutil/cron-parser below ${FLOOR}x for: ${below.map((e) => `\`${e}\``).join(", ")}`,
    );
    process.exitCode = 1;
  }
}

await main();
