/**
 * The real `softkey serve` (the built binary, `node bin/softkey.js`) as a child
 * process, and a CTAPHID client over its TCP or unix socket.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { connect, type Socket } from "node:net";
import { BIN, ROOT, runCli } from "../cli/run.js";
import { CtaphidTestClient } from "../ctaphid/helpers.js";
import { ReportSplitter } from "../../src/serve/reportStream.js";

export const PASSPHRASE = "interop passphrase";

/** `softkey init --kdf-cost 10` in `store`; throws with the CLI's stderr if it fails. */
export async function initStore(store: string, extra: string[] = []): Promise<void> {
  const result = await runCli(["--store", store, "init", "--kdf-cost", "10", ...extra], { env: { SOFTKEY_PASSPHRASE: PASSPHRASE } });
  if (result.code !== 0) throw new Error(`softkey init failed (${result.code}): ${result.stderr}`);
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  /** The addresses from the JSON line, e.g. `tcp:127.0.0.1:41234`. */
  listening: string[];
  /** Everything written on stderr so far. */
  stderr(): string;
  /** Everything written on stdout so far. */
  stdout(): string;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Send a signal and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ServeProcess>();

/**
 * Start `softkey --store STORE serve ARGS` and wait for its JSON line. Rejects
 * with the exit code and stderr when it ends before listening.
 */
export function startServe(store: string, args: string[] = ["--ctaphid", "tcp:127.0.0.1:0"], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, "--store", store, "serve", ...args], {
    cwd: ROOT,
    // Its own session, as runCli does: no controlling terminal, so nothing can wait on a prompt.
    detached: true,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", SOFTKEY_PASSPHRASE: PASSPHRASE, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise<ServeProcess>((resolve, reject) => {
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
      const serve: ServeProcess = {
        child,
        listening,
        stderr: () => stderr,
        stdout: () => stdout,
        exited,
        async stop(signal = "SIGTERM") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      };
      running.add(serve);
      void exited.then(() => running.delete(serve));
      resolve(serve);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`softkey serve ended before listening (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

/** Kill whatever a failed test left running (afterEach/afterAll). */
export async function stopAllServes(): Promise<void> {
  await Promise.all([...running].map((serve) => serve.stop("SIGKILL")));
}

/** The TCP port in a `tcp:HOST:PORT` address. */
export function portOf(address: string): number {
  const match = /^tcp:.*:(\d+)$/.exec(address);
  if (!match) throw new Error(`not a tcp address: ${address}`);
  return Number(match[1]);
}

export interface SocketClient {
  client: CtaphidTestClient;
  socket: Socket;
  close(): void;
}

/**
 * A CTAPHID client over `tcp:HOST:PORT` or `unix:PATH`. With `split`, every
 * report is written in two pieces with a pause between, so the server sees reports cut mid-way.
 */
export async function connectCtaphid(address: string, options: { split?: boolean } = {}): Promise<SocketClient> {
  const socket = address.startsWith("unix:") ? connect(address.slice(5)) : connect(portOf(address), address.slice(4, address.lastIndexOf(":")));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  if (!address.startsWith("unix:")) socket.setNoDelay(true);
  let queue = Promise.resolve();
  const client = new CtaphidTestClient((report) => {
    if (!options.split) {
      socket.write(report);
      return;
    }
    queue = queue.then(async () => {
      socket.write(report.subarray(0, 21));
      await new Promise((resolve) => setTimeout(resolve, 1));
      socket.write(report.subarray(21));
    });
  });
  const splitter = new ReportSplitter();
  socket.on("data", (chunk: Buffer) => splitter.push(chunk).forEach((report) => client.onReport(report)));
  socket.on("error", () => {});
  return { client, socket, close: () => socket.destroy() };
}
