/**
 * A browser someone else started, with softkey attached to it by its endpoint: over CDP
 * (../playwright/connectOverCdp.ts) or over WebDriver BiDi (../puppeteer/connectOverBidi.ts).
 * What `softkey attach` and the MCP server's attach_browser see of either: how much was attached,
 * the ceremonies as plain data, the end of the connection, and a detach that leaves the browser
 * running.
 */
import type { BrowserSession } from "./session.js";
import type * as Events from "./events.js";

/** The attachment events an agent or a terminal is told about, each as plain data (`describeAttachmentEvent`). */
export const REPORTED_EVENTS = ["credentialCreated", "credentialAsserted", "ceremonyFailed", "conditionalRequest"] as const;
export type ReportedEvent = (typeof REPORTED_EVENTS)[number];

export type AttachedBrowserListener = (name: ReportedEvent, data: Record<string, unknown>) => void;

/** The endpoint could not be reached or refused the connection, or the browser adapter is not installed. */
export class BrowserConnectError extends Error {
  override name = "BrowserConnectError";
}

export interface AttachedBrowser {
  /** The endpoint as given. */
  readonly endpoint: string;
  readonly protocol: "cdp" | "webDriverBiDi";
  /** What softkey attached to on connecting, e.g. `{ contexts: 1 }` (CDP) or `{ pages: 2 }` (BiDi). */
  readonly attached: Readonly<Record<string, number>>;
  /** Settles when the browser closes or the connection drops. */
  readonly disconnected: Promise<void>;
  /** Every reported ceremony, in every page softkey serves there now or later. */
  onEvent(listener: AttachedBrowserListener): void;
  /** Ceremonies still pending in a page fail with NotAllowedError; the browser keeps running. */
  detach(): Promise<void>;
}

type PageLike = { url(): string };

/** Passes an attachment's reported events to `listener`, as data. */
export function forwardEvents<P extends PageLike & object, F extends object>(attachment: BrowserSession<P, F>, listener: AttachedBrowserListener): void {
  for (const name of REPORTED_EVENTS) attachment.on(name, (event) => listener(name, describeAttachmentEvent(name, event as never)));
}

/** An attachment event as data: what happened, where, to which credential; never the page objects or the response. */
export function describeAttachmentEvent<K extends ReportedEvent>(name: K, event: Events.SoftkeyEventMap<PageLike>[K]): Record<string, unknown> {
  const where = { origin: event.origin, ...(event.topOrigin ? { topOrigin: event.topOrigin } : {}), url: safeUrl(event.page) };
  switch (name) {
    case "credentialCreated": {
      const e = event as Events.CredentialCreatedEvent<PageLike>;
      return { ...where, rpId: e.rpId, credentialId: e.credentialId, ...(e.userName !== undefined ? { userName: e.userName } : {}), discoverable: e.discoverable ?? false };
    }
    case "credentialAsserted": {
      const e = event as Events.CredentialAssertedEvent<PageLike>;
      return { ...where, rpId: e.rpId, credentialId: e.credentialId, conditional: e.conditional, ...(e.userHandle !== undefined ? { userHandle: e.userHandle } : {}) };
    }
    case "ceremonyFailed": {
      const e = event as Events.CeremonyFailedEvent<PageLike>;
      return { ...where, ceremony: e.ceremony, name: e.name, reason: e.reason };
    }
    default: {
      const e = event as Events.ConditionalRequestEvent<PageLike>;
      return { ...where, rpId: e.rpId };
    }
  }
}

/**
 * The endpoint as a URL of one of `protocols`; `defaultScheme` for a bare HOST:PORT. A
 * BrowserConnectError naming `expected` otherwise.
 */
export function endpointUrl(endpoint: string, what: string, protocols: readonly string[], defaultScheme: string, expected: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `${defaultScheme}://${endpoint}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    url = undefined;
  }
  if (!url || !protocols.includes(url.protocol)) throw new BrowserConnectError(`not a ${what} endpoint: "${endpoint}" (expected ${expected})`);
  return url;
}

/** The first line of an error's message: what a one-line CLI error or a tool result can carry. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error);
  return message.split("\n")[0]!.trim();
}

function safeUrl(page: PageLike): string {
  try {
    return page.url();
  } catch {
    return "";
  }
}
