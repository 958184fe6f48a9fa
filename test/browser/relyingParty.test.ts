/**
 * softkey as the authenticator of a real Chromium, through softkey/playwright:
 * a relying party served by the test (verifying with @simplewebauthn/server)
 * registers and signs in with passkeys the page asks for with
 * navigator.credentials.create()/get(), as a site's own script would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Softkey, type OpenOptions } from "../../src/softkey.js";
import { attach, type AttachOptions, type SoftkeyAttachment } from "../../src/playwright/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "./chromium.js";
import { startRelyingParty, type RelyingParty } from "./relyingParty.js";

interface Outcome {
  ok: boolean;
  name?: string;
  message?: string;
  isDOMException?: boolean;
  verified?: boolean;
  username?: string;
  credentialId?: string;
  fmt?: string;
  counter?: number;
  userVerified?: boolean;
  origin?: string;
  extensions?: Record<string, unknown>;
}

describe.skipIf(skipWithoutBrowser)(browserTitle("a relying party in Chromium with softkey attached"), () => {
  let browser: LaunchedChromium;
  let rp: RelyingParty;
  let lookalike: RelyingParty;
  let dir: string;
  let softkey: Softkey | undefined;
  let key: SoftkeyAttachment | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    rp = await startRelyingParty();
    // A look-alike on another origin (an IP address, which also differs by port) that names the real RP's ID.
    lookalike = await startRelyingParty({ host: "127.0.0.1", rpID: rp.rpID });
  });
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await lookalike?.close();
  });
  afterEach(async () => {
    await page?.close();
    await key?.detach();
    await softkey?.close();
    rmSync(dir, { recursive: true, force: true });
    rp.reset();
    page = key = softkey = undefined;
  });

  /** A fresh store, attached to the browser context, and the RP's page open in a new tab. */
  async function open(
    openOptions: Omit<OpenOptions, "passphrase"> = {},
    attachOptions: Omit<AttachOptions, "softkey"> = {},
    url = rp.origin,
  ): Promise<{ page: Page; key: SoftkeyAttachment; softkey: Softkey }> {
    dir = mkdtempSync(join(tmpdir(), "softkey-browser-"));
    softkey = await Softkey.init(join(dir, "store"), "browser test", { scrypt: TEST_SCRYPT }, openOptions);
    key = await attach(browser.context, { softkey, ...attachOptions });
    page = await browser.context.newPage();
    await page.goto(url);
    return { page, key, softkey };
  }

  const register = (p: Page, username: string, options: Record<string, unknown> = {}) =>
    p.evaluate(([u, o]) => (globalThis as unknown as RpWindow).rp.register(u, o), [username, options] as const) as Promise<Outcome>;
  const login = (p: Page, username?: string, options: Record<string, unknown> = {}) =>
    p.evaluate(([u, o]) => (globalThis as unknown as RpWindow).rp.login(u, o), [username, options] as const) as Promise<Outcome>;

  it("registers a discoverable passkey from the Register button and signs in username-less", async () => {
    const { page, key, softkey } = await open();
    await page.fill("#username", "alice");
    const created = key.waitForEvent("credentialCreated");
    await page.click("#register");
    const event = await created;
    await page.locator("#status", { hasText: '"verified":true' }).waitFor();
    const registered = JSON.parse((await page.textContent("#status"))!) as Outcome;
    expect(registered).toMatchObject({ ok: true, fmt: "packed", userVerified: true, origin: rp.origin });
    expect(event).toMatchObject({ rpId: "localhost", origin: rp.origin, userName: "alice", discoverable: true, credentialId: registered.credentialId });
    expect(event.page).toBe(page);
    expect(event.response.response.attestationObject).toBeTruthy();
    expect((await softkey.listCredentials({ rpId: "localhost" })).credentials).toMatchObject([{ userName: "alice", discoverable: true }]);

    // Username-less: no allowCredentials, the authenticator finds the passkey and returns its user handle.
    await page.fill("#username", "");
    const asserted = key.waitForEvent("credentialAsserted");
    await page.click("#login");
    await page.locator("#status", { hasText: '"username":"alice"' }).waitFor();
    expect(JSON.parse((await page.textContent("#status"))!)).toMatchObject({ ok: true, verified: true, counter: 1 });
    expect(await asserted).toMatchObject({ credentialId: registered.credentialId, conditional: false, rpId: "localhost" });
    expect((await asserted).userHandle).toBe(rp.users.get("alice")!.id);
    expect(await login(page)).toMatchObject({ ok: true, username: "alice", counter: 2 });
  });

  it("username-first: a non-discoverable credential is found through allowCredentials", async () => {
    const { page, softkey } = await open();
    expect(await register(page, "bob", { residentKey: "discouraged" })).toMatchObject({ ok: true, verified: true });
    expect((await softkey.listCredentials()).credentials).toMatchObject([{ discoverable: false }]);
    expect(await login(page, "bob", { userVerification: "required" })).toMatchObject({ ok: true, username: "bob", userVerified: true });
    // Without a username there is nothing discoverable to find.
    expect(await login(page)).toMatchObject({ ok: false, name: "NotAllowedError", isDOMException: true });
  });

  it("conditional mediation waits for the test to select the account", async () => {
    const { page, key } = await open();
    await register(page, "alice");
    await register(page, "carol");
    await page.evaluate(() => {
      const w = globalThis as unknown as RpWindow;
      w.pending = w.rp.login(undefined, { mediation: "conditional" });
    });
    const request = await key.waitForEvent("conditionalRequest");
    expect(request).toMatchObject({ rpId: "localhost", origin: rp.origin });
    expect(key.pendingConditionalRequests()).toHaveLength(1);
    // Nothing happens until the user picks: the page is still waiting.
    expect(await page.textContent("#status")).not.toContain('"username"');

    const assertion = await key.selectAccount({ userName: "carol" });
    expect(assertion.id).toBe(rp.users.get("carol")!.credentials[0]!.id);
    expect(await page.evaluate(() => (globalThis as unknown as RpWindow).pending)).toMatchObject({ ok: true, username: "carol" });
    expect(key.pendingConditionalRequests()).toHaveLength(0);
  });

  it("conditional mediation resolves at once under autoSelect", async () => {
    const { page, key } = await open({}, { autoSelect: true });
    await register(page, "alice");
    const asserted = key.waitForEvent("credentialAsserted");
    expect(await login(page, undefined, { mediation: "conditional" })).toMatchObject({ ok: true, username: "alice" });
    expect((await asserted).conditional).toBe(true);
  });

  it("an AbortSignal ends a pending conditional request with AbortError", async () => {
    const { page, key } = await open();
    await register(page, "alice");
    const result = page.evaluate(async () => {
      const controller = new AbortController();
      const pending = (globalThis as unknown as RpWindow).rp.login(undefined, { mediation: "conditional", signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      return pending;
    });
    await key.waitForEvent("conditionalRequest");
    expect(await result).toMatchObject({ ok: false, name: "AbortError", isDOMException: true });
    await expect.poll(() => key.pendingConditionalRequests().length).toBe(0);
  });

  it("detach() ends a request still pending in the page with NotAllowedError", async () => {
    const { page, key } = await open();
    await register(page, "alice");
    await page.evaluate(() => {
      const w = globalThis as unknown as RpWindow;
      w.pending = w.rp.login(undefined, { mediation: "conditional" });
    });
    await key.waitForEvent("conditionalRequest");
    await key.detach();
    expect(await page.evaluate(() => (globalThis as unknown as RpWindow).pending)).toMatchObject({ ok: false, name: "NotAllowedError", isDOMException: true });
    // And nothing answers afterwards.
    expect(await login(page)).toMatchObject({ ok: false, name: "NotAllowedError" });
  });

  it("with cdpChannel: false every ceremony goes through Playwright's binding, with the same results", async () => {
    const { page } = await open({}, { cdpChannel: false });
    const countBindingCalls = () =>
      page.evaluate(() => {
        const w = globalThis as unknown as Record<string, unknown> & { bindingCalls: number };
        const binding = w.__softkeyPlaywright as (request: unknown) => Promise<unknown>;
        w.bindingCalls = 0;
        w.__softkeyPlaywright = (request: unknown) => {
          w.bindingCalls++;
          return binding(request);
        };
        return typeof w.__softkeyPlaywrightCdp;
      });
    expect(await countBindingCalls()).toBe("undefined");
    expect(await register(page, "alice")).toMatchObject({ ok: true, verified: true, origin: rp.origin });
    expect(await login(page)).toMatchObject({ ok: true, verified: true, username: "alice" });
    expect(await page.evaluate(() => (globalThis as unknown as { bindingCalls: number }).bindingCalls)).toBe(2);
  });

  it("PRF: the same input gives the same secret, another input another", async () => {
    const { page } = await open();
    const salt = (text: string) => Buffer.from(text).toString("base64url");
    const registered = await register(page, "alice", { extensions: { prf: {} } });
    expect(registered).toMatchObject({ ok: true, extensions: { prf: { enabled: true } } });
    const prf = async (input: string) => {
      const outcome = await login(page, undefined, { extensions: { prf: { eval: { first: salt(input) } } } });
      expect(outcome).toMatchObject({ ok: true });
      return (outcome.extensions as { prf: { results: { first: { arrayBuffer: string } } } }).prf.results.first.arrayBuffer;
    };
    const first = await prf("salt one");
    expect(Buffer.from(first, "base64url")).toHaveLength(32);
    expect(await prf("salt one")).toBe(first);
    expect(await prf("salt two")).not.toBe(first);
  });

  it("an excluded credential fails registration with InvalidStateError", async () => {
    const { page, softkey } = await open();
    await register(page, "alice");
    expect(await register(page, "alice", { excludeExisting: true })).toMatchObject({ ok: false, name: "InvalidStateError", isDOMException: true });
    expect((await softkey.listCredentials()).credentials).toHaveLength(1);
  });

  it("a denied prompt rejects with NotAllowedError", async () => {
    const { page, key } = await open({ presence: "deny" });
    const failed = key.waitForEvent("ceremonyFailed");
    expect(await register(page, "alice")).toMatchObject({ ok: false, name: "NotAllowedError", isDOMException: true });
    expect(await failed).toMatchObject({ ceremony: "create", name: "NotAllowedError" });
  });

  it("a look-alike origin cannot use the real site's RP ID: SecurityError", async () => {
    const { page, key, softkey } = await open();
    await register(page, "alice");
    const fake = await browser.context.newPage();
    const reasons: string[] = [];
    key.on("ceremonyFailed", (event) => reasons.push(event.reason));
    try {
      // 127.0.0.1 is another origin than localhost (and an IP address, which WebAuthn refuses outright).
      await fake.goto(lookalike.origin);
      expect(await register(fake, "mallory")).toMatchObject({ ok: false, name: "SecurityError", isDOMException: true, message: "This is an invalid domain." });
      expect(await login(fake)).toMatchObject({ ok: false, name: "SecurityError", isDOMException: true });
      expect(reasons[0]).toContain("IP-address");
      // A look-alike host name (same server, same page, same options) fails the RP ID check itself; as in Chrome,
      // the client then asks https://localhost/.well-known/webauthn, which nothing answers here.
      await fake.goto(`http://evil.localhost:${lookalike.port}/`);
      const message = expect.stringMatching(/^The relying party ID is not a registrable domain suffix of, nor equal to the current domain\. Subsequently, an attempt to fetch/);
      expect(await register(fake, "mallory")).toMatchObject({ ok: false, name: "SecurityError", message });
      expect(await login(fake)).toMatchObject({ ok: false, name: "SecurityError", message });
      expect(reasons.slice(2)).toEqual([expect.stringContaining('"localhost"'), expect.stringContaining('"localhost"')]);
    } finally {
      await fake.close();
    }
    const credentials = (await softkey.listCredentials()).credentials;
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.signCount).toBe(0);
  });

  it("reports deletions through the softkey API; the deleted passkey no longer signs in", async () => {
    const { page, key, softkey } = await open();
    const registered = await register(page, "alice");
    const deleted = key.waitForEvent("credentialDeleted");
    expect(await softkey.deleteCredential(registered.credentialId!)).toBe(true);
    expect(await deleted).toEqual({ credentialId: registered.credentialId, rpId: "localhost" });
    expect(await login(page)).toMatchObject({ ok: false, name: "NotAllowedError" });
  });

  it("runs the page's ceremonies through the Softkey, whose own listeners see them", async () => {
    const { page, softkey } = await open();
    const seen: string[] = [];
    softkey.on("ceremonySuccess", (e) => seen.push(`${e.ceremony} ${e.rpId} ${e.origin} ${e.credentialId}`));
    const registered = await register(page, "alice");
    expect(await login(page)).toMatchObject({ ok: true });
    expect(seen).toEqual([
      `create localhost ${rp.origin} ${registered.credentialId}`,
      `get localhost ${rp.origin} ${registered.credentialId}`,
    ]);
  });
});

interface RpWindow {
  rp: {
    register(username: string, options?: Record<string, unknown>): Promise<Outcome>;
    login(username?: string, options?: Record<string, unknown>): Promise<Outcome>;
  };
  pending?: Promise<Outcome>;
}
