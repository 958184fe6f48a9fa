/**
 * Tools that make softkey the passkey authenticator of the agent's own browser
 * (chrome-devtools-mcp's, Playwright MCP's, any Chromium started with
 * --remote-debugging-port over CDP; a Firefox started with
 * --remote-debugging-port over WebDriver BiDi), by its endpoint: the page's
 * WebAuthn prompts are then answered by this store, under the agent's set_user
 * and select_credential choices, and reported by read_events.
 */
import { z } from "zod";
import { defineTool, ToolInputError } from "../tool.js";
import type { McpSession } from "../session.js";
import type { BrowserProtocol } from "../../attachToBrowser.js";

const endpoints = {
  cdpEndpoint: z.string().min(1).optional().describe("a Chromium's DevTools endpoint: http://127.0.0.1:9222 or ws://127.0.0.1:9222/devtools/browser/..."),
  bidiEndpoint: z.string().min(1).optional().describe("a Firefox's WebDriver BiDi endpoint: ws://127.0.0.1:9222, as it prints it"),
};

/** The one endpoint a call names, and its protocol. */
function endpointOf({ cdpEndpoint, bidiEndpoint }: { cdpEndpoint?: string | undefined; bidiEndpoint?: string | undefined }): { protocol: BrowserProtocol; endpoint: string } {
  if ((cdpEndpoint === undefined) === (bidiEndpoint === undefined)) throw new ToolInputError("give one endpoint: cdpEndpoint (Chromium) or bidiEndpoint (Firefox)");
  return cdpEndpoint !== undefined ? { protocol: "cdp", endpoint: cdpEndpoint } : { protocol: "webDriverBiDi", endpoint: bidiEndpoint! };
}

export const attachBrowser = defineTool({
  name: "attach_browser",
  title: "Be the passkey authenticator of a browser",
  description:
    "Attach softkey to a running browser by its endpoint: a Chromium-based browser's DevTools endpoint as cdpEndpoint (http://HOST:PORT " +
    "of --remote-debugging-port, or its ws:// URL), or a Firefox's WebDriver BiDi endpoint as bidiEndpoint (ws://HOST:PORT; softkey then " +
    "holds the browser's one BiDi session until detach_browser). Every page's navigator.credentials.create()/get() is answered by this key " +
    "from now on, in the documents already open and in those that load later, with origins taken from the browser. Ceremonies appear in " +
    "read_events with source browser:<endpoint>. autoSelect answers conditional (autofill) requests with the first passkey that fits.",
  inputSchema: { ...endpoints, autoSelect: z.boolean().optional() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(session, input) {
    const { protocol, endpoint } = endpointOf(input);
    if (session.browsers.has(endpoint)) throw new ToolInputError(`already attached to ${endpoint}`);
    const { attachToBrowser, BrowserConnectError } = await import("../../attachToBrowser.js");
    const browser = await attachToBrowser(protocol, endpoint, {
      softkey: session.softkey,
      selectCredential: session.selectCredential,
      ...(input.autoSelect ? { autoSelect: true } : {}),
    }).catch((error: unknown) => {
      throw error instanceof BrowserConnectError ? new ToolInputError(error.message) : error;
    });
    const source = `browser:${endpoint}`;
    browser.onEvent((name, data) => void session.events.record(source, name, data));
    session.browsers.set(endpoint, browser);
    void browser.disconnected.then(() => {
      if (session.browsers.get(endpoint) === browser) session.browsers.delete(endpoint);
    });
    return { attached: endpoint, ...browser.attached };
  },
});

export const detachBrowser = defineTool({
  name: "detach_browser",
  title: "Stop answering a browser's passkey prompts",
  description:
    "Detach softkey from a browser attach_browser attached, named by the same endpoint (requests still pending there fail with NotAllowedError); " +
    "the browser keeps running, and over WebDriver BiDi its session is free for another client.",
  inputSchema: endpoints,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(session, input) {
    return { detached: await detach(session, endpointOf(input).endpoint) };
  },
});

async function detach(session: McpSession, endpoint: string): Promise<boolean> {
  const browser = session.browsers.get(endpoint);
  if (!browser) return false;
  session.browsers.delete(endpoint);
  await browser.detach();
  return true;
}
