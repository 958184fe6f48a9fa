/** Spawns the built `softkey` binary the way a user or a CI job would. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "bin", "softkey.js");
export const BUILT_MAIN = path.join(ROOT, "dist", "cli", "main.js");

export function assertBuilt(): void {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(`${path.relative(ROOT, BUILT_MAIN)} is missing: run "npm run build" first (npm test does it for you)`);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** Only what the CLI needs; the caller's SOFTKEY_* variables never leak in. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "SYSTEMROOT"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * Run `node bin/softkey.js ...args`. The child gets its own session
 * (detached: setsid), so it has no controlling terminal even when the tests
 * run from one: prompts fail fast instead of waiting for a human.
 */
export function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = baseEnv();
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 20_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.on("error", () => {}); // the CLI may exit before reading stdin
    child.stdin.end(options.input ?? "");
  });
}

/** The CLI's contract for failures: exactly one stderr line, `softkey: ...`, no stack trace. */
export function expectOneLineError(result: RunResult, pattern?: RegExp): void {
  const lines = result.stderr.replace(/\n$/, "").split("\n");
  expect(lines, `stderr: ${result.stderr}`).toHaveLength(1);
  expect(lines[0]).toMatch(/^softkey: \S/);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  if (pattern) expect(lines[0]).toMatch(pattern);
}
