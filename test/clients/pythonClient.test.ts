/**
 * clients/python: its own pytest suite, run with Debian's python3-pytest
 * against the built softkey. pytest's exit code 5 (no test collected) is a
 * failure here, as is any count of passed tests below what the suite holds:
 * a run that tested nothing must not read as a pass. Locally a missing pytest
 * skips, loudly; with CI=true it fails.
 */
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertBuilt, BIN, ROOT } from "../cli/run.js";
import { IN_CI, PYTHON } from "../interop/pythonFido2.js";

const SUITE = path.join(ROOT, "clients", "python");
/** The tests in clients/python/tests/test_client.py; raise it when adding one. */
const EXPECTED_TESTS = 9;

const probe = spawnSync(PYTHON, ["-m", "pytest", "--version"], { encoding: "utf8", timeout: 20_000 });
const missing = probe.status !== 0 ? `${PYTHON} -m pytest cannot run (apt-get install -y python3-pytest): ${(probe.stderr || String(probe.error)).trim().split("\n").pop()}` : undefined;
if (missing && !IN_CI) console.warn(`\n*** SKIPPED clients/python: ${missing} ***\n`);

describe("clients/python (pytest)", () => {
  it.skipIf(missing !== undefined && !IN_CI)("passes its whole suite against the built softkey", async () => {
    if (missing) throw new Error(`CI=true and ${missing}`);
    assertBuilt();
    const env: NodeJS.ProcessEnv = { ...process.env, SOFTKEY_COMMAND: `${process.execPath} ${BIN}`, PYTHONDONTWRITEBYTECODE: "1" };
    for (const name of Object.keys(env)) if (name.startsWith("SOFTKEY_") && name !== "SOFTKEY_COMMAND") delete env[name];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(PYTHON, ["-m", "pytest", SUITE, "-q", "-p", "no:cacheprovider", "-rs"], { cwd: ROOT, env });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.on("error", reject);
      child.on("close", (exitCode) => resolve({ code: exitCode, output }));
    });
    expect(code, output).toBe(0); // 5 would be "no tests collected"
    const passed = Number(/(\d+) passed/.exec(output)?.[1] ?? 0);
    expect(passed, output).toBe(EXPECTED_TESTS);
    expect(output).not.toMatch(/skipped|error/i);
  }, 180_000);
});
