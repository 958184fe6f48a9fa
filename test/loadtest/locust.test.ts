/**
 * The example Locust scenario (examples/loadtest/locust/) in distributed mode on
 * loopback: a master and two workers, each worker with its own
 * `softkey population serve` (same seed, nothing shared), against the example
 * RP seeded from `softkey population export`. Every sign-in verifies, none
 * fails, and the counters are zero as documented.
 *
 * Locust is Debian's python3-locust: missing locally, the test skips loudly;
 * with CI=true it fails.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, BIN, ROOT } from "../cli/run.js";
import { RunningServes, spawnListening, type ServeChild } from "../helpers/serveChild.js";
import { EXAMPLES, IN_CI, run, startRelyingParty, stopChild } from "./peers.js";

const LOCUST = "/usr/bin/locust";
const SEED = "locust ci seed, at least 32 bytes";
const TOKEN = "locust-test-token-0123456789abcdef";

function detectLocust(): { available: boolean; reason?: string } {
  const probe = spawnSync("/usr/bin/python3", ["-c", "import locust"], { encoding: "utf8", timeout: 30_000 });
  if (probe.error) return { available: false, reason: probe.error.message };
  if (probe.status !== 0) return { available: false, reason: probe.stderr.trim().split("\n").pop() };
  if (spawnSync(LOCUST, ["--help"], { timeout: 30_000 }).status !== 0) return { available: false, reason: `${LOCUST} does not run` };
  return { available: true };
}

const locust = detectLocust();
if (!locust.available) {
  const message = `Locust is not installed (apt-get install python3-locust): ${locust.reason}`;
  if (IN_CI) throw new Error(message);
  console.warn(`SKIPPED: ${message}`);
}

const serves = new RunningServes<ServeChild>();
let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(path.join(tmpdir(), "softkey-locust-"));
});
afterAll(async () => {
  await serves.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" };
}

interface CsvRow {
  Type: string;
  Name: string;
  "Request Count": string;
  "Failure Count": string;
}

function readCsv(file: string): CsvRow[] {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const names = header!.split(",").map((name) => name.replace(/^"|"$/g, ""));
  return rows.map((row) => Object.fromEntries(row.split(",").map((value, i) => [names[i], value.replace(/^"|"$/g, "")])) as unknown as CsvRow);
}

describe.skipIf(!locust.available)("Locust, distributed, with softkey population serve", () => {
  it("a master and two workers on loopback: every sign-in and registration verifies, counters zero", async () => {
    const users = path.join(dir, "users.jsonl");
    const exported = await run(process.execPath, [BIN, "population", "export", "--rp-id", "localhost", "--size", "2000", "--out", users], { ...baseEnv(), SOFTKEY_POPULATION_SEED: SEED }, 60_000);
    expect(exported.code, exported.stderr).toBe(0);
    const rp = await startRelyingParty(["--credentials", users]);
    // One population service per worker "machine": same seed, nothing else in common.
    const services = await Promise.all(
      [0, 1].map(async () =>
        serves.add(await spawnListening(["population", "serve", "--size", "2000", "--http", "127.0.0.1:0"], { SOFTKEY_POPULATION_SEED: SEED, SOFTKEY_TOKEN: TOKEN })),
      ),
    );
    const workers: ChildProcessWithoutNullStreams[] = [];
    try {
      const masterPort = String(20000 + Math.floor(Math.random() * 20000));
      const locustfile = path.join(EXAMPLES, "locust", "locustfile.py");
      const csv = path.join(dir, "run");
      const master = run(
        LOCUST,
        ["-f", locustfile, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", masterPort, "--expect-workers", "2", "--expect-workers-max-wait", "60",
          "--headless", "-u", "8", "-r", "8", "--run-time", "6s", "--stop-timeout", "5", "--host", rp.url, "--csv", csv, "--only-summary", "SignInUser", "RegisterUser"],
        baseEnv(),
        150_000,
      );
      for (const service of services) {
        const worker = spawn(LOCUST, ["-f", locustfile, "--worker", "--master-host", "127.0.0.1", "--master-port", masterPort], {
          cwd: ROOT,
          env: { ...baseEnv(), SOFTKEY_POPULATION_URL: `http://${service.listening[0]!.slice("http:".length)}`, SOFTKEY_TOKEN: TOKEN },
          stdio: ["pipe", "pipe", "pipe"],
        });
        workers.push(worker);
      }
      const finished = await master;
      expect(finished.code, `${finished.stdout}\n${finished.stderr}`).toBe(0);

      const rows = readCsv(`${csv}_stats.csv`);
      const count = (type: string, name: string) => Number(rows.find((row) => row.Type === type && row.Name === name)?.["Request Count"] ?? 0);
      const aggregated = rows.find((row) => row.Name === "Aggregated")!;
      expect(Number(aggregated["Failure Count"]), JSON.stringify(rows)).toBe(0);
      const signIns = count("softkey", "sign-in");
      const registrations = count("softkey", "registration");
      expect(signIns).toBeGreaterThan(0);
      expect(registrations).toBeGreaterThan(0);
      expect(count("POST", "/login/verify")).toBe(signIns);
      const stats = await rp.stats();
      expect(stats).toMatchObject({ seeded: 2000, failures: 0, counters: { increased: 0 } });
      // Requests still in flight when the run stopped may have reached the RP after the statistics closed.
      expect(stats.signIns).toBeGreaterThanOrEqual(signIns);
      expect(stats.counters.zero).toBe(stats.signIns);
      expect(stats.registrations).toBeGreaterThanOrEqual(registrations);
      // Both workers did work, each through its own service: every service answered sign-ins, none refused one.
      for (const service of services) {
        expect(service.stderr()).toMatch(/http POST \/v1\/assertions -> 200/);
        expect(service.stderr()).not.toMatch(/-> [45]\d\d/);
        expect(service.stderr()).not.toContain(SEED);
      }
    } finally {
      await Promise.all(workers.map((worker) => stopChild(worker)));
      await rp.stop();
    }
  }, 200_000);
});
