/**
 * The WebDriver side of the drop-in, proven by porting: `scenario` is a test written against
 * selenium-webdriver's virtual-authenticator methods (WebAuthn L3 section 11). It runs first
 * against Selenium itself (chromedriver and Chromium, Chrome's own virtual authenticator), then,
 * unchanged, against softkey's `attachment.webDriver` in Chromium and Firefox through Puppeteer.
 * The relying party is a @simplewebauthn/browser page verified by @simplewebauthn/server.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Builder, type WebDriver } from "selenium-webdriver";
import chrome from "selenium-webdriver/chrome.js";
import { Credential, VirtualAuthenticatorOptions } from "selenium-webdriver/lib/virtual_authenticator.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/index.js";
import { attach } from "../../src/puppeteer/index.js";
import { CHROMIUM, CHROMIUM_ARGS, IN_CI } from "../browser/chromium.js";
import { PUPPETEER_ENGINES } from "../browser/puppeteerBrowsers.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";

const CHROMEDRIVER = process.env.SOFTKEY_TEST_CHROMEDRIVER ?? "/usr/bin/chromedriver";
const SELENIUM_MISSING = !existsSync(CHROMEDRIVER) || !existsSync(CHROMIUM);
if (SELENIUM_MISSING && !IN_CI) console.warn(`\n*** SKIPPED: Selenium's side of the port: ${CHROMEDRIVER} missing; apt-get install -y chromium-driver (listed in .ci/apt-packages) ***\n`);

/**
 * What the scenario calls: selenium-webdriver's WebDriver has these at runtime (lib/webdriver.js),
 * though @types/selenium-webdriver does not declare them; softkey's drop-in has the same.
 */
interface AuthenticatorApi {
  addVirtualAuthenticator(options: VirtualAuthenticatorOptions): Promise<void>;
  virtualAuthenticatorId(): string | null;
  addCredential(credential: Credential): Promise<void>;
  getCredentials(): Promise<{ id(): Uint8Array; isResidentCredential(): boolean; rpId(): string; userHandle(): Uint8Array | null; privateKey(): string; signCount(): number }[]>;
  removeCredential(id: string): Promise<void>;
  removeAllCredentials(): Promise<void>;
  setUserVerified(verified: boolean): Promise<void>;
  removeVirtualAuthenticator(): Promise<void>;
}

interface PageActions {
  register(username: string): Promise<Record<string, unknown>>;
  login(username?: string): Promise<Record<string, unknown>>;
}

/** A test written against selenium-webdriver's virtual-authenticator API. */
async function scenario(driver: AuthenticatorApi, page: PageActions, rp: RelyingParty): Promise<void> {
  const options = new VirtualAuthenticatorOptions();
  options.setHasResidentKey(true);
  options.setHasUserVerification(true);
  options.setIsUserVerified(true);
  await driver.addVirtualAuthenticator(options);
  expect(driver.virtualAuthenticatorId()).toBeTruthy();

  const registered = await page.register("bob");
  expect(registered).toMatchObject({ ok: true, verified: true, origin: rp.origin });
  let credentials = await driver.getCredentials();
  expect(credentials).toHaveLength(1);
  expect(credentials[0]!.isResidentCredential()).toBe(true);
  expect(credentials[0]!.rpId()).toBe("localhost");
  expect(Buffer.from(credentials[0]!.id()).toString("base64url")).toBe(registered.credentialId);
  expect(Buffer.from(credentials[0]!.userHandle()!).toString("base64url")).toBe(rp.users.get("bob")!.id);
  expect(await page.login()).toMatchObject({ ok: true, verified: true, username: "bob" });

  // A key made elsewhere goes in as a server-side credential and comes back with the same key and counter.
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
  const id = randomBytes(16);
  await driver.addCredential(Credential.createNonResidentCredential(id, "example.com", pkcs8.toString("binary"), 3));
  credentials = await driver.getCredentials();
  expect(credentials).toHaveLength(2);
  const imported = credentials.find((c) => Buffer.from(c.id()).equals(id))!;
  expect(imported.isResidentCredential()).toBe(false);
  expect(imported.rpId()).toBe("example.com");
  expect(imported.signCount()).toBe(3);
  const publicOf = (key: Buffer) => createPrivateKey({ key, format: "der", type: "pkcs8" }).export({ format: "jwk" }).x;
  expect(publicOf(Buffer.from(imported.privateKey(), "binary"))).toBe(publicOf(pkcs8));

  await driver.removeCredential(id.toString("base64url"));
  expect(await driver.getCredentials()).toHaveLength(1);
  await driver.setUserVerified(false);
  await driver.removeAllCredentials();
  expect(await driver.getCredentials()).toHaveLength(0);
  await driver.removeVirtualAuthenticator();
  expect(driver.virtualAuthenticatorId()).toBeNull();
}

describe.skipIf(SELENIUM_MISSING && !IN_CI)("a Selenium virtual-authenticator test against Selenium itself (chromedriver)", () => {
  let rp: RelyingParty;
  let driver: WebDriver;

  beforeAll(async () => {
    if (SELENIUM_MISSING) throw new Error(`${CHROMEDRIVER} and ${CHROMIUM} are required when CI=true; apt-get install -y chromium chromium-driver`);
    rp = await startRelyingParty();
    const options = new chrome.Options();
    options.setChromeBinaryPath(CHROMIUM);
    options.addArguments("--headless=new", ...CHROMIUM_ARGS);
    driver = await new Builder().forBrowser("chrome").setChromeOptions(options).setChromeService(new chrome.ServiceBuilder(CHROMEDRIVER)).build();
  }, 90_000);

  afterAll(async () => {
    await driver?.quit().catch(() => undefined);
    await rp?.close();
  });

  it("runs against Chrome's own virtual authenticator", async () => {
    await driver.get(`${rp.origin}/simplewebauthn`);
    const call = (method: "register" | "login", name?: string) =>
      driver.executeAsyncScript<Record<string, unknown>>(
        "const done = arguments[arguments.length - 1]; window.swa[arguments[0]](arguments[1] ?? undefined).then(done);",
        method,
        name ?? null,
      );
    await scenario(driver as unknown as AuthenticatorApi, { register: (name) => call("register", name), login: (name) => call("login", name) }, rp);
  }, 120_000);
});

for (const engine of PUPPETEER_ENGINES) {
  describe.skipIf(engine.skip)("the same Selenium test against softkey's attachment.webDriver", () => {
    let rp: RelyingParty;
    let dir: string;
    let softkey: Softkey;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `softkey-selenium-${engine.name}-`));
      rp = await startRelyingParty();
      softkey = await Softkey.init(join(dir, "store"), "selenium", { scrypt: TEST_SCRYPT });
    });

    afterAll(async () => {
      await softkey?.close();
      await rp?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(engine.title("runs unchanged"), async () => {
      const browser = await engine.launch();
      try {
        const page = await browser.newPage();
        const key = await attach(page, { softkey });
        await page.goto(`${rp.origin}/simplewebauthn`);
        const call = (method: "register" | "login", name?: string) =>
          page.evaluate((m, n) => (globalThis as unknown as { swa: Record<string, (n?: string) => Promise<Record<string, unknown>>> }).swa[m]!(n ?? undefined), method, name ?? null);
        await scenario(key.webDriver, { register: (name) => call("register", name), login: (name) => call("login", name) }, rp);
        expect((await softkey.listCredentials()).credentials).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 120_000);
  });
}
