/**
 * A Chromium someone else started, as `softkey attach --cdp` and the MCP
 * server's attach_browser meet it: Debian's chromium launched by hand,
 * headless, with --remote-debugging-port=0, its DevTools endpoint read from
 * the line it prints on stderr.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from "./chromium.js";

export interface RemoteChromium {
  /** http://127.0.0.1:PORT, as one passes to --cdp. */
  endpoint: string;
  process: ChildProcess;
  close(): Promise<void>;
}

export async function startRemoteChromium(): Promise<RemoteChromium> {
  if (CHROMIUM_MISSING) throw new Error(`${CHROMIUM} is required when CI=true but is missing; install it with \`apt-get install -y chromium\``);
  const profile = mkdtempSync(join(tmpdir(), "softkey-remote-chromium-"));
  const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, "--headless=new", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", `--user-data-dir=${profile}`, "about:blank"], {
    stdio: ["ignore", "ignore", "pipe"],
    // Its own process group: Chromium's helper processes (zygote, GPU, crashpad) are ended with it.
    detached: true,
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
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      const timer = setTimeout(() => reject(new Error(`chromium printed no DevTools endpoint within 20 s: ${stderr.slice(-500)}`)), 20_000);
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        const match = /DevTools listening on ws:\/\/([^/\s]+)\//.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(`http://${match[1]}`);
        }
      });
      child.once("exit", (code) => reject(new Error(`chromium exited (${code}) before listening: ${stderr.slice(-500)}`)));
    });
    return { endpoint, process: child, close };
  } catch (error) {
    await close();
    throw error;
  }
}
