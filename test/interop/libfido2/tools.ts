/**
 * libfido2's own command-line tools (Debian's fido2-tools: fido2-token,
 * fido2-cred, fido2-assert) as a peer of `softkey serve`.
 *
 * These machines have no /dev/hidraw, so the tools reach the server through
 * softkey_hid.so, an LD_PRELOAD shim (softkey_hid.c beside this file, built
 * here with `cc` against libfido2-dev) that gives them a unix socket for
 * device paths "softkey:/path/to/socket". Their PIN prompts read /dev/tty, so
 * each runs under a pseudo-terminal (run_tty.py) that types the answers once
 * the prompts appear.
 *
 * The presence rule is the python-fido2 tests' one: locally a missing peer
 * skips, loudly; with CI=true it fails.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PYTHON } from "../pythonFido2.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHIM_SOURCE = path.join(HERE, "softkey_hid.c");
const TTY_DRIVER = path.join(HERE, "run_tty.py");

export const INSTALL_HINT = "install them with `apt-get install -y fido2-tools libfido2-dev gcc libc6-dev` (listed in .ci/apt-packages)";

export interface ToolsPeer {
  available: boolean;
  /** fido2-token -V, e.g. "1.12.0". */
  version?: string;
  reason?: string;
}

/** Are the tools, the headers and library to build the shim against, a C compiler and the pty driver's Python there? */
export function detectLibfido2Tools(): ToolsPeer {
  const token = spawnSync("fido2-token", ["-V"], { encoding: "utf8", timeout: 10_000 });
  if (token.error) return { available: false, reason: `fido2-token cannot run: ${token.error.message}` };
  if (!existsSync("/usr/include/fido.h")) return { available: false, reason: "no /usr/include/fido.h (libfido2-dev)" };
  const cc = spawnSync("cc", ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (cc.error || cc.status !== 0) return { available: false, reason: "no C compiler (cc) to build the socket shim" };
  const python = spawnSync(PYTHON, ["-c", "import pty, termios"], { encoding: "utf8", timeout: 10_000 });
  if (python.error || python.status !== 0) return { available: false, reason: `${PYTHON} cannot run the pseudo-terminal driver` };
  return { available: true, version: (token.stdout || token.stderr).trim() };
}

/** Build softkey_hid.so into `dir`; its path. Rejects with the compiler's output. */
export function buildShim(dir: string): Promise<string> {
  const output = path.join(dir, "softkey_hid.so");
  return new Promise((resolve, reject) => {
    execFile("cc", ["-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o", output, SHIM_SOURCE, "-lfido2", "-ldl"], (error, _stdout, stderr) => {
      if (error) reject(new Error(`building softkey_hid.so failed: ${stderr || error.message}`));
      else resolve(output);
    });
  });
}

export interface ToolRun {
  code: number | null;
  signal: number | null;
  /** The tool's standard output (its results). */
  stdout: string;
  /** What appeared on the terminal: prompts, warnings and errors (stderr). */
  tty: string;
  /** The prompts that were answered, in order. */
  answered: string[];
  timedOut: boolean;
}

export interface ToolOptions {
  /** [regex, answer] pairs, answered in order as each prompt appears (e.g. ["Enter PIN", "1234"]). */
  prompts?: [string, string][];
  /** Extra environment (SOFTKEY_FIDO_DEVICE for fido2-token -L). */
  env?: Record<string, string>;
  cwd?: string;
  timeoutSeconds?: number;
}

/** Run one libfido2 tool with the shim preloaded, under a pseudo-terminal. */
export function runTool(shim: string, argv: string[], options: ToolOptions = {}): Promise<ToolRun> {
  return runOnTerminal(argv, { ...options, env: { LD_PRELOAD: shim, ...options.env } });
}

/** Run any command with a pseudo-terminal as its controlling terminal (run_tty.py), answering its prompts. */
export function runOnTerminal(argv: string[], options: ToolOptions = {}): Promise<ToolRun> {
  const spec = {
    argv,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
    prompts: options.prompts ?? [],
    timeout: options.timeoutSeconds ?? 30,
  };
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ["-B", TTY_DRIVER, JSON.stringify(spec)], { cwd: options.cwd, encoding: "utf8", timeout: (spec.timeout + 15) * 1000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`run_tty.py ${argv.join(" ")} failed: ${error.message}\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ToolRun);
      } catch {
        reject(new Error(`run_tty.py printed no JSON: ${stdout}\n${stderr}`));
      }
    });
  });
}

/** A run that must have succeeded; the failure message carries what the tool said. */
export function expectSuccess(run: ToolRun, what: string): ToolRun {
  if (run.code !== 0 || run.timedOut) {
    throw new Error(`${what} failed (code ${String(run.code)}${run.timedOut ? ", timed out" : ""}):\n${run.tty}${run.stdout}`);
  }
  return run;
}
