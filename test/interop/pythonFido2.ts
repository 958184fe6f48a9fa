/**
 * python-fido2 as a peer: is it installed, and running the scripts in
 * test/interop/fido2/ (each prints one JSON object on stdout).
 *
 * The presence rule: locally a missing peer skips its tests, loudly; in CI
 * (CI=true) a missing peer fails, because a skipped interop test there would
 * read as a pass.
 */
import { execFile, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Debian's interpreter: the `python3` first on PATH may be another one that cannot import fido2. */
export const PYTHON = process.env.SOFTKEY_TEST_PYTHON ?? "/usr/bin/python3";
export const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "fido2");

export interface Peer {
  available: boolean;
  version?: string;
  /** Why it is missing, for the skip message and the CI failure. */
  reason?: string;
}

export function detectPythonFido2(): Peer {
  const probe = spawnSync(PYTHON, ["-c", "import fido2; print(fido2.__version__)"], { encoding: "utf8", timeout: 20_000 });
  if (probe.error) return { available: false, reason: `${PYTHON} cannot run: ${probe.error.message}` };
  if (probe.status !== 0) return { available: false, reason: `${PYTHON} cannot import fido2: ${probe.stderr.trim().split("\n").pop()}` };
  return { available: true, version: probe.stdout.trim() };
}

export const IN_CI = process.env.CI === "true";

/**
 * Run `fido2/<script> ...args` with /usr/bin/python3 and parse its JSON line.
 * Rejects with the script's stderr (its traceback) when it fails.
 */
export function runPythonScript<T = Record<string, unknown>>(script: string, args: string[], timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    // -B: no __pycache__ in the source tree.
    execFile(PYTHON, ["-B", path.join(SCRIPTS, script), ...args], { timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${script} ${args.join(" ")} failed (${error.code ?? error.signal ?? error.message}):\n${stderr}${stdout}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`${script} printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}
