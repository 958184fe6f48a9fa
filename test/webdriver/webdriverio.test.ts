/**
 * softkey/webdriver with WebdriverIO's `browser` in Chromium over WebDriver BiDi: the same adapter
 * as for selenium-webdriver, the BiDi commands reached through WebdriverIO's own methods. A
 * @simplewebauthn/browser page registers and signs in, verified by @simplewebauthn/server.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/index.js";
import { attach } from "../../src/webdriver/index.js";
import { CHROMIUM, IN_CI } from "../browser/chromium.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { CHROMEDRIVER, launchWebdriverIOChromium } from "./webDriverBrowsers.js";

const MISSING = [CHROMIUM, CHROMEDRIVER].filter((program) => !existsSync(program));
if (MISSING.length > 0 && !IN_CI) console.warn(`\n*** SKIPPED: WebdriverIO tests: ${MISSING.join(", ")} missing; apt-get install -y chromium chromium-driver (listed in .ci/apt-packages) ***\n`);

describe.skipIf(MISSING.length > 0 && !IN_CI)("softkey/webdriver with WebdriverIO [chromium, BiDi]", () => {
  let dir: string;
  let rp: RelyingParty;
  let softkey: Softkey;
  let browser: WebdriverIO.Browser | undefined;

  beforeAll(async () => {
    if (MISSING.length > 0) throw new Error(`${MISSING.join(", ")} required when CI=true but missing; apt-get install -y chromium chromium-driver`);
    dir = mkdtempSync(join(tmpdir(), "softkey-webdriverio-"));
    rp = await startRelyingParty();
    softkey = await Softkey.init(join(dir, "store"), "webdriverio", { scrypt: TEST_SCRYPT });
    browser = await launchWebdriverIOChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.deleteSession().catch(() => undefined);
    await softkey?.close();
    await rp?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("registers and signs in on a @simplewebauthn/browser page", async () => {
    const b = browser!;
    const key = await attach(b, { softkey });
    expect(key.protocol).toBe("webDriverBiDi");
    await b.url(`${rp.origin}/simplewebauthn`);
    const call = async (method: "register" | "login", name?: string) =>
      (await b.execute("return window.swa[arguments[0]](arguments[1] ?? undefined)", method, name ?? null)) as unknown as Record<string, unknown>;
    const created = key.waitForEvent("credentialCreated", { timeout: 30_000 });
    const registered = await call("register", "carol");
    expect(registered).toMatchObject({ ok: true, verified: true, origin: rp.origin });
    expect(await created).toMatchObject({ origin: rp.origin, userName: "carol", credentialId: registered.credentialId });
    expect(await call("login")).toMatchObject({ ok: true, verified: true, username: "carol" });
    await key.detach();
  }, 120_000);
});
