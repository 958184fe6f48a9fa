/**
 * Tools that make softkey the passkey authenticator of the agent's own browser
 * (chrome-devtools-mcp's, Playwright MCP's, any Chromium started with
 * --remote-debugging-port), by its DevTools endpoint: the page's WebAuthn
 * prompts are then answered by this store, under the agent's set_user and
 * select_credential choices, and reported by read_events.
 */
import { z } from "zod";
import { defineTool, ToolInputError } from "../tool.js";
import type { McpSession } from "../session.js";

export const attachBrowser = defineTool({
  name: "attach_browser",
  title: "Be the passkey authenticator of a browser",
  description:
    "Attach softkey to a running Chromium-based browser by its DevTools endpoint (http://HOST:PORT of --remote-debugging-port, " +
    "or its ws:// URL): every page's navigator.credentials.create()/get() is answered by this key from now on, in the documents " +
    "already open and in those that load later, with origins taken from the browser. Ceremonies appear in read_events with " +
    "source browser:<endpoint>. autoSelect answers conditional (autofill) requests with the first passkey that fits.",
  inputSchema: {
    cdpEndpoint: z.string().min(1).describe("http://127.0.0.1:9222 or ws://127.0.0.1:9222/devtools/browser/..."),
    autoSelect: z.boolean().optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(session, { cdpEndpoint, autoSelect }) {
    if (session.browsers.has(cdpEndpoint)) throw new ToolInputError(`already attached to ${cdpEndpoint}`);
    const { attachOverCdp, BrowserConnectError, describeAttachmentEvent, REPORTED_EVENTS } = await import("../../playwright/connectOverCdp.js");
    const browser = await attachOverCdp(cdpEndpoint, {
      softkey: session.softkey,
      selectCredential: session.selectCredential,
      ...(autoSelect ? { autoSelect: true } : {}),
    }).catch((error: unknown) => {
      throw error instanceof BrowserConnectError ? new ToolInputError(error.message) : error;
    });
    const source = `browser:${cdpEndpoint}`;
    for (const attachment of browser.attachments) {
      for (const name of REPORTED_EVENTS) attachment.on(name, (event) => void session.events.record(source, name, describeAttachmentEvent(name, event as never)));
    }
    session.browsers.set(cdpEndpoint, browser);
    void browser.disconnected.then(() => {
      if (session.browsers.get(cdpEndpoint) === browser) session.browsers.delete(cdpEndpoint);
    });
    return { attached: cdpEndpoint, contexts: browser.attachments.length };
  },
});

export const detachBrowser = defineTool({
  name: "detach_browser",
  title: "Stop answering a browser's passkey prompts",
  description: "Detach softkey from a browser attach_browser attached (requests still pending there fail with NotAllowedError); the browser keeps running.",
  inputSchema: { cdpEndpoint: z.string().min(1) },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(session, { cdpEndpoint }) {
    return { detached: await detach(session, cdpEndpoint) };
  },
});

async function detach(session: McpSession, endpoint: string): Promise<boolean> {
  const browser = session.browsers.get(endpoint);
  if (!browser) return false;
  session.browsers.delete(endpoint);
  await browser.detach();
  return true;
}
