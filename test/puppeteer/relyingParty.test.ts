/**
 * softkey/puppeteer in real browsers: a relying party whose page is built with
 * @simplewebauthn/browser (its own browser bundle, served by the RP) registers and signs in with
 * softkey, verified by @simplewebauthn/server, in Chromium (CDP) and in Firefox (WebDriver BiDi).
 * The ceremony's origin is the browser's account of the calling document: a page that claims
 * another origin is refused.
 */
import type { Browser, Page } from "puppeteer-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/index.js";
import { attach, type PuppeteerAttachment } from "../../src/puppeteer/index.js";
import { PUPPETEER_ENGINES, usePuppeteerSuite } from "../browser/puppeteerBrowsers.js";
import type { RelyingParty } from "../browser/relyingParty.js";

interface RpGlobals {
  rp: { register(username: string): Promise<Record<string, unknown>> };
}

interface SwaGlobals {
  swa: { register(username: string): Promise<Record<string, unknown>>; login(username?: string): Promise<Record<string, unknown>>; supported(): boolean };
}

for (const engine of PUPPETEER_ENGINES) {
  describe.skipIf(engine.skip)(`softkey/puppeteer in ${engine.name}`, () => {
    let browser: Browser;
    let rp: RelyingParty;
    let softkey: Softkey;
    const suite = usePuppeteerSuite(engine, "puppeteer");
    beforeAll(() => ({ browser, rp, softkey } = suite));

    async function openPage(url: string): Promise<{ page: Page; key: PuppeteerAttachment }> {
      const page = await browser.newPage();
      const key = await attach(page, { softkey });
      await page.goto(url);
      return { page, key };
    }

    it(engine.title("a @simplewebauthn/browser page registers and signs in, verified by @simplewebauthn/server"), async () => {
      const { page, key } = await openPage(`${rp.origin}/simplewebauthn`);
      try {
        expect(key.protocol).toBe(engine.name === "firefox" ? "webDriverBiDi" : "cdp");
        expect(await page.evaluate(() => (globalThis as unknown as SwaGlobals).swa.supported())).toBe(true);
        const created = key.waitForEvent("credentialCreated", { timeout: 20_000 });
        const registered = await page.evaluate(() => (globalThis as unknown as SwaGlobals).swa.register("alice"));
        expect(registered).toMatchObject({ ok: true, verified: true, origin: rp.origin });
        const event = await created;
        expect(event.origin).toBe(rp.origin);
        expect(event.frame).toBe(page.mainFrame());
        expect(event.credentialId).toBe(registered.credentialId);
        // By user name, then as a passkey with no user name at all.
        expect(await page.evaluate(() => (globalThis as unknown as SwaGlobals).swa.login("alice"))).toMatchObject({ ok: true, verified: true, username: "alice", origin: rp.origin });
        expect(await page.evaluate(() => (globalThis as unknown as SwaGlobals).swa.login())).toMatchObject({ ok: true, verified: true, username: "alice" });
        expect((await softkey.listCredentials({ rpId: "localhost" })).credentials.map((c) => c.credentialId)).toContain(registered.credentialId);
      } finally {
        await key.detach();
        await page.close();
      }
    }, 90_000);

    it(engine.title("in frames: a same-origin frame registers; a cross-origin frame runs as itself with its top origin where the browser can say it is allowed to"), async () => {
      const allow = "publickey-credentials-create; publickey-credentials-get";
      const embed = (top: string, src: string) => `${top}/embed?src=${encodeURIComponent(src)}&allow=${encodeURIComponent(allow)}`;
      const inFrame = async (page: Page, username: string) => {
        const frame = await (await page.waitForSelector("#frame"))!.contentFrame();
        await frame.waitForFunction(() => typeof (globalThis as unknown as RpGlobals).rp === "object");
        return { frame, result: await frame.evaluate((name) => (globalThis as unknown as RpGlobals).rp.register(name), username) };
      };
      const same = await openPage(embed(rp.origin, `${rp.origin}/`));
      try {
        const created = same.key.waitForEvent("credentialCreated", { timeout: 20_000 });
        const { frame, result } = await inFrame(same.page, "frame-user");
        expect(result).toMatchObject({ ok: true, verified: true, origin: rp.origin });
        expect((await created).frame).toBe(frame);
      } finally {
        await same.key.detach();
        await same.page.close();
      }
      // The frame is localhost, the page around it top.localhost: another origin (the browsers resolve *.localhost to loopback).
      const top = `http://top.localhost:${rp.port}`;
      const cross = await openPage(embed(top, `${rp.origin}/`));
      const created = cross.key.waitForEvent("credentialCreated", { timeout: 20_000 }).catch(() => undefined);
      const failed = cross.key.waitForEvent("ceremonyFailed", { timeout: 20_000 }).catch(() => undefined);
      try {
        // create() in a cross-origin frame needs user activation: the test clicks, as a user would.
        const frame = await (await cross.page.waitForSelector("#frame"))!.contentFrame();
        await frame.waitForSelector("#register");
        await frame.type("#username", "cross-user");
        await frame.click("#register");
        await frame.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById("status").textContent !== "");
        const result = JSON.parse(await frame.$eval("#status", (status) => status.textContent ?? "")) as Record<string, unknown>;
        if (engine.name === "chromium") {
          // Chromium reports the frame's Permissions Policy: allowed, so the ceremony runs for the frame's origin.
          expect(result).toMatchObject({ ok: true, verified: true, origin: rp.origin });
          expect(await created).toMatchObject({ origin: rp.origin, topOrigin: top });
        } else {
          // WebDriver BiDi has no Permissions Policy query: softkey refuses rather than guess (README, browser limits).
          expect(result).toMatchObject({ ok: false, name: "NotAllowedError" });
          expect(rp.users.has("cross-user")).toBe(false);
          expect(await failed).toMatchObject({ origin: rp.origin, reason: expect.stringMatching(/cannot tell whether 'publickey-credentials-create' is delegated/) });
        }
      } finally {
        await cross.key.detach();
        await cross.page.close();
      }
    }, 90_000);

    it(engine.title("the origin is the browser's: a page that claims another origin is refused, and a detached page is not served"), async () => {
      // 127.0.0.1 is another origin than localhost; the page redefines window.origin to claim the RP's.
      const { page, key } = await openPage(`http://127.0.0.1:${rp.port}/simplewebauthn`);
      const failed = key.waitForEvent("ceremonyFailed", { timeout: 20_000 });
      try {
        const before = (await softkey.listCredentials()).credentials.length;
        const forged = await page.evaluate((claimed) => {
          Object.defineProperty(globalThis, "origin", { value: claimed, configurable: true });
          return (globalThis as unknown as SwaGlobals).swa.register("mallory");
        }, rp.origin);
        expect(forged).toMatchObject({ ok: false, name: "NotAllowedError" });
        expect((await failed).reason).toMatch(/not the one the browser reports for it, "http:\/\/127\.0\.0\.1:/);
        expect((await softkey.listCredentials()).credentials.length).toBe(before);
        await key.detach();
        expect(await page.evaluate(() => (globalThis as unknown as SwaGlobals).swa.login())).toMatchObject({ ok: false, name: "NotAllowedError" });
      } finally {
        await key.detach();
        await page.close();
      }
    }, 90_000);
  });
}
