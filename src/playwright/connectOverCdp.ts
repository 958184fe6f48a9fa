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
import type { Browser, Frame, Page } from "playwright-core";
import { attach, type AttachOptions, type SoftkeyAttachment } from "./attach.js";
import type * as Events from "../browser/events.js";

type SoftkeyEventMap = Events.SoftkeyEventMap<Page, Frame>;

/** The attachment events an agent or a terminal is told about, each as plain data (`describeAttachmentEvent`). */
export const REPORTED_EVENTS = ["credentialCreated", "credentialAsserted", "ceremonyFailed", "conditionalRequest"] as const;
export type ReportedEvent = (typeof REPORTED_EVENTS)[number];

/** The endpoint could not be reached, or playwright-core is not installed. */
export class BrowserConnectError extends Error {
  override name = "BrowserConnectError";
}

export interface BrowserAttachment {
  /** The endpoint as given. */
  readonly endpoint: string;
  /** One per browser context the browser had when softkey connected (a launched browser has one, its default). */
  readonly attachments: readonly SoftkeyAttachment[];
  /** Settles when the browser closes or the connection drops. */
  readonly disconnected: Promise<void>;
  /** Ceremonies still pending in a page fail with NotAllowedError; the browser keeps running. */
  detach(): Promise<void>;
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
    attachments,
    disconnected,
    detach() {
      // Closing a browser connected over CDP only disconnects: the browser stays up for its owner.
      detached ??= Promise.all(attachments.map((a) => a.detach())).then(() => browser.close().catch(() => undefined));
      return detached;
    },
  };
}

/** An attachment event as data: what happened, where, to which credential; never the page objects or the response. */
export function describeAttachmentEvent<K extends ReportedEvent>(name: K, event: SoftkeyEventMap[K]): Record<string, unknown> {
  const where = { origin: event.origin, ...(event.topOrigin ? { topOrigin: event.topOrigin } : {}), url: safeUrl(event.page) };
  switch (name) {
    case "credentialCreated": {
      const e = event as SoftkeyEventMap["credentialCreated"];
      return { ...where, rpId: e.rpId, credentialId: e.credentialId, ...(e.userName !== undefined ? { userName: e.userName } : {}), discoverable: e.discoverable ?? false };
    }
    case "credentialAsserted": {
      const e = event as SoftkeyEventMap["credentialAsserted"];
      return { ...where, rpId: e.rpId, credentialId: e.credentialId, conditional: e.conditional, ...(e.userHandle !== undefined ? { userHandle: e.userHandle } : {}) };
    }
    case "ceremonyFailed": {
      const e = event as SoftkeyEventMap["ceremonyFailed"];
      return { ...where, ceremony: e.ceremony, name: e.name, reason: e.reason };
    }
    default: {
      const e = event as SoftkeyEventMap["conditionalRequest"];
      return { ...where, rpId: e.rpId };
    }
  }
}

/** `http://host:port`, `host:port` or a `ws://` URL, as Chrome's --remote-debugging-port prints and tools name it. */
function cdpEndpoint(endpoint: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new BrowserConnectError(`not a CDP endpoint: "${endpoint}" (expected http://HOST:PORT or ws://...)`);
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) throw new BrowserConnectError(`not a CDP endpoint: "${endpoint}" (expected http://HOST:PORT or ws://...)`);
  return url.href.replace(/\/$/, "");
}

async function loadPlaywright(): Promise<typeof import("playwright-core")> {
  try {
    return await import("playwright-core");
  } catch (error) {
    throw new BrowserConnectError("attaching to a browser needs playwright-core: npm install playwright-core", { cause: error });
  }
}

function safeUrl(page: { url(): string }): string {
  try {
    return page.url();
  } catch {
    return "";
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.trim();
}
