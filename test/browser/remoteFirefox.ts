/**
 * A Firefox someone else started, as `softkey attach --bidi` and the MCP server's attach_browser
 * meet it: Debian's firefox-esr launched by hand, headless, on a fresh profile, with
 * --remote-debugging-port=0, its WebDriver BiDi endpoint read from the line it prints on stderr
 * ("WebDriver BiDi listening on ws://127.0.0.1:PORT"). The presence rule is ./puppeteerBrowsers.ts'.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PUPPETEER_ENGINES } from "./puppeteerBrowsers.js";
import { startRemoteBrowser, type RemoteBrowser } from "./remoteBrowser.js";

export const FIREFOX_ENGINE = PUPPETEER_ENGINES.find((engine) => engine.name === "firefox")!;

/** `endpoint`: ws://127.0.0.1:PORT, as Firefox prints it and one passes to --bidi. */
export type RemoteFirefox = RemoteBrowser;

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
  return startRemoteBrowser({
    name: "firefox",
    executable: FIREFOX_ENGINE.executablePath,
    args: ["--headless", "--no-remote", "--remote-debugging-port=0", "--profile", profile, url],
    profile,
    env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: "1" },
    listening: /WebDriver BiDi listening on (ws:\/\/\S+)/,
    endpoint: (match) => match[1]!,
  });
}
