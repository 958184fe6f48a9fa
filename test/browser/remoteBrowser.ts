/**
 * A browser started by hand, as `softkey attach` and the MCP server's attach_browser meet it: its
 * own process group and profile, its endpoint read from the line it prints on stderr, and a close
 * that ends the group (its helper or content processes too) before the profile is removed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

export interface RemoteBrowser {
  /** The endpoint, as one passes it to --cdp or --bidi. */
  endpoint: string;
  process: ChildProcess;
  close(): Promise<void>;
}

export interface RemoteBrowserSpec {
  name: string;
  executable: string;
  args: string[];
  /** The profile directory it runs on, removed by close(). */
  profile: string;
  env?: NodeJS.ProcessEnv;
  /** The stderr line that says it listens, and the endpoint from its match. */
  listening: RegExp;
  endpoint(match: RegExpExecArray): string;
}

export async function startRemoteBrowser(spec: RemoteBrowserSpec): Promise<RemoteBrowser> {
  const child = spawn(spec.executable, spec.args, {
    stdio: ["ignore", "ignore", "pipe"],
    // Its own process group: the browser's helper processes are ended with it.
    detached: true,
    ...(spec.env ? { env: spec.env } : {}),
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const close = async () => {
    signalGroup("SIGTERM");
    const killer = setTimeout(() => signalGroup("SIGKILL"), 5_000);
    await exited;
    clearTimeout(killer);
    signalGroup("SIGKILL"); // helpers that outlived the browser process must not write into the profile as it goes
    // A helper may still be flushing its files for a moment after the group is signalled.
    rmSync(spec.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      const timer = setTimeout(() => reject(new Error(`${spec.name} printed no endpoint within 30 s: ${stderr.slice(-500)}`)), 30_000);
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        const match = spec.listening.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(spec.endpoint(match));
        }
      });
      child.once("exit", (code) => reject(new Error(`${spec.name} exited (${code}) before listening: ${stderr.slice(-500)}`)));
    });
    return { endpoint, process: child, close };
  } catch (error) {
    await close();
    throw error;
  }
}
