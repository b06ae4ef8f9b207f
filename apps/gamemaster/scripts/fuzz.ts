import { formatReport, isClean, runFuzz, startFuzzStack } from "../test/fuzz/harness.js";

// `pnpm fuzz`: the contract fuzz suite for long runs. FUZZ_REQUESTS (default
// 10 000) and FUZZ_SEED (default random, printed for replay) choose the run;
// exits 1 when anything unexpected was seen.
const requests = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const seed =
  process.env.FUZZ_SEED === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED);
if (!Number.isInteger(requests) || requests <= 0 || !Number.isInteger(seed)) {
  console.error("FUZZ_REQUESTS must be a positive integer and FUZZ_SEED an integer");
  process.exit(2);
}

console.log(`fuzz: seed ${seed}, ${requests} requests (replay: FUZZ_SEED=${seed} pnpm fuzz)`);
const stack = await startFuzzStack("gm_fuzz");
let clean = false;
try {
  const report = await runFuzz(stack, {
    seed,
    requests,
    progress: (line) => console.log(`fuzz: ${line}`),
  });
  console.log(formatReport(report));
  clean = isClean(report);
} finally {
  await stack.close();
}
process.exit(clean ? 0 : 1);
