/**
 * A Firefox someone else started, as `softkey attach --bidi` and the MCP server's attach_browser
 * meet it: Debian's firefox-esr launched by hand, headless, on a fresh profile, with
 * --remote-debugging-port=0, its WebDriver BiDi endpoint read from the line it prints on stderr
 * ("WebDriver BiDi listening on ws://127.0.0.1:PORT"). The presence rule is ./puppeteerBrowsers.ts'.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PUPPETEER_ENGINES } from "./puppeteerBrowsers.js";

export const FIREFOX_ENGINE = PUPPETEER_ENGINES.find((engine) => engine.name === "firefox")!;

export interface RemoteFirefox {
  /** ws://127.0.0.1:PORT, as Firefox prints it and one passes to --bidi. */
  endpoint: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/** Quiet, and able to open the tab a self-driving page asks for without a click. */
const PREFS = {
  "dom.disable_open_during_load": false,
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "datareporting.policy.dataSubmissionEnabled": false,
  "toolkit.telemetry.reportingpolicy.firstRun": false,
  "app.update.disabledForTesting": true,
  "browser.tabs.warnOnClose": false,
};

export async function startRemoteFirefox(url = "about:blank"): Promise<RemoteFirefox> {
  if (FIREFOX_ENGINE.missing) throw new Error(`${FIREFOX_ENGINE.executablePath} is required when CI=true but is missing; ${FIREFOX_ENGINE.installHint}`);
  const profile = mkdtempSync(join(tmpdir(), "softkey-remote-firefox-"));
  writeFileSync(join(profile, "user.js"), Object.entries(PREFS).map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`).join(""));
  const child = spawn(FIREFOX_ENGINE.executablePath, ["--headless", "--no-remote", "--remote-debugging-port=0", "--profile", profile, url], {
    stdio: ["ignore", "ignore", "pipe"],
    // Its own process group: Firefox's content processes are ended with it.
    detached: true,
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: "1" },
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
    signalGroup("SIGKILL");
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      const timer = setTimeout(() => reject(new Error(`firefox printed no WebDriver BiDi endpoint within 30 s: ${stderr.slice(-500)}`)), 30_000);
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        const match = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`firefox exited (${code}) before listening: ${stderr.slice(-500)}`)));
    });
    return { endpoint, process: child, close };
  } catch (error) {
    await close();
    throw error;
  }
}
