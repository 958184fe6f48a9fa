/**
 * The virtual-authenticator drop-in on softkey/playwright: the test written against Chrome's
 * WebAuthn domain (../browser/cdpWebAuthnScenario.ts) runs on Chrome's own domain through
 * Playwright's CDP session, then unchanged on a Playwright attachment's `virtualAuthenticators`,
 * in Chromium (the engine Playwright drives here).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/index.js";
import { attach } from "../../src/playwright/index.js";
import { scenario, type CdpSessionLike } from "../browser/cdpWebAuthnScenario.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "../browser/chromium.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";

describe.skipIf(skipWithoutBrowser)(browserTitle("a CDP WebAuthn-domain test on softkey/playwright's drop-in"), () => {
  let browser: LaunchedChromium;
  let rp: RelyingParty;
  let dir: string;
  let softkey: Softkey;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "softkey-playwright-virtual-"));
    browser = await launchChromium();
    rp = await startRelyingParty();
    softkey = await Softkey.init(join(dir, "store"), "virtual", { scrypt: TEST_SCRYPT });
  });

  afterAll(async () => {
    await browser?.close();
    await softkey?.close();
    await rp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs against Chrome's own WebAuthn domain through Playwright's CDP session", async () => {
    const page = await browser.context.newPage();
    try {
      const cdp = await browser.context.newCDPSession(page);
      await page.goto(`${rp.origin}/simplewebauthn`);
      await scenario(cdp as unknown as CdpSessionLike, page, rp);
    } finally {
      await page.close();
    }
  }, 120_000);

  it("runs unchanged against the attachment's virtualAuthenticators", async () => {
    const page = await browser.context.newPage();
    const key = await attach(page, { softkey });
    try {
      await page.goto(`${rp.origin}/simplewebauthn`);
      await scenario(key.virtualAuthenticators, page, rp);
      expect((await softkey.listCredentials()).credentials).toEqual([]);
    } finally {
      await key.detach();
      await page.close();
    }
  }, 120_000);
});
