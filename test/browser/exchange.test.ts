/**
 * Credentials moving between softkey and a real Chromium's virtual
 * authenticators, proven by a relying party served by the test (verifying
 * with @simplewebauthn/server):
 *
 * - Chrome's own virtual authenticator, through the DevTools protocol
 *   (WebAuthn.addCredential / WebAuthn.getCredentials), both ways;
 * - Playwright's `context.credentials` (playwright-core 1.61+), both ways.
 *
 * Each direction ends with a sign-in the RP verifies with the public key and
 * counter it stored at registration, on the other side of the move.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CDPSession, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import {
  exportCredentials,
  fromCdpVirtualAuthenticator,
  fromPlaywrightContext,
  toCdpVirtualAuthenticator,
  toPlaywrightContext,
} from "../../src/exchange/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "./chromium.js";
import { startRelyingParty, type RelyingParty } from "./relyingParty.js";

interface Outcome {
  ok: boolean;
  name?: string;
  message?: string;
  verified?: boolean;
  username?: string;
  credentialId?: string;
  counter?: number;
}

interface RpWindow {
  rp: {
    register(username: string, options?: Record<string, unknown>): Promise<Outcome>;
    login(username?: string, options?: Record<string, unknown>): Promise<Outcome>;
  };
}

const register = (page: Page, username: string, options: Record<string, unknown> = {}) =>
  page.evaluate(([u, o]) => (globalThis as unknown as RpWindow).rp.register(u, o), [username, options] as const) as Promise<Outcome>;
const login = (page: Page, username?: string) =>
  page.evaluate((u) => (globalThis as unknown as RpWindow).rp.login(u), username) as Promise<Outcome>;

/** The RP's server side, called from Node as softkey's own client would be driven by a test. */
async function post<T>(rp: RelyingParty, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${rp.origin}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`${path}: ${json.error}`);
  return json;
}

/** Register `username` at the RP through softkey's own client (origin http://localhost:PORT). */
async function registerWithSoftkey(rp: RelyingParty, softkey: Softkey, username: string): Promise<Outcome> {
  const options = await post<Parameters<Softkey["create"]>[0]>(rp, "/register/options", { username, attestation: "none" });
  const response = await softkey.create(options, { origin: rp.origin });
  return post<Outcome>(rp, "/register/verify", { response });
}

/** Sign in as `username` through softkey's own client; the RP verifies with the key and counter it stored. */
async function loginWithSoftkey(rp: RelyingParty, softkey: Softkey, username?: string): Promise<Outcome> {
  const options = await post<Parameters<Softkey["get"]>[0]>(rp, "/login/options", username === undefined ? {} : { username });
  const response = await softkey.get(options, { origin: rp.origin });
  return post<Outcome>(rp, "/login/verify", { response });
}

const counterAtRp = (rp: RelyingParty, username: string) => rp.users.get(username)!.credentials[0]!.counter;

describe.skipIf(skipWithoutBrowser)(browserTitle("credentials moving between softkey and Chromium's virtual authenticators"), () => {
  let rp: RelyingParty;
  let dir: string | undefined;
  let softkey: Softkey | undefined;

  beforeAll(async () => {
    rp = await startRelyingParty();
  });
  afterAll(async () => {
    await rp?.close();
  });
  afterEach(async () => {
    await softkey?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    softkey = dir = undefined;
    rp.reset();
  });

  async function freshSoftkey(): Promise<Softkey> {
    dir = mkdtempSync(join(tmpdir(), "softkey-exchange-browser-"));
    softkey = await Softkey.init(join(dir, "store"), "exchange test", { scrypt: TEST_SCRYPT });
    return softkey;
  }

  describe("Chrome's virtual authenticator (CDP)", () => {
    let browser: LaunchedChromium;
    let page: Page | undefined;
    let cdp: CDPSession | undefined;

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });
    afterEach(async () => {
      await cdp?.detach().catch(() => undefined);
      await page?.close();
      page = cdp = undefined;
    });

    /** A tab on the RP's page with Chrome's own virtual authenticator (a CTAP 2.1 USB key with resident keys and UV). */
    async function chromeWithVirtualAuthenticator(): Promise<{ page: Page; cdp: CDPSession; authenticatorId: string }> {
      page = await browser.context.newPage();
      cdp = await browser.context.newCDPSession(page);
      await cdp.send("WebAuthn.enable", { enableUI: false });
      const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: {
          protocol: "ctap2",
          ctap2Version: "ctap2_1",
          transport: "usb",
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      await page.goto(rp.origin);
      return { page, cdp, authenticatorId };
    }

    it("a credential made by softkey, exported in CDP format, signs in from Chrome's virtual authenticator", async () => {
      const key = await freshSoftkey();
      expect(await registerWithSoftkey(rp, key, "made-by-softkey")).toMatchObject({ verified: true });
      expect(await loginWithSoftkey(rp, key, "made-by-softkey")).toMatchObject({ verified: true, counter: 1 });

      // The export file's JSON, as is, goes into WebAuthn.addCredential.
      const { data } = await exportCredentials(key, { format: "cdp", rpId: "localhost" });
      const exported = JSON.parse(JSON.stringify(data)) as typeof data;
      expect(exported).toHaveLength(1);
      const chrome = await chromeWithVirtualAuthenticator();
      for (const credential of exported) await chrome.cdp.send("WebAuthn.addCredential", { authenticatorId: chrome.authenticatorId, credential });

      // Chrome carries on from softkey's counter: the RP sees 2, then 3.
      expect(await login(chrome.page, "made-by-softkey")).toMatchObject({ ok: true, verified: true, username: "made-by-softkey", counter: 2 });
      expect(await login(chrome.page)).toMatchObject({ ok: true, verified: true, username: "made-by-softkey", counter: 3 });
    });

    it("a credential made by Chrome's virtual authenticator, imported into softkey, signs in through softkey, and goes back", async () => {
      const chrome = await chromeWithVirtualAuthenticator();
      const registration = await register(chrome.page, "made-by-chrome");
      expect(registration, registration.message).toMatchObject({ ok: true, verified: true });
      expect(await login(chrome.page, "made-by-chrome")).toMatchObject({ ok: true, verified: true });
      const chromeCounter = counterAtRp(rp, "made-by-chrome");

      const key = await freshSoftkey();
      const { imported } = await fromCdpVirtualAuthenticator(chrome.cdp, chrome.authenticatorId, key);
      expect(imported).toEqual([{ credentialId: registration.credentialId, rpId: "localhost", userName: "made-by-chrome", replaced: false }]);
      const [summary] = (await key.listCredentials()).credentials;
      expect(summary).toMatchObject({ discoverable: true, algorithm: "ES256", signCount: chromeCounter });

      // softkey's own client, origin http://localhost:PORT; the RP checks the key and counter it stored from Chrome's registration.
      const viaSoftkey = await loginWithSoftkey(rp, key, "made-by-chrome");
      expect(viaSoftkey).toMatchObject({ verified: true, username: "made-by-chrome" });
      expect(viaSoftkey.counter).toBeGreaterThan(chromeCounter);
      expect(await loginWithSoftkey(rp, key)).toMatchObject({ verified: true, username: "made-by-chrome" });

      // And back into a fresh virtual authenticator in another tab, with softkey's counter.
      const softkeyCounter = counterAtRp(rp, "made-by-chrome");
      await cdp!.detach();
      await page!.close();
      const again = await chromeWithVirtualAuthenticator();
      const { added } = await toCdpVirtualAuthenticator(key, again.cdp, again.authenticatorId, { rpId: "localhost" });
      expect(added).toEqual([{ credentialId: registration.credentialId, rpId: "localhost" }]);
      expect(await login(again.page, "made-by-chrome")).toMatchObject({ ok: true, verified: true, counter: softkeyCounter + 1 });
    });
  });

  // A browser of its own: credentials.install() replaces navigator.credentials in every page of its context for good.
  describe("Playwright's context.credentials", () => {
    let browser: LaunchedChromium;
    let page: Page | undefined;

    beforeAll(async () => {
      browser = await launchChromium();
      await browser.context.credentials.install();
    });
    afterAll(async () => {
      await browser?.close();
    });
    afterEach(async () => {
      await page?.close();
      for (const credential of (await browser?.context.credentials.get()) ?? []) await browser.context.credentials.delete(credential.id);
      page = undefined;
    });

    it("a credential made by softkey, seeded into context.credentials, signs in on the page", async () => {
      const key = await freshSoftkey();
      expect(await registerWithSoftkey(rp, key, "softkey-to-playwright")).toMatchObject({ verified: true });
      expect(await loginWithSoftkey(rp, key, "softkey-to-playwright")).toMatchObject({ verified: true, counter: 1 });

      const { added, warnings } = await toPlaywrightContext(key, browser.context, { rpId: "localhost" });
      expect(added).toHaveLength(1);
      expect(warnings).toEqual([]);
      page = await browser.context.newPage();
      await page.goto(rp.origin);
      expect(await login(page, "softkey-to-playwright")).toMatchObject({ ok: true, verified: true, username: "softkey-to-playwright", counter: 2 });
      expect(await login(page)).toMatchObject({ ok: true, verified: true, counter: 3 });
    });

    it("a credential the page registered with Playwright's authenticator, imported into softkey, signs in through softkey", async () => {
      page = await browser.context.newPage();
      await page.goto(rp.origin);
      const registration = await register(page, "playwright-to-softkey");
      expect(registration, registration.message).toMatchObject({ ok: true, verified: true });
      expect(await login(page, "playwright-to-softkey")).toMatchObject({ ok: true, verified: true, counter: 1 });

      // The same objects an export file holds (JSON.stringify(await context.credentials.get())).
      const key = await freshSoftkey();
      const { imported } = await fromPlaywrightContext(browser.context, key, { rpId: "localhost" });
      expect(imported).toEqual([{ credentialId: registration.credentialId, rpId: "localhost", replaced: false }]);
      const viaSoftkey = await loginWithSoftkey(rp, key, "playwright-to-softkey");
      expect(viaSoftkey).toMatchObject({ verified: true, username: "playwright-to-softkey", counter: 2 });
    });
  });
});
