/**
 * The MCP server's attach_browser: an agent's own Chromium (started by hand,
 * as chrome-devtools-mcp starts one) gets softkey as its passkey
 * authenticator by its DevTools endpoint, and a Firefox by its WebDriver BiDi
 * endpoint. Its relying party page registers
 * and signs in (verified by @simplewebauthn/server), under the account the
 * agent chose with select_credential, and read_events reports the page's
 * ceremonies; detach_browser gives the browser back.
 */
import { chromium, type Browser, type Page } from "playwright-core";
import puppeteer from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { browserTitle, skipWithoutBrowser } from "../browser/chromium.js";
import { startRemoteChromium, type RemoteChromium } from "../browser/remoteChromium.js";
import { FIREFOX_ENGINE, startRemoteFirefox, type RemoteFirefox } from "../browser/remoteFirefox.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { assertBuilt, BIN, ROOT } from "../cli/run.js";

interface Outcome {
  ok: boolean;
  verified?: boolean;
  username?: string;
  credentialId?: string;
  name?: string;
}

type RpWindow = { rp: { register(u: string): Promise<Outcome>; login(u?: string): Promise<Outcome> } };

/** `softkey mcp --ephemeral` as a child, with the SDK's client; `ok` expects a tool call to succeed. */
async function startMcp() {
  let stderr = "";
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, "mcp", "--ephemeral"], cwd: ROOT, env: {}, stderr: "pipe" });
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "softkey-browser-test", version: "1.0.0" });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, unknown> };
    return { isError: result.isError === true, text: result.content.map((c) => c.text).join("\n"), value: result.structuredContent ?? {} };
  };
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const answer = await call(name, args);
    expect(answer.isError, `${name}: ${answer.text}\nstderr: ${stderr}`).toBe(false);
    return answer.value;
  };
  return { client, call, ok };
}

describe.skipIf(skipWithoutBrowser)(browserTitle("softkey mcp: attach_browser"), () => {
  let remote: RemoteChromium;
  let rp: RelyingParty;
  let browser: Browser;
  let mcp: Awaited<ReturnType<typeof startMcp>>;
  const call: typeof mcp.call = (...args) => mcp.call(...args);
  const ok: typeof mcp.ok = (...args) => mcp.ok(...args);
  const page = async (): Promise<Page> => {
    const opened = await browser.contexts()[0]!.newPage();
    await opened.goto(rp.origin);
    return opened;
  };
  const register = (p: Page, user: string) => p.evaluate((u) => (globalThis as unknown as RpWindow).rp.register(u), user);
  const login = (p: Page) => p.evaluate(() => (globalThis as unknown as RpWindow).rp.login());

  beforeAll(async () => {
    assertBuilt();
    remote = await startRemoteChromium();
    rp = await startRelyingParty();
    browser = await chromium.connectOverCDP(remote.endpoint);
    mcp = await startMcp();
  });
  afterAll(async () => {
    await mcp?.client.close();
    await browser?.close().catch(() => undefined);
    await remote?.close();
    await rp?.close();
  });

  it("answers the agent's browser with the passkey the agent chose, reports it, and detaches", async () => {
    expect(await ok("attach_browser", { cdpEndpoint: remote.endpoint })).toEqual({ attached: remote.endpoint, contexts: 1 });
    const again = await call("attach_browser", { cdpEndpoint: remote.endpoint });
    expect(again.isError).toBe(true);
    expect(again.text).toMatch(/already attached/);

    const tab = await page();
    const alice = await register(tab, "alice");
    const bob = await register(tab, "bob");
    expect([alice, bob]).toMatchObject([{ ok: true, verified: true }, { ok: true, verified: true }]);
    // Two passkeys for the RP: the page's username-less sign-in gets the one the agent chose.
    await ok("select_credential", { rpId: "localhost", credentialId: alice.credentialId });
    expect(await login(tab)).toMatchObject({ ok: true, verified: true, username: "alice" });
    await ok("select_credential", { rpId: "localhost", credentialId: bob.credentialId });
    expect(await login(tab)).toMatchObject({ ok: true, verified: true, username: "bob" });

    const { events } = (await ok("read_events", {})) as { events: { seq: number; source: string; type: string; data: Record<string, unknown> }[] };
    const fromBrowser = events.filter((e) => e.source === `browser:${remote.endpoint}`);
    expect(fromBrowser.map((e) => [e.type, e.data.credentialId])).toEqual([
      ["credentialCreated", alice.credentialId],
      ["credentialCreated", bob.credentialId],
      ["credentialAsserted", alice.credentialId],
      ["credentialAsserted", bob.credentialId],
    ]);
    expect(fromBrowser[0]!.data).toMatchObject({ rpId: "localhost", origin: rp.origin, userName: "alice" });
    expect(JSON.stringify(fromBrowser)).not.toMatch(/signature|attestationObject|privateKey/);

    expect(await ok("detach_browser", { cdpEndpoint: remote.endpoint })).toEqual({ detached: true });
    expect(await ok("detach_browser", { cdpEndpoint: remote.endpoint })).toEqual({ detached: false });
    // The page softkey was in answers no more (a fresh one would wait on Chromium's own UI for a key that is not there).
    expect(await login(tab)).toMatchObject({ ok: false, name: "NotAllowedError" });
    const { events: later } = (await ok("read_events", { after: events.at(-1)!.seq })) as { events: unknown[] };
    expect(later).toEqual([]);
    await tab.close();
  });

  it("an endpoint nobody listens on is an error result naming it", async () => {
    const answer = await call("attach_browser", { cdpEndpoint: "http://127.0.0.1:9" });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/cannot connect to the browser at http:\/\/127\.0\.0\.1:9/);
  });
});

describe.skipIf(FIREFOX_ENGINE.skip)(FIREFOX_ENGINE.title("softkey mcp: attach_browser over WebDriver BiDi"), () => {
  let firefox: RemoteFirefox;
  let rp: RelyingParty;
  let mcp: Awaited<ReturnType<typeof startMcp>>;

  beforeAll(async () => {
    assertBuilt();
    rp = await startRelyingParty();
    // Softkey will be this browser's one BiDi client: its pages drive themselves (a register page that opens a sign-in tab).
    firefox = await startRemoteFirefox(`${rp.origin}/auto?ceremony=register&user=carol&open=${encodeURIComponent("/auto?ceremony=login")}`);
    mcp = await startMcp();
  }, 60_000);
  afterAll(async () => {
    await mcp?.client.close();
    await firefox?.close();
    await rp?.close();
  });

  it("answers a Firefox's tabs by its bidiEndpoint, reports them, and gives the BiDi session back on detach", async () => {
    const neither = await mcp.call("attach_browser", {});
    expect(neither.isError).toBe(true);
    expect(neither.text).toMatch(/give one endpoint: cdpEndpoint \(Chromium\) or bidiEndpoint \(Firefox\)/);

    expect(await mcp.ok("attach_browser", { bidiEndpoint: firefox.endpoint })).toEqual({ attached: firefox.endpoint, pages: 1 });
    rp.auto.start();
    const [registered, signedIn] = await rp.auto.waitForReports(2);
    expect(registered).toMatchObject({ ceremony: "register", result: { ok: true, verified: true } });
    expect(signedIn).toMatchObject({ ceremony: "login", result: { ok: true, verified: true, username: "carol", counter: 1 } });

    const { events } = (await mcp.ok("read_events", {})) as { events: { source: string; type: string; data: Record<string, unknown> }[] };
    const fromBrowser = events.filter((e) => e.source === `browser:${firefox.endpoint}`);
    expect(fromBrowser.map((e) => [e.type, e.data.credentialId, e.data.origin])).toEqual([
      ["credentialCreated", registered!.result.credentialId, rp.origin],
      ["credentialAsserted", registered!.result.credentialId, rp.origin],
    ]);

    expect(await mcp.ok("detach_browser", { bidiEndpoint: firefox.endpoint })).toEqual({ detached: true });
    // The session is free again: another client gets one.
    const browser = await puppeteer.connect({ browserWSEndpoint: `${firefox.endpoint}/session`, protocol: "webDriverBiDi", defaultViewport: null });
    expect((await browser.pages()).length).toBe(2);
    await browser.disconnect();
  }, 90_000);
});
