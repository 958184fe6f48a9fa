/**
 * A Chromium someone else started, as `softkey attach --cdp` and the MCP
 * server's attach_browser meet it: Debian's chromium launched by hand,
 * headless, with --remote-debugging-port=0, its DevTools endpoint read from
 * the line it prints on stderr.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from "./chromium.js";
import { startRemoteBrowser, type RemoteBrowser } from "./remoteBrowser.js";

/** `endpoint`: http://127.0.0.1:PORT, as one passes to --cdp. */
export type RemoteChromium = RemoteBrowser;

export async function startRemoteChromium(): Promise<RemoteChromium> {
  if (CHROMIUM_MISSING) throw new Error(`${CHROMIUM} is required when CI=true but is missing; install it with \`apt-get install -y chromium\``);
  const profile = mkdtempSync(join(tmpdir(), "softkey-remote-chromium-"));
  return startRemoteBrowser({
    name: "chromium",
    executable: CHROMIUM,
    args: [...CHROMIUM_ARGS, "--headless=new", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", `--user-data-dir=${profile}`, "about:blank"],
    profile,
    listening: /DevTools listening on ws:\/\/([^/\s]+)\//,
    endpoint: (match) => `http://${match[1]}`,
  });
}
