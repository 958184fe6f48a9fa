/**
 * attachment.controls in a real Chromium (softkey/playwright): presence
 * switched to deny while the page stays attached makes the page's next
 * navigator.credentials.get() reject with NotAllowedError, as a browser does
 * when the user does not touch the key; switched back, the sign-in verifies
 * at the relying party (@simplewebauthn/server) again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import { attach, type SoftkeyAttachment } from "../../src/playwright/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "./chromium.js";
import { startRelyingParty, type RelyingParty } from "./relyingParty.js";

interface Outcome {
  ok: boolean;
  name?: string;
  isDOMException?: boolean;
  verified?: boolean;
  username?: string;
}

interface RpWindow {
  rp: {
    register(username: string): Promise<Outcome>;
    login(username?: string): Promise<Outcome>;
  };
}

describe.skipIf(skipWithoutBrowser)(browserTitle("live controls of an attached softkey in Chromium"), () => {
  let browser: LaunchedChromium;
  let rp: RelyingParty;
  let dir: string;
  let softkey: Softkey;
  let key: SoftkeyAttachment;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    rp = await startRelyingParty();
    dir = mkdtempSync(join(tmpdir(), "softkey-live-"));
    softkey = await Softkey.init(join(dir, "store"), "live test", { scrypt: TEST_SCRYPT });
    key = await attach(browser.context, { softkey });
    page = await browser.context.newPage();
    await page.goto(rp.origin);
  });
  afterAll(async () => {
    await page?.close();
    await key?.detach();
    await browser?.close();
    await rp?.close();
    await softkey?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const register = (username: string) => page.evaluate((u) => (globalThis as unknown as RpWindow).rp.register(u), username);
  const login = () => page.evaluate(() => (globalThis as unknown as RpWindow).rp.login());

  it("presence deny mid-session: the page gets NotAllowedError; back to auto, it signs in", async () => {
    expect(key.controls).toBe(softkey.controls);
    expect(await register("alice")).toMatchObject({ ok: true, verified: true });
    expect(await login()).toMatchObject({ ok: true, verified: true, username: "alice" });

    await key.controls.apply({ presence: "deny" });
    expect(await login()).toMatchObject({ ok: false, name: "NotAllowedError", isDOMException: true });

    await key.controls.apply({ presence: "auto" });
    expect(await login()).toMatchObject({ ok: true, verified: true, username: "alice" });
  });
});
