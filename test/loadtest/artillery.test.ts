/**
 * The example Artillery scenarios (examples/loadtest/artillery/), unchanged but
 * for a short phase, run by the real `artillery` against the example RP on
 * loopback: every sign-in verifies, none fails, and the counters are as
 * documented (clock: increasing; zero: zero).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, BIN, ROOT } from "../cli/run.js";
import { EXAMPLES, run, startRelyingParty } from "./peers.js";

const SEED = "artillery ci seed, 32 bytes long";
const ARTILLERY = path.join(ROOT, "node_modules", "artillery", "bin", "run");
let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(path.join(tmpdir(), "softkey-artillery-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  aggregate: { counters: Record<string, number> };
}

/** `artillery run` of an example scenario with a short phase and extra variables; the report's counters. */
async function artillery(scenario: string, target: string, variables: Record<string, unknown>, phase = { duration: 3, arrivalRate: 5 }) {
  const output = path.join(dir, `${scenario}.json`);
  const overrides = { config: { phases: [phase], variables } };
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, SOFTKEY_POPULATION_SEED: SEED, ARTILLERY_DISABLE_TELEMETRY: "true" };
  const result = await run(process.execPath, [ARTILLERY, "run", "--target", target, "--overrides", JSON.stringify(overrides), "--output", output, path.join(EXAMPLES, "artillery", scenario)], env, 150_000);
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return (JSON.parse(readFileSync(output, "utf8")) as Report).aggregate.counters;
}

function expectNoFailures(counters: Record<string, number>) {
  expect(counters["vusers.failed"], JSON.stringify(counters)).toBe(0);
  expect(Object.keys(counters).filter((name) => name.startsWith("errors.") || /^http\.codes\.[45]/.test(name))).toEqual([]);
}

describe("Artillery with softkey/artillery", () => {
  it("register-and-sign-in.yml: every VU registers and signs in twice; clock counters increase", async () => {
    const rp = await startRelyingParty();
    try {
      const counters = await artillery("register-and-sign-in.yml", rp.url, { softkeyPopulationSize: 1_000_000, softkeyCounter: "clock" });
      expectNoFailures(counters);
      const vusers = counters["vusers.created"]!;
      expect(vusers).toBeGreaterThanOrEqual(10); // 5 a second for 3 s
      expect(counters["vusers.completed"]).toBe(vusers);
      expect(counters["softkey.registrations"]).toBe(vusers);
      expect(counters["softkey.sign_ins"]).toBe(2 * vusers);
      const stats = await rp.stats();
      expect(stats).toMatchObject({ registrations: vusers, signIns: 2 * vusers, failures: 0, counters: { zero: 0, increased: 2 * vusers } });
    } finally {
      await rp.stop();
    }
  }, 200_000);

  it("sign-in.yml against an RP seeded from `softkey population export`: zero counters", async () => {
    const users = path.join(dir, "users.jsonl");
    const exported = await run(process.execPath, [BIN, "population", "export", "--rp-id", "localhost", "--size", "2000", "--out", users], { PATH: process.env.PATH, SOFTKEY_POPULATION_SEED: SEED }, 60_000);
    expect(exported.code, exported.stderr).toBe(0);
    const rp = await startRelyingParty(["--credentials", users]);
    try {
      const counters = await artillery("sign-in.yml", rp.url, { softkeyPopulationSize: 2000, softkeyCounter: "zero" }, { duration: 3, arrivalRate: 10 });
      expectNoFailures(counters);
      const vusers = counters["vusers.created"]!;
      expect(vusers).toBeGreaterThanOrEqual(20); // 10 a second for 3 s
      expect(counters["softkey.sign_ins"]).toBe(vusers);
      const stats = await rp.stats();
      expect(stats).toMatchObject({ seeded: 2000, registrations: 0, signIns: vusers, failures: 0, counters: { zero: vusers, increased: 0 } });
    } finally {
      await rp.stop();
    }
  }, 200_000);

  it("a seed in the scenario is refused: the VU fails and says where the seed belongs", async () => {
    const rp = await startRelyingParty();
    try {
      const counters = await artillery("register-and-sign-in.yml", rp.url, { softkeyPopulationSize: 10, softkeyPopulationSeed: "committed to git by mistake" }, { duration: 1, arrivalRate: 2 });
      expect(counters["vusers.failed"]).toBe(counters["vusers.created"]);
      expect(Object.keys(counters).some((name) => name.includes("must not be in the scenario"))).toBe(true);
      expect((await rp.stats()).registrations).toBe(0);
    } finally {
      await rp.stop();
    }
  }, 200_000);
});
