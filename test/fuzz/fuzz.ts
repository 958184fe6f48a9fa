/**
 * The fuzzer: each target runs for a bounded time from a random (or given)
 * seed; an input that breaks an invariant is shrunk, saved under
 * test/fuzz/corpus/<target>/ and makes the run fail. Saved cases are replayed
 * first, so a regression shows at once.
 *
 *   FUZZ_SECONDS   seconds per target (default 10)
 *   FUZZ_TARGETS   comma-separated target names (default all)
 *   FUZZ_SEED      fast-check seed (default random; printed)
 *
 * `npm run fuzz` runs this file bundled against the built dist (test/fuzz/run.js).
 */
import fc from "fast-check";
import { loadCases, saveCase } from "./corpus.js";
import { targets, type FuzzTarget } from "./targets.js";

export interface FuzzOutcome {
  target: string;
  runs: number;
  seconds: number;
  seed: number;
  /** Set when an input broke an invariant. */
  failure?: { message: string; file?: string };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Replay a target's saved cases, then fuzz it for `seconds`. */
export async function fuzzTarget(target: FuzzTarget, options: { seconds: number; seed: number; save: boolean }): Promise<FuzzOutcome> {
  const started = performance.now();
  const harness = await target.setup();
  try {
    for (const saved of loadCases(target.name)) {
      try {
        await harness.check(saved.input);
      } catch (error) {
        return { target: target.name, runs: 0, seconds: 0, seed: options.seed, failure: { message: `saved case ${saved.file}: ${describe(error)}`, file: saved.file } };
      }
    }
    let runs = 0;
    const property = fc.asyncProperty(target.arbitrary, async (input) => {
      runs++;
      await harness.check(input);
    });
    const details = await fc.check(property, {
      seed: options.seed,
      numRuns: Number.MAX_SAFE_INTEGER,
      interruptAfterTimeLimit: options.seconds * 1000,
      markInterruptAsFailure: false,
    });
    const seconds = (performance.now() - started) / 1000;
    if (!details.failed || !details.counterexample) return { target: target.name, runs, seconds, seed: options.seed };
    const input = details.counterexample[0];
    const file = options.save ? saveCase(target.name, input) : undefined;
    const message = `${describe(details.errorInstance)} (seed ${details.seed}, path ${details.counterexamplePath}, input ${Buffer.from(input).toString("hex").slice(0, 400)})`;
    return { target: target.name, runs, seconds, seed: options.seed, failure: { message, file } };
  } finally {
    await harness.close();
  }
}

export async function main(): Promise<number> {
  const seconds = Number(process.env.FUZZ_SECONDS ?? 10);
  const seed = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
  const names = process.env.FUZZ_TARGETS?.split(",").map((s) => s.trim()).filter(Boolean);
  const chosen = names ? targets.filter((t) => names.includes(t.name)) : targets;
  if (names && chosen.length !== names.length) {
    process.stderr.write(`fuzz: unknown target in FUZZ_TARGETS; targets: ${targets.map((t) => t.name).join(", ")}\n`);
    return 2;
  }
  process.stdout.write(`fuzz: ${chosen.length} targets, ${seconds} s each, seed ${seed}\n`);
  let failures = 0;
  for (const target of chosen) {
    const outcome = await fuzzTarget(target, { seconds, seed, save: true });
    if (outcome.failure) {
      failures++;
      process.stdout.write(`FAIL ${target.name}: ${outcome.failure.message}\n`);
      if (outcome.failure.file) process.stdout.write(`     saved as ${outcome.failure.file}\n`);
    } else {
      process.stdout.write(`ok   ${target.name}: ${outcome.runs.toLocaleString("en-US")} inputs in ${outcome.seconds.toFixed(1)} s\n`);
    }
  }
  process.stdout.write(`${chosen.length - failures} passed, ${failures} failed\n`);
  return failures > 0 ? 1 : 0;
}
