/**
 * `pnpm bench:cron` — next-activation throughput of @galaxy/cronutil against bare cron-parser and
 * croner, for the same expressions and the same starting dates. See README.md for what is measured.
 */
import { parse } from "@galaxy/cronutil";
import { CronExpressionParser } from "cron-parser";
import { Cron } from "croner";
import { Bench } from "tinybench";

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
const DATE_COUNT = 1024;
/**
 * Whole-second starting dates by default: cron-parser handles a date with milliseconds through an
 * extra luxon step that cronutil avoids by truncating itself, so whole seconds are the setting that
 * favours the bare library. BENCH_SUBSECOND=1 measures dates with random milliseconds instead.
 */
const SUBSECOND = process.env.BENCH_SUBSECOND === "1";

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

function formatRatio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return "n/a";
  return `${(a / b).toFixed(2)}x`;
}

async function main(): Promise<void> {
  const disagreements = checkAgreement();

  const throughput = new Map<string, Map<string, number>>();
  for (const expression of EXPRESSIONS) {
    const bench = new Bench({ name: expression, time: TIME_MS, warmupTime: 100 });
    for (const contender of CONTENDERS) {
      const next = contender.prepare(expression);
      let i = 0;
      let sink = 0;
      bench.add(contender.name, () => {
        // Same rotating starting dates for every library; one next-activation per op.
        const result = next(dates[i++ & (DATE_COUNT - 1)] as Date);
        sink ^= result === null ? 0 : result.getTime() & 1;
        return sink;
      });
    }
    await bench.run();
    const perLibrary = new Map<string, number>();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result?.error !== undefined) throw result.error;
      if (result !== undefined) perLibrary.set(task.name, result.throughput.mean);
    }
    throughput.set(expression, perLibrary);
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
    const own = ops.get("cronutil");
    return [
      `\`${expression}\``,
      ...CONTENDERS.map((c) => formatOps(ops.get(c.name))),
      formatRatio(own, ops.get("cron-parser")),
      formatRatio(own, ops.get("cron-parser parse+next")),
      formatRatio(own, ops.get("croner")),
    ];
  });

  console.log(
    `\nnext() throughput, Node ${process.version}, ${TIME_MS} ms per task, ${DATE_COUNT} rotating ${SUBSECOND ? "sub-second" : "whole-second"} starting dates (2024–2030)\n`,
  );
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log(
    disagreements.length === 0
      ? "\nAll libraries returned identical activations for every expression and starting date."
      : `\nDisagreements with cronutil:\n${disagreements.join("\n")}`,
  );
}

await main();
