/**
 * What the load-engine tests share: the example relying party
 * (examples/loadtest/rp/server.mjs) as a child process on loopback, and
 * running a command to its end with a time bound.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import { ROOT } from "../cli/run.js";

export const EXAMPLES = path.join(ROOT, "examples", "loadtest");
export const IN_CI = process.env.CI === "true";

export interface RelyingParty {
  url: string;
  stats(): Promise<RpStats>;
  stop(): Promise<void>;
}

export interface RpStats {
  registrations: number;
  signIns: number;
  failures: number;
  failureReasons: Record<string, number>;
  counters: { zero: number; increased: number };
  seeded: number;
}

/** The example RP on 127.0.0.1 with a free port, optionally seeded from an export. */
export function startRelyingParty(args: string[] = []): Promise<RelyingParty> {
  const child = spawn(process.execPath, [path.join(EXAMPLES, "rp", "server.mjs"), "--port", "0", ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the example RP did not start within 60 s: ${stderr}`));
    }, 60_000);
    child.once("exit", (code) => reject(new Error(`the example RP exited (${code}): ${stderr}`)));
    child.stdout.setEncoding("utf8").once("data", (line: string) => {
      clearTimeout(timer);
      const url = (JSON.parse(line) as { listening: string }).listening;
      resolve({
        url,
        stats: async () => (await (await fetch(`${url}/stats`)).json()) as RpStats,
        stop: () => stopChild(child),
      });
    });
  });
}

export function stopChild(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to its end; killed (and failed) after `timeoutMs`. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not finish within ${timeoutMs / 1000} s:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
