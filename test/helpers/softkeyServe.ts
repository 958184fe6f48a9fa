/** Runs the real CLI's `softkey serve` (bin/softkey.js, the built bundle) as a child process. */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(REPO, "bin", "softkey.js");

export interface ServeProcess {
  child: ChildProcess;
  /** The first address from the `{"listening":[...]}` line. */
  address: string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function cliEnv(store: string, passphrase: string): NodeJS.ProcessEnv {
  return { ...process.env, SOFTKEY_STORE: store, SOFTKEY_PASSPHRASE: passphrase, SOFTKEY_PRESENCE: "auto", SOFTKEY_UV: "on" };
}

/** Starts `softkey [globals] serve --ctaphid tcp:127.0.0.1:0 [args]` and waits for its listening line. */
export function startServe(store: string, passphrase: string, options: { args?: string[]; globals?: string[]; timeoutMs?: number } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, ...(options.globals ?? []), "serve", "--ctaphid", "tcp:127.0.0.1:0", ...(options.args ?? [])], {
    cwd: REPO,
    env: cliEnv(store, passphrase),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`softkey serve did not listen within ${options.timeoutMs ?? 15_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const line = stdout.split("\n").find((l) => l.startsWith('{"listening"'));
      if (!line) return;
      clearTimeout(timer);
      const { listening } = JSON.parse(line) as { listening: string[] };
      resolve({ child, address: listening[0]!, stderr: () => stderr, exited });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`softkey serve exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    });
  });
}
