/**
 * The CTAP2 core under hostile input (seeded, bounded): arbitrary parameter
 * maps for each command (plausible keys, wrong types, unknown keys, odd CBOR),
 * raw bytes and mutated valid requests. For every request, authenticator.transact
 * resolves, with a status byte defined in status.ts, never CTAP1_ERR_OTHER (an
 * internal error), a failure alone and a success with canonical CBOR; and the
 * store afterwards holds exactly what it held before plus what an acknowledged
 * makeCredential created. The invariants live in test/fuzz/targets.ts, shared
 * with `npm run fuzz`.
 */
import { describe, it } from "vitest";
import { assertTarget, targets } from "../fuzz/targets.js";

const SEED = 20_240_611;

describe("CTAP2 core under arbitrary requests", () => {
  for (const target of targets.filter((t) => t.name.startsWith("ctap2-"))) {
    it(`${target.name}: never throws, answers a defined status, leaves the store consistent`, async () => {
      await assertTarget(target, { seed: SEED, numRuns: 120 });
    });
  }
});
