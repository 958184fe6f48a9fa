/**
 * Every saved regression case (test/fuzz/corpus/<target>/*.bin) still keeps
 * its target's invariants, and a short fuzzing pass per target
 * (FUZZ_TEST_SECONDS each, default 2) finds nothing new. Locally the seed is
 * random, so every run explores new inputs; in CI it is fixed (FUZZ_SEED
 * overrides both), so whether a submission lands does not depend on the luck
 * of the draw: open-ended exploration is `npm run fuzz`'s job. A failure prints
 * the seed and the input; `npm run fuzz` saves such an input as a new case.
 */
import { describe, expect, it } from "vitest";
import { loadCases } from "./corpus.js";
import { fuzzTarget } from "./fuzz.js";
import { targets } from "./targets.js";

const seconds = Number(process.env.FUZZ_TEST_SECONDS ?? 2);
const CI_SEED = 20261122;
const seed =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : process.env.CI === "true"
      ? CI_SEED
      : Math.floor(Math.random() * 2 ** 31);

describe(`fuzz targets: saved cases, then ${seconds} s of fuzzing each (seed ${seed})`, () => {
  for (const target of targets) {
    it(`${target.name} (${loadCases(target.name).length} saved cases)`, async () => {
      const outcome = await fuzzTarget(target, { seconds, seed, save: false });
      expect(outcome.failure?.message).toBeUndefined();
    });
  }
});
