/**
 * The drop-in for Chrome's virtual-authenticator API, proven by porting: `scenario` is a test
 * written against the DevTools protocol's WebAuthn domain (a CDP session's `send`). It runs first
 * against Chrome's own virtual authenticator in Chromium, then, unchanged, against softkey's
 * drop-in (`attachment.virtualAuthenticators.send`) in Chromium and in Firefox. The relying party
 * is a @simplewebauthn/browser page verified by @simplewebauthn/server.
 */
import type { Browser } from "puppeteer-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/index.js";
import { attach } from "../../src/puppeteer/index.js";
import { scenario, type CdpSessionLike } from "../browser/cdpWebAuthnScenario.js";
import { PUPPETEER_ENGINES, usePuppeteerSuite, type PuppeteerEngine } from "../browser/puppeteerBrowsers.js";
import type { RelyingParty } from "../browser/relyingParty.js";

const chromium = PUPPETEER_ENGINES.find((e) => e.name === "chromium")!;

function suite(engine: PuppeteerEngine, target: "chrome" | "softkey"): void {
  const what = target === "chrome" ? "Chrome's own WebAuthn domain" : "softkey's drop-in";
  describe.skipIf(engine.skip)(`a CDP WebAuthn-domain test against ${what}`, () => {
    let browser: Browser;
    let rp: RelyingParty;
    let softkey: Softkey;
    const suite = usePuppeteerSuite(engine, "virtual");
    beforeAll(() => ({ browser, rp, softkey } = suite));

    it(engine.title(`runs unchanged against ${what}`), async () => {
      const page = await browser.newPage();
      try {
        if (target === "chrome") {
          const cdp = await page.createCDPSession();
          await page.goto(`${rp.origin}/simplewebauthn`);
          await scenario(cdp as unknown as CdpSessionLike, page, rp);
        } else {
          const key = await attach(page, { softkey });
          await page.goto(`${rp.origin}/simplewebauthn`);
          // The one-line port: the attachment's drop-in where the CDP session was.
          await scenario(key.virtualAuthenticators, page, rp);
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
