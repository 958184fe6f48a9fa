/**
 * softkey in a Firefox someone else started (`firefox --remote-debugging-port=9222`, which prints
 * "WebDriver BiDi listening on ws://127.0.0.1:9222"), by its WebDriver BiDi endpoint: puppeteer-core
 * connects as the browser's BiDi client and softkey attaches to every tab it has and every tab
 * opened later (./attach.ts, over ../browser/bidiChannel.ts). One preload script, for every tab,
 * puts the shim in each new document from its start, a tab's first included (a login page that asks
 * for a passkey as it loads), and all tabs post through its one channel. Behind `softkey attach
 * --bidi` and the MCP server's attach_browser tool.
 *
 * A browser serves one WebDriver BiDi session at a time (Firefox 153 answers a second `session.new`
 * with "session not created: Maximum number of active sessions"): while softkey is attached it is
 * that session, and detaching ends it (`session.end`) so that another client can connect.
 *
 * puppeteer-core is an optional peer dependency: it is loaded here, on demand, and its absence is a
 * `BrowserConnectError` that says so.
 */
import type { Browser, ConnectionTransport, ConnectOptions, Page, Target } from "puppeteer-core";
import { bidiShim, PuppeteerAttachment, type AttachOptions } from "./attach.js";
import { channelArgument, newChannelId, type BidiConnectionLike } from "../browser/bidiChannel.js";
import { BrowserConnectError, endpointUrl, firstLine, forwardEvents, type AttachedBrowser, type AttachedBrowserListener } from "../browser/attachedBrowser.js";

/** What Firefox answers a second client's `session.new` with (a "session not created" error of WebDriver BiDi's session.new). */
const SESSION_TAKEN = /maximum number of active sessions/i;

export async function attachOverBidi(endpoint: string, options: AttachOptions & { timeoutMs?: number }): Promise<AttachedBrowser> {
  const url = bidiEndpoint(endpoint);
  const puppeteer = await loadPuppeteer();
  const { timeoutMs = 10_000, ...attachOptions } = options;
  const { browser, closed } = await connect(puppeteer, url, timeoutMs);
  const disconnected = Promise.race([closed, new Promise<void>((resolve) => browser.once("disconnected", () => resolve()))]);
  const attachments = new Map<Page, PuppeteerAttachment>();
  const listeners: AttachedBrowserListener[] = [];
  let detached: Promise<void> | undefined;
  const channel = newChannelId();
  const seen = new WeakSet<Page>();
  const attachPage = async (page: Page): Promise<void> => {
    if (detached || seen.has(page) || page.isClosed()) return;
    seen.add(page);
    let attachment: PuppeteerAttachment;
    try {
      attachment = await PuppeteerAttachment.install(page, attachOptions, channel);
    } catch (error) {
      if (page.isClosed()) return; // a tab closed meanwhile has nothing to answer
      throw error;
    }
    if (detached) return void (await attachment.detach());
    attachments.set(page, attachment);
    for (const listener of listeners) forwardEvents(attachment, listener);
    page.once("close", () => {
      attachments.delete(page);
      void attachment.detach(); // its listeners on the connection go with it
    });
  };
  // A tab opened from now on (window.open, a user's new tab) is answered too.
  const onTarget = (target: Target): void => {
    void target
      .page()
      .then((page) => page && attachPage(page))
      .catch(() => undefined); // closed before softkey got to it
  };
  browser.on("targetcreated", onTarget);
  const connection = (browser as unknown as { connection?: BidiConnectionLike }).connection;
  if (typeof connection?.send !== "function") {
    await browser.disconnect().catch(() => undefined);
    throw new BrowserConnectError("this puppeteer-core does not expose its WebDriver BiDi connection; softkey attach --bidi needs puppeteer-core 24");
  }
  let preloadScript: string | undefined;
  const removePreloadScript = async () => {
    if (preloadScript) await connection.send("script.removePreloadScript", { script: preloadScript }).catch(() => undefined);
  };
  try {
    const added = await connection.send("script.addPreloadScript", { functionDeclaration: bidiShim(attachOptions), arguments: [channelArgument(channel)] });
    preloadScript = (added.result as { script: string }).script;
    for (const page of await browser.pages()) await attachPage(page);
  } catch (error) {
    browser.off("targetcreated", onTarget);
    await removePreloadScript();
    await Promise.all([...attachments.values()].map((a) => a.detach()));
    await browser.disconnect().catch(() => undefined);
    throw error;
  }
  return {
    endpoint,
    protocol: "webDriverBiDi",
    attached: { pages: attachments.size },
    disconnected,
    onEvent(listener) {
      listeners.push(listener);
      for (const attachment of attachments.values()) forwardEvents(attachment, listener);
    },
    detach() {
      browser.off("targetcreated", onTarget);
      // Ends softkey's BiDi session (its preload scripts with it); the browser stays up for its owner.
      detached ??= removePreloadScript()
        .then(() => Promise.all([...attachments.values()].map((a) => a.detach())))
        .then(() => browser.disconnect().catch(() => undefined));
      return detached;
    },
  };
}

interface Puppeteer {
  connect(options: ConnectOptions): Promise<Browser>;
  /** Puppeteer's own WebSocket transport, made here so that a failed connect can close it (puppeteer.connect leaves it open). */
  openTransport(url: string): Promise<ConnectionTransport>;
}

/** The browser, and when its socket closes (Puppeteer's "disconnected" waits for a session end the browser may never send when it quits). */
async function connect(puppeteer: Puppeteer, url: string, timeoutMs: number): Promise<{ browser: Browser; closed: Promise<void> }> {
  let timer: NodeJS.Timeout | undefined;
  let transport: ConnectionTransport | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no WebDriver BiDi session within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  const connecting = (async () => {
    transport = await puppeteer.openTransport(url);
    return puppeteer.connect({
      transport,
      protocol: "webDriverBiDi",
      // Someone else's browser: leave its viewport as it is, and do not ask it for network events softkey does not use.
      defaultViewport: null,
      networkEnabled: false,
    });
  })();
  try {
    const browser = await Promise.race([connecting, timeout]);
    const socket = transport!;
    const closed = new Promise<void>((resolve) => {
      const puppeteers = socket.onclose;
      socket.onclose = () => {
        resolve();
        puppeteers?.();
      };
    });
    return { browser, closed };
  } catch (error) {
    // Nothing may keep the socket open: not a refused session.new, not a connection that comes up after the timeout.
    transport?.close();
    void connecting.then((late) => late.disconnect()).catch(() => transport?.close());
    const why = firstLine(error);
    if (SESSION_TAKEN.test(why)) {
      throw new BrowserConnectError(`the browser at ${url} already has a WebDriver BiDi client (it accepts one at a time): close that session first`, { cause: error });
    }
    throw new BrowserConnectError(`cannot connect to the browser at ${url}: ${why}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `ws://host:port` as Firefox prints it ("WebDriver BiDi listening on ws://127.0.0.1:9222"), or
 * `host:port`: new sessions are made at its /session path (the root answers plain HTTP), as
 * Puppeteer's own launcher connects; a URL with a path is taken as it is.
 */
function bidiEndpoint(endpoint: string): string {
  const url = endpointUrl(endpoint, "WebDriver BiDi", ["ws:", "wss:"], "ws", "ws://HOST:PORT, as Firefox prints it");
  if (url.pathname === "/") url.pathname = "/session";
  return url.href;
}

async function loadPuppeteer(): Promise<Puppeteer> {
  try {
    const [{ connect }, { NodeWebSocketTransport }] = await Promise.all([
      import("puppeteer-core"),
      import("puppeteer-core/internal/node/NodeWebSocketTransport.js"),
    ]);
    return { connect, openTransport: (url) => NodeWebSocketTransport.create(url) };
  } catch (error) {
    throw new BrowserConnectError("attaching to a browser over WebDriver BiDi needs puppeteer-core: npm install puppeteer-core", { cause: error });
  }
}
