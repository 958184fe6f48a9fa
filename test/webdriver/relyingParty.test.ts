/**
 * softkey/webdriver against a relying party built with @simplewebauthn/browser and verified by
 * @simplewebauthn/server, in each engine selenium-webdriver drives here: Chromium over WebDriver
 * BiDi (chromedriver) and WebKitGTK over classic WebDriver (WebKitWebDriver, MiniBrowser under
 * Xvfb), where the shim supplies the whole WebAuthn API.
 *
 * The page's ceremonies are started with a short executeScript and their result polled: a pending
 * executeAsyncScript would hold WebKitWebDriver's command queue, which softkey's classic bridge
 * needs for its own short scripts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WebDriver } from "selenium-webdriver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/index.js";
import { attach, type WebDriverAttachment } from "../../src/webdriver/index.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { WEBDRIVER_ENGINES, type LaunchedDriver } from "./webDriverBrowsers.js";

type Outcome = Record<string, unknown>;

/** Runs `window.swa[method](name)` in the page and waits for what it returns, without a pending async script. */
async function swa(driver: WebDriver, method: "register" | "login", name?: string, before = ""): Promise<Outcome> {
  await driver.executeScript(
    `${before}; window.__outcome = undefined; window.swa[arguments[0]](arguments[1] ?? undefined).then((outcome) => { window.__outcome = outcome; });`,
    method,
    name ?? null,
  );
  const outcome = await driver.wait(async () => (await driver.executeScript<Outcome | null>("return window.__outcome ?? null")) ?? undefined, 30_000, `swa.${method} did not finish`);
  return outcome!;
}

for (const engine of WEBDRIVER_ENGINES) {
  describe.skipIf(engine.skip)(`softkey/webdriver with selenium-webdriver [${engine.name}]`, () => {
    let dir: string;
    let rp: RelyingParty;
    let softkey: Softkey;
    let launched: LaunchedDriver;
    let driver: WebDriver;
    let key: WebDriverAttachment;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `softkey-webdriver-${engine.name}-`));
      rp = await startRelyingParty();
      softkey = await Softkey.init(join(dir, "store"), "webdriver", { scrypt: TEST_SCRYPT });
      launched = await engine.launch();
      driver = launched.driver;
      key = await attach(driver, { softkey });
    }, 120_000);

    afterAll(async () => {
      await key?.detach();
      await launched?.close();
      await softkey?.close();
      await rp?.close();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it(engine.title("registers and signs in on a @simplewebauthn/browser page"), async () => {
      expect(key.protocol).toBe(engine.name === "webkit" ? "classic" : "webDriverBiDi");
      await driver.get(`${rp.origin}/simplewebauthn`);
      expect(await key.inject()).toBe(true);
      expect(await driver.executeScript("return window.swa.supported()")).toBe(true);

      const created = key.waitForEvent("credentialCreated", { timeout: 30_000 });
      const registered = await swa(driver, "register", "alice");
      expect(registered).toMatchObject({ ok: true, verified: true, origin: rp.origin });
      const event = await created;
      expect(event).toMatchObject({ origin: rp.origin, rpId: "localhost", userName: "alice", credentialId: registered.credentialId });
      expect(event.page).toBe(driver);
      expect((await softkey.listCredentials({ rpId: "localhost" })).credentials.map((c) => c.credentialId)).toEqual([registered.credentialId]);

      // After a navigation the shim is back before the next command: the preload script (BiDi), or softkey's injection after the navigation command (classic).
      await driver.navigate().refresh();
      expect(await swa(driver, "login", "alice")).toMatchObject({ ok: true, verified: true, username: "alice" });
      expect(await swa(driver, "login")).toMatchObject({ ok: true, verified: true, username: "alice" });
    }, 120_000);

    it(engine.title("gives the page the API surface a site feature-detects"), async () => {
      await driver.get(`${rp.origin}/simplewebauthn`);
      // In WebKitGTK all of it is the shim's (the engine has no PublicKeyCredential); in Chromium the statics are.
      const surface = await driver.executeScript<Record<string, string>>(`
        const out = {};
        for (const name of ["isUserVerifyingPlatformAuthenticatorAvailable", "isConditionalMediationAvailable", "getClientCapabilities", "parseCreationOptionsFromJSON", "parseRequestOptionsFromJSON"]) out[name] = typeof PublicKeyCredential[name];
        out.toJSON = typeof PublicKeyCredential.prototype.toJSON;
        out.getPublicKey = typeof AuthenticatorAttestationResponse.prototype.getPublicKey;
        out.signature = typeof Object.getOwnPropertyDescriptor(AuthenticatorAssertionResponse.prototype, "signature").get;
        out.credentials = typeof navigator.credentials.create;
        return out;`);
      expect(Object.values(surface)).toEqual(Array(Object.keys(surface).length).fill("function"));
      expect(Object.keys(surface)).toHaveLength(9);
      await driver.executeScript(`
        window.__outcome = undefined;
        PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().then((uvpaa) => {
          const options = PublicKeyCredential.parseRequestOptionsFromJSON({ challenge: "AAEC", rpId: "localhost" });
          window.__outcome = { uvpaa, challenge: Array.from(new Uint8Array(options.challenge)) };
        });`);
      const parsed = await driver.wait(async () => (await driver.executeScript<Outcome | null>("return window.__outcome ?? null")) ?? undefined, 10_000);
      expect(parsed).toEqual({ uvpaa: false, challenge: [0, 1, 2] });
    }, 120_000);

    it(engine.title("takes the origin from the driver, not from the page"), async () => {
      await driver.get(`${rp.origin}/simplewebauthn`);
      const failed = key.waitForEvent("ceremonyFailed", { timeout: 30_000 });
      // window.origin is replaceable: a page can make it say anything. The request that names it is refused.
      const [outcome, event] = await Promise.all([
        swa(driver, "login", "alice", `Object.defineProperty(window, "origin", { value: "https://bank.example", configurable: true })`),
        failed,
      ]);
      expect(outcome).toMatchObject({ ok: false, name: "NotAllowedError" });
      expect(event.reason).toContain(`"https://bank.example" is not the one the browser reports for it, "${rp.origin}"`);
    }, 120_000);

    it(engine.title("offers Selenium's virtual-authenticator methods on the attachment"), async () => {
      await key.webDriver.addVirtualAuthenticator({ protocol: "ctap2", transport: "usb", hasResidentKey: true, hasUserVerification: true, isUserVerified: true });
      try {
        await driver.get(`${rp.origin}/simplewebauthn`);
          const registered = await swa(driver, "register", "bob");
        expect(registered).toMatchObject({ ok: true, verified: true });
        const credentials = await key.webDriver.getCredentials();
        expect(credentials.map((c) => Buffer.from(c.id()).toString("base64url"))).toEqual([registered.credentialId]);
        expect(await swa(driver, "login")).toMatchObject({ ok: true, verified: true, username: "bob" });
        await key.webDriver.removeAllCredentials();
        expect(await key.webDriver.getCredentials()).toEqual([]);
        expect(await swa(driver, "login", "bob")).toMatchObject({ ok: false, name: "NotAllowedError" });
      } finally {
        await key.webDriver.removeVirtualAuthenticator();
      }
    }, 120_000);

    if (engine.name === "webkit") it(engine.title("classic WebDriver: a document in a frame gets no shim, even with the driver switched into it"), async () => {
      await driver.get(`${rp.origin}/embed?src=${encodeURIComponent(`${rp.origin}/simplewebauthn`)}`);
      expect(await driver.executeScript("return typeof PublicKeyCredential")).toBe("function"); // the top-level document has it
      await driver.switchTo().frame(driver.findElement({ css: "#frame" }));
      try {
        await driver.wait(async () => (await driver.executeScript("return document.readyState")) === "complete", 10_000);
        await new Promise((resolve) => setTimeout(resolve, 300)); // several polls, all in the frame
        expect(await driver.executeScript("return typeof PublicKeyCredential")).toBe("undefined");
        expect(await key.inject()).toBe(false);
      } finally {
        await driver.switchTo().defaultContent();
      }
    }, 60_000);

    it(engine.title("detach() ends softkey in the page: a later ceremony is refused at once"), async () => {
      await driver.get(`${rp.origin}/simplewebauthn`);
      const execute = (driver as unknown as { execute: unknown }).execute;
      await key.detach();
      // The classic bridge gave the driver its own execute() back.
      if (engine.name === "webkit") expect(execute).not.toBe((driver as unknown as { execute: unknown }).execute);
      const outcome = await swa(driver, "login", "alice");
      expect(outcome).toMatchObject({ ok: false, name: "NotAllowedError" });
      expect(outcome.message).toContain("softkey is not attached");
    }, 60_000);
  });
}
