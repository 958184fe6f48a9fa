/**
 * The real `softkey --store STORE serve ARGS` (the built binary) as a child
 * process, up to its JSON line: the part serveProcess.ts (CTAPHID sockets) and
 * httpService.ts (the HTTP API) share. Only the CLI's documented behaviour is
 * relied on: the store made with `softkey init`, the `{"listening":[...]}`
 * line, signals and exit codes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { BIN, ROOT, runCli } from "../cli/run.js";

/** `softkey init --kdf-cost 10 [extra]` in `store`; throws with the CLI's stderr if it fails. */
export async function initServeStore(store: string, passphrase: string, extra: string[] = []): Promise<void> {
  const result = await runCli(["--store", store, "init", "--kdf-cost", "10", ...extra], { env: { SOFTKEY_PASSPHRASE: passphrase } });
  if (result.code !== 0) throw new Error(`softkey init failed (${result.code}): ${result.stderr}`);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeChild {
  child: ChildProcessWithoutNullStreams;
  /** The addresses from the JSON line, e.g. `tcp:127.0.0.1:41234`. */
  listening: string[];
  /** Everything written on stderr so far. */
  stderr(): string;
  /** Everything written on stdout so far. */
  stdout(): string;
  /** Resolves when the process has ended. */
  exited: Promise<Exit>;
  /** Send a signal and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/**
 * Start `softkey --store STORE serve ARGS` with PATH, HOME and `env` (the
 * passphrase, SOFTKEY_* settings) and wait for its JSON line. Rejects with the
 * exit code and stderr when it ends before listening.
 */
export function spawnServe(
  store: string,
  args: string[],
  env: Record<string, string>,
  limits: { openFiles?: number; coreFileSize?: "unlimited" } = {},
): Promise<ServeChild> {
  return spawnListening(["--store", store, "serve", ...args], env, limits);
}

/** `softkey ARGV` for any command that prints `{"listening":[...]}` once ready (serve, population serve). */
export function spawnListening(
  args: string[],
  env: Record<string, string>,
  limits: { openFiles?: number; coreFileSize?: "unlimited" } = {},
): Promise<ServeChild> {
  const argv = [BIN, ...args];
  // With limits, through sh's ulimit and exec: the child is still the node process itself.
  const ulimits = [
    ...(limits.openFiles === undefined ? [] : [`ulimit -n ${limits.openFiles}`]),
    ...(limits.coreFileSize === undefined ? [] : [`ulimit -S -c ${limits.coreFileSize}`]),
  ];
  const [command, commandArgs] =
    ulimits.length === 0 ? [process.execPath, argv] : ["/bin/sh", ["-c", `${ulimits.join(" && ")} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    // Its own session, as runCli does: no controlling terminal, so nothing can wait on a prompt.
    detached: true,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise<ServeChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`softkey serve did not report listening within 15 s; stderr: ${stderr}`));
    }, 15_000);
    child.stdout.on("data", (chunk: string) => {
      const before = stdout;
      stdout += chunk;
      if (before.includes("\n") || !stdout.includes("\n")) return;
      clearTimeout(timer);
      const line = stdout.slice(0, stdout.indexOf("\n"));
      let listening: string[];
      try {
        listening = (JSON.parse(line) as { listening: string[] }).listening;
      } catch {
        child.kill("SIGKILL");
        reject(new Error(`softkey serve printed something other than its JSON line: ${line}`));
        return;
      }
      resolve({
        child,
        listening,
        stderr: () => stderr,
        stdout: () => stdout,
        exited,
        async stop(signal = "SIGTERM") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`softkey serve ended before listening (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

/** A set of running serves that forgets each one when it exits, so a failed test's leftovers can be killed. */
export class RunningServes<T extends ServeChild> {
  private readonly running = new Set<T>();

  add(serve: T): T {
    this.running.add(serve);
    void serve.exited.then(() => this.running.delete(serve));
    return serve;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((serve) => serve.stop("SIGKILL")));
  }
}
