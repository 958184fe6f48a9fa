/**
 * The drop-in for Chrome's virtual-authenticator API, proven by porting: `scenario` is a test
 * written against the DevTools protocol's WebAuthn domain (a CDP session's `send`). It runs first
 * against Chrome's own virtual authenticator in Chromium, then, unchanged, against softkey's
 * drop-in (`attachment.virtualAuthenticators.send`) in Chromium and in Firefox. The relying party
 * is a @simplewebauthn/browser page verified by @simplewebauthn/server.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/index.js";
import { attach } from "../../src/puppeteer/index.js";
import { PUPPETEER_ENGINES, type PuppeteerEngine } from "../browser/puppeteerBrowsers.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a CDP session's send, as test code holds it
type Send = (method: string, params?: object) => Promise<any>;

interface SwaGlobals {
  swa: { register(username: string): Promise<Record<string, unknown>>; login(username?: string): Promise<Record<string, unknown>> };
}
const register = (page: Page, username: string) => page.evaluate((name) => (globalThis as unknown as SwaGlobals).swa.register(name), username);
const login = (page: Page, username?: string) => page.evaluate((name) => (globalThis as unknown as SwaGlobals).swa.login(name), username);

/** The public key of a base64 PKCS#8 private key, to compare keys whatever their encoding. */
function publicJwk(pkcs8: string): { x?: string; y?: string } {
  const { x, y } = createPrivateKey({ key: Buffer.from(pkcs8, "base64"), format: "der", type: "pkcs8" }).export({ format: "jwk" });
  return { x, y };
}

/** A test written against Chrome's WebAuthn domain. */
async function scenario(send: Send, page: Page, rp: RelyingParty): Promise<void> {
  await send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "usb", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  expect(typeof authenticatorId).toBe("string");

  // A passkey made by the page lands on the virtual authenticator, in CDP's shape.
  const registered = await register(page, "alice");
  expect(registered).toMatchObject({ ok: true, verified: true, origin: rp.origin });
  const { credentials } = await send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials).toHaveLength(1);
  const credential = credentials[0];
  expect(credential).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
  expect(Buffer.from(credential.credentialId, "base64").toString("base64url")).toBe(registered.credentialId);
  expect(Buffer.from(credential.userHandle, "base64").toString("base64url")).toBe(rp.users.get("alice")!.id);

  // It signs in, and its counter moves.
  expect(await login(page)).toMatchObject({ ok: true, verified: true, username: "alice" });
  const { credential: used } = await send("WebAuthn.getCredential", { authenticatorId, credentialId: credential.credentialId });
  expect(used.signCount).toBeGreaterThan(credential.signCount);

  // Removed, it is gone; added back from its exported form, it signs in again with the same key.
  await send("WebAuthn.removeCredential", { authenticatorId, credentialId: credential.credentialId });
  expect((await send("WebAuthn.getCredentials", { authenticatorId })).credentials).toEqual([]);
  await send("WebAuthn.addCredential", { authenticatorId, credential: used });
  expect(await login(page, "alice")).toMatchObject({ ok: true, verified: true, username: "alice" });

  // A key made elsewhere (P-256, PKCS#8) goes in as a server-side credential and comes back as given.
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const imported = {
    credentialId: randomBytes(16).toString("base64"),
    isResidentCredential: false,
    rpId: "example.com",
    privateKey: privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"),
    signCount: 7,
  };
  await send("WebAuthn.addCredential", { authenticatorId, credential: imported });
  const { credential: back } = await send("WebAuthn.getCredential", { authenticatorId, credentialId: imported.credentialId });
  expect(back).toMatchObject({ credentialId: imported.credentialId, isResidentCredential: false, rpId: "example.com", signCount: 7 });
  expect(publicJwk(back.privateKey)).toEqual(publicJwk(imported.privateKey));
  expect((await send("WebAuthn.getCredentials", { authenticatorId })).credentials).toHaveLength(2);

  // A second authenticator has its own credentials; clearing one leaves the other.
  const second = (await send("WebAuthn.addVirtualAuthenticator", { options: { protocol: "ctap2", transport: "usb", hasResidentKey: false } })).authenticatorId;
  expect(second).not.toBe(authenticatorId);
  expect((await send("WebAuthn.getCredentials", { authenticatorId: second })).credentials).toEqual([]);
  await send("WebAuthn.clearCredentials", { authenticatorId });
  expect((await send("WebAuthn.getCredentials", { authenticatorId })).credentials).toEqual([]);
  await expect(send("WebAuthn.addCredential", { authenticatorId: second, credential: { ...used } })).rejects.toThrow(/[Rr]esident [Cc]redentials/);
  await send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: second });
  await expect(send("WebAuthn.getCredentials", { authenticatorId: second })).rejects.toThrow(/Could not find a Virtual Authenticator matching the ID/);
  await send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
}

const chromium = PUPPETEER_ENGINES.find((e) => e.name === "chromium")!;

function suite(engine: PuppeteerEngine, target: "chrome" | "softkey"): void {
  const what = target === "chrome" ? "Chrome's own WebAuthn domain" : "softkey's drop-in";
  describe.skipIf(engine.skip)(`a CDP WebAuthn-domain test against ${what}`, () => {
    let browser: Browser;
    let rp: RelyingParty;
    let dir: string;
    let softkey: Softkey;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `softkey-virtual-${engine.name}-`));
      rp = await startRelyingParty();
      softkey = await Softkey.init(join(dir, "store"), "virtual", { scrypt: TEST_SCRYPT });
      browser = await engine.launch();
    }, 90_000);

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await softkey?.close();
      await rp?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(engine.title(`runs unchanged against ${what}`), async () => {
      const page = await browser.newPage();
      try {
        if (target === "chrome") {
          const cdp = await page.createCDPSession();
          await page.goto(`${rp.origin}/simplewebauthn`);
          await scenario((method, params) => cdp.send(method as never, params as never), page, rp);
        } else {
          const key = await attach(page, { softkey });
          await page.goto(`${rp.origin}/simplewebauthn`);
          // The one-line port: the attachment's drop-in where the CDP session was.
          await scenario((method, params) => key.virtualAuthenticators.send(method, params), page, rp);
          // The virtual authenticators answered, not the Softkey's own store.
          expect((await softkey.listCredentials()).credentials).toEqual([]);
          await key.detach();
        }
      } finally {
        await page.close();
      }
    }, 120_000);
  });
}

suite(chromium, "chrome");
for (const engine of PUPPETEER_ENGINES) suite(engine, "softkey");
