/**
 * softkey in a browser someone else started: connect to its Chrome DevTools
 * Protocol endpoint (`chromium --remote-debugging-port=9222`, what
 * chrome-devtools-mcp, Playwright MCP and `launchServer` expose) and attach to
 * every browser context it has, so that its pages' WebAuthn calls reach
 * softkey without a line of test code. Behind `softkey attach --cdp` and the
 * MCP server's attach_browser tool.
 *
 * playwright-core is an optional peer dependency: it is loaded here, on
 * demand, and its absence is a `BrowserConnectError` that says so.
 */
import type { Browser } from "playwright-core";
import { attach, type AttachOptions, type SoftkeyAttachment } from "./attach.js";
import { BrowserConnectError, endpointUrl, firstLine, forwardEvents, type AttachedBrowser, type AttachedBrowserListener } from "../browser/attachedBrowser.js";

export interface BrowserAttachment extends AttachedBrowser {
  /** One per browser context the browser had when softkey connected (a launched browser has one, its default). */
  readonly attachments: readonly SoftkeyAttachment[];
}

export async function attachOverCdp(endpoint: string, options: AttachOptions & { timeoutMs?: number }): Promise<BrowserAttachment> {
  const url = cdpEndpoint(endpoint);
  const { chromium } = await loadPlaywright();
  let browser: Browser;
  try {
    browser = await chromium.connectOverCDP(url, { timeout: options.timeoutMs ?? 10_000 });
  } catch (error) {
    throw new BrowserConnectError(`cannot connect to the browser at ${url}: ${firstLine(error)}`, { cause: error });
  }
  const disconnected = new Promise<void>((resolve) => browser.once("disconnected", () => resolve()));
  const { timeoutMs: _timeout, ...attachOptions } = options;
  const attachments: SoftkeyAttachment[] = [];
  try {
    for (const context of browser.contexts()) attachments.push(await attach(context, attachOptions));
  } catch (error) {
    await Promise.all(attachments.map((a) => a.detach()));
    await browser.close().catch(() => undefined);
    throw error;
  }
  if (attachments.length === 0) {
    await browser.close().catch(() => undefined);
    throw new BrowserConnectError(`the browser at ${url} has no browser context to attach to`);
  }
  let detached: Promise<void> | undefined;
  return {
    endpoint,
    protocol: "cdp",
    attached: { contexts: attachments.length },
    attachments,
    disconnected,
    onEvent(listener: AttachedBrowserListener) {
      for (const attachment of attachments) forwardEvents(attachment, listener);
    },
    detach() {
      // Closing a browser connected over CDP only disconnects: the browser stays up for its owner.
      detached ??= Promise.all(attachments.map((a) => a.detach())).then(() => browser.close().catch(() => undefined));
      return detached;
    },
  };
}

/** `http://host:port`, `host:port` or a `ws://` URL, as Chrome's --remote-debugging-port prints and tools name it. */
function cdpEndpoint(endpoint: string): string {
  return endpointUrl(endpoint, "CDP", ["http:", "https:", "ws:", "wss:"], "http", "http://HOST:PORT or ws://...").href.replace(/\/$/, "");
}

async function loadPlaywright(): Promise<typeof import("playwright-core")> {
  try {
    return await import("playwright-core");
  } catch (error) {
    throw new BrowserConnectError("attaching to a browser needs playwright-core: npm install playwright-core", { cause: error });
  }
}
