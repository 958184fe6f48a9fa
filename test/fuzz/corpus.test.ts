/**
 * Every saved regression case (test/fuzz/corpus/<target>/*.bin) still keeps
 * its target's invariants, and a short fuzzing pass per target (random seed,
 * FUZZ_TEST_SECONDS each, default 2) finds nothing new. A failure prints the
 * seed and the input; `npm run fuzz` saves such an input as a new case.
 */
import { describe, expect, it } from "vitest";
import { loadCases } from "./corpus.js";
import { fuzzTarget } from "./fuzz.js";
import { targets } from "./targets.js";

const seconds = Number(process.env.FUZZ_TEST_SECONDS ?? 2);
const seed = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);

describe(`fuzz targets: saved cases, then ${seconds} s of fuzzing each (seed ${seed})`, () => {
  for (const target of targets) {
    it(`${target.name} (${loadCases(target.name).length} saved cases)`, async () => {
      const outcome = await fuzzTarget(target, { seconds, seed, save: false });
      expect(outcome.failure?.message).toBeUndefined();
    });
  }
});
