/**
 * softkey in a browser someone else started, by its endpoint and protocol: Chrome DevTools
 * Protocol through Playwright (./playwright/connectOverCdp.ts) or WebDriver BiDi through Puppeteer
 * (./puppeteer/connectOverBidi.ts). One entry for `softkey attach` and the MCP server's
 * attach_browser; each adapter is loaded only when it is asked for, so nothing else pays for it.
 */
import type { AttachedBrowser } from "./browser/attachedBrowser.js";
import type { SessionOptions } from "./browser/session.js";

export { BrowserConnectError, type AttachedBrowser, type ReportedEvent } from "./browser/attachedBrowser.js";

export type BrowserProtocol = AttachedBrowser["protocol"];

export async function attachToBrowser(protocol: BrowserProtocol, endpoint: string, options: SessionOptions): Promise<AttachedBrowser> {
  if (protocol === "cdp") return (await import("./playwright/connectOverCdp.js")).attachOverCdp(endpoint, options);
  return (await import("./puppeteer/connectOverBidi.js")).attachOverBidi(endpoint, options);
}
