/**
 * WebAuthn Level 3 as a page sees it in Chromium with softkey attached:
 * getClientCapabilities() and isUserVerifyingPlatformAuthenticatorAvailable()
 * from the attached profile, the signal methods acting on the store,
 * conditional create, immediate mediation (with and without a user
 * activation), Chrome's error messages, account choice, getCredBlob as an
 * ArrayBuffer and a U2F-only key through the U2F fallback. The page's
 * credentials go to @simplewebauthn/server in Node.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { PageMessage } from "../../src/client/index.js";
import { attach, type SoftkeyAttachment } from "../../src/playwright/index.js";
import { Softkey } from "../../src/softkey.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "./chromium.js";
import { startRelyingParty, type RelyingParty } from "./relyingParty.js";

// The in-page callbacks are serialised into the page; they see its globals only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PageGlobals = any;

interface Outcome {
  ok: boolean;
  name?: string;
  message?: string;
  isDOMException?: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json?: any;
  value?: unknown;
}

describe.skipIf(skipWithoutBrowser)(browserTitle("WebAuthn Level 3 in a Chromium page"), () => {
  let browser: LaunchedChromium;
  let rp: RelyingParty;
  let dir: string;
  const opened: { key: SoftkeyAttachment; softkey: Softkey; page: Page }[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    rp = await startRelyingParty();
    dir = mkdtempSync(join(tmpdir(), "softkey-l3-"));
  });
  afterEach(async () => {
    for (const { key, softkey, page } of opened.splice(0)) {
      await key.detach();
      await page.close();
      await softkey.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh store with `profile`, attached to a fresh page showing the RP. */
  async function open(profile = "softkey-roaming", options: { account?: { userName: string } } = {}) {
    const softkey = await Softkey.init(join(dir, `${profile}-${opened.length}-${Date.now()}`), "l3", { scrypt: TEST_SCRYPT, profile });
    const page = await browser.context.newPage();
    const key = await attach(page, { softkey, ...options });
    await page.goto(rp.origin);
    opened.push({ key, softkey, page });
    return { key, softkey, page };
  }

  /** navigator.credentials.create/get in the page with options JSON from the RP; the outcome as the page saw it. */
  function ceremony(page: Page, kind: "create" | "get", options: unknown, extra: Record<string, unknown> = {}): Promise<Outcome> {
    return page.evaluate(
      async ([kind, options, extra]) => {
        const w: PageGlobals = globalThis;
        try {
          const publicKey =
            kind === "create" ? w.PublicKeyCredential.parseCreationOptionsFromJSON(options) : w.PublicKeyCredential.parseRequestOptionsFromJSON(options);
          const credential = await w.navigator.credentials[kind]({ publicKey, ...extra });
          const getCredBlob = credential.getClientExtensionResults().getCredBlob;
          return { ok: true, json: credential.toJSON(), value: getCredBlob instanceof ArrayBuffer ? Array.from(new Uint8Array(getCredBlob)) : undefined };
        } catch (error) {
          return { ok: false, name: (error as Error).name, message: (error as Error).message, isDOMException: error instanceof w.DOMException };
        }
      },
      [kind, options, extra] as const,
    );
  }

  /** A PublicKeyCredential static in the page. */
  function statics(page: Page, name: string, args?: unknown): Promise<Outcome> {
    return page.evaluate(
      async ([name, args]) => {
        const w: PageGlobals = globalThis;
        try {
          return { ok: true, value: await w.PublicKeyCredential[name](args) };
        } catch (error) {
          return { ok: false, name: (error as Error).name, message: (error as Error).message, isDOMException: error instanceof w.DOMException };
        }
      },
      [name, args] as const,
    );
  }

  async function registerIn(page: Page, userName: string, extra: { residentKey?: "required" | "discouraged"; extensions?: Record<string, unknown>; mediation?: string } = {}) {
    const options = await generateRegistrationOptions({
      rpName: "L3",
      rpID: rp.rpID,
      userName,
      authenticatorSelection: { residentKey: extra.residentKey ?? "required", userVerification: "preferred" },
      ...(extra.extensions ? { extensions: extra.extensions } : {}),
    });
    const outcome = await ceremony(page, "create", options, extra.mediation ? { mediation: extra.mediation } : {});
    if (!outcome.ok) return { outcome };
    const verification = await verifyRegistrationResponse({ response: outcome.json, expectedChallenge: options.challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification: false });
    expect(verification.verified).toBe(true);
    return { outcome, credential: verification.registrationInfo!.credential, userHandle: options.user.id };
  }

  async function signInIn(page: Page, credentials: WebAuthnCredential[], allow: WebAuthnCredential[] = [], extensions?: Record<string, unknown>) {
    const options = await generateAuthenticationOptions({ rpID: rp.rpID, allowCredentials: allow.map((c) => ({ id: c.id })), userVerification: "preferred" });
    const outcome = await ceremony(page, "get", extensions ? { ...options, extensions } : options);
    if (!outcome.ok) return outcome;
    const credential = credentials.find((c) => c.id === outcome.json.id)!;
    const verification = await verifyAuthenticationResponse({ response: outcome.json, expectedChallenge: options.challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, credential, requireUserVerification: false });
    expect(verification.verified).toBe(true);
    credential.counter = verification.authenticationInfo.newCounter;
    return outcome;
  }

  it("getClientCapabilities() and isUserVerifyingPlatformAuthenticatorAvailable() follow the attached profile", async () => {
    const roaming = await open();
    const caps = (await statics(roaming.page, "getClientCapabilities")).value as Record<string, boolean>;
    expect(Object.keys(caps)).toEqual([...Object.keys(caps)].sort());
    expect(caps).toMatchObject({ conditionalCreate: false, conditionalGet: true, userVerifyingPlatformAuthenticator: false, signalUnknownCredential: true, "extension:credentialProtectionPolicy": true });
    expect((await statics(roaming.page, "isUserVerifyingPlatformAuthenticatorAvailable")).value).toBe(false);
    expect((await statics(roaming.page, "isConditionalMediationAvailable")).value).toBe(true);
    const platform = await open("platform-passkey");
    expect((await statics(platform.page, "getClientCapabilities")).value).toMatchObject({ conditionalCreate: true, userVerifyingPlatformAuthenticator: true, hybridTransport: true });
    expect((await statics(platform.page, "isUserVerifyingPlatformAuthenticatorAvailable")).value).toBe(true);
  });

  it("the signal methods act on the store: hidden, shown again, renamed; bad options reject as in Chrome", async () => {
    const { page, softkey, key } = await open();
    const alice = await registerIn(page, "alice");
    const id = alice.credential!.id;
    const hidden = key.waitForEvent("credentialHidden");
    expect(await statics(page, "signalUnknownCredential", { rpId: rp.rpID, credentialId: id })).toEqual({ ok: true });
    expect(await hidden).toMatchObject({ credentialId: id, reason: "signalUnknownCredential" });
    expect((await softkey.listCredentials()).credentials[0]).toMatchObject({ credentialId: id, hidden: true });
    // The hidden passkey no longer answers; the page reads Chrome's generic message.
    expect(await signInIn(page, [alice.credential!], [alice.credential!])).toMatchObject({ ok: false, name: "NotAllowedError", message: PageMessage.notAllowed });
    await statics(page, "signalAllAcceptedCredentials", { rpId: rp.rpID, userId: alice.userHandle, allAcceptedCredentialIds: [id] });
    await statics(page, "signalCurrentUserDetails", { rpId: rp.rpID, userId: alice.userHandle, name: "alice@example.com", displayName: "Alice" });
    expect((await softkey.listCredentials()).credentials[0]).toMatchObject({ hidden: false, userName: "alice@example.com", userDisplayName: "Alice" });
    expect((await signInIn(page, [alice.credential!], [alice.credential!])).ok).toBe(true);
    expect(await statics(page, "signalUnknownCredential", { rpId: rp.rpID, credentialId: "not+base64" })).toMatchObject({ ok: false, name: "TypeError" });
    expect(await statics(page, "signalUnknownCredential", { rpId: "example.com", credentialId: id })).toMatchObject({ ok: false, name: "SecurityError", isDOMException: true });
  });

  it("another site cannot signal about this RP's passkeys, not even by calling the binding with a forged origin", async () => {
    const { page, softkey } = await open();
    const alice = await registerIn(page, "alice");
    const id = alice.credential!.id;
    // The same store, attached to a page of another origin (127.0.0.1 is not localhost).
    const fake = await browser.context.newPage();
    const fakeKey = await attach(fake, { softkey, bindingName: "__softkeyFake" });
    try {
      await fake.goto(`http://127.0.0.1:${rp.port}/`);
      const forged = await fake.evaluate(
        ([origin, id]) => (globalThis as PageGlobals).__softkeyFake({ op: "static", id: "x", origin, name: "signalUnknownCredential", options: { rpId: "localhost", credentialId: id } }),
        [rp.origin, id] as const,
      );
      expect(forged).toMatchObject({ ok: false, name: "NotAllowedError", message: PageMessage.notAllowed });
      expect(await statics(fake, "signalUnknownCredential", { rpId: "localhost", credentialId: id })).toMatchObject({ ok: false, name: "SecurityError" });
    } finally {
      await fakeKey.detach();
      await fake.close();
    }
    expect((await softkey.listCredentials()).credentials[0]).toMatchObject({ credentialId: id, hidden: false });
  });

  it("conditional create: refused without a mediated sign-in, then the passkey is made", async () => {
    const { page, key } = await open("platform-passkey");
    const refused = await registerIn(page, "alice", { mediation: "conditional" });
    expect(refused.outcome).toMatchObject({ ok: false, name: "NotAllowedError", message: PageMessage.notAllowed, isDOMException: true });
    key.recordMediatedSignIn({ page, userName: "alice" });
    const made = await registerIn(page, "alice", { mediation: "conditional" });
    expect(made.outcome.ok).toBe(true);
    expect(made.outcome.json.authenticatorAttachment).toBe("platform");
  });

  it("immediate mediation: needs a user activation; with one it signs in with the platform passkey, and without a passkey it fails fast", async () => {
    const { page } = await open("platform-passkey");
    const options = await generateAuthenticationOptions({ rpID: rp.rpID });
    // Playwright's evaluate runs as a user gesture; a script of the page's own does not: CDP without userGesture.
    const cdp = await browser.context.newCDPSession(page);
    const { result } = await cdp.send("Runtime.evaluate", {
      expression: `navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(${JSON.stringify(options)}), mediation: "immediate" })
        .then(() => ({ ok: true }), (error) => ({ ok: false, name: error.name, message: error.message, active: navigator.userActivation.isActive }))`,
      awaitPromise: true,
      returnByValue: true,
      userGesture: false,
    });
    await cdp.detach();
    expect(result.value).toMatchObject({ ok: false, name: "NotAllowedError", message: PageMessage.immediateNeedsActivation, active: false });
    // A click gives the page its user activation; the get runs from the click handler.
    const clicked = async (request: unknown): Promise<Outcome> => {
      await page.evaluate((request) => {
        const w: PageGlobals = globalThis;
        const button = w.document.createElement("button");
        button.id = "sign-in";
        button.textContent = "Sign in";
        button.onclick = () => {
          w.immediateOutcome = w.navigator.credentials
            .get({ publicKey: w.PublicKeyCredential.parseRequestOptionsFromJSON(request), mediation: "immediate" })
            .then(
              (credential: PageGlobals) => ({ ok: true, json: credential.toJSON() }),
              (error: Error) => ({ ok: false, name: error.name, message: error.message }),
            );
        };
        w.document.getElementById("sign-in")?.remove();
        w.document.body.append(button);
      }, request);
      await page.click("#sign-in");
      return page.evaluate(() => (globalThis as PageGlobals).immediateOutcome);
    };
    expect(await clicked(options)).toMatchObject({ ok: false, name: "NotAllowedError", message: PageMessage.immediateNotFound });
    const alice = await registerIn(page, "alice");
    const request = await generateAuthenticationOptions({ rpID: rp.rpID });
    const outcome = await clicked(request);
    expect(outcome).toMatchObject({ ok: true, json: { id: alice.credential!.id } });
    const verification = await verifyAuthenticationResponse({ response: outcome.json, expectedChallenge: request.challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, credential: alice.credential!, requireUserVerification: false });
    expect(verification.verified).toBe(true);
  });

  it("errors read as Chrome's; the attachment's event keeps softkey's reason", async () => {
    const { page, key } = await open();
    const alice = await registerIn(page, "alice", { residentKey: "discouraged" });
    const failed = key.waitForEvent("ceremonyFailed");
    const excluded = await generateRegistrationOptions({ rpName: "L3", rpID: rp.rpID, userName: "alice", excludeCredentials: [{ id: alice.credential!.id }] });
    expect(await ceremony(page, "create", excluded)).toMatchObject({ ok: false, name: "InvalidStateError", message: PageMessage.credentialExcluded });
    expect((await failed).reason).toMatch(/excludeCredentials/);
    const unknown = await generateAuthenticationOptions({ rpID: rp.rpID, allowCredentials: [{ id: "AAAAAAAA" }] });
    const noCredential = key.waitForEvent("ceremonyFailed");
    expect(await ceremony(page, "get", unknown)).toMatchObject({ ok: false, name: "NotAllowedError", message: PageMessage.notAllowed });
    expect((await noCredential).reason).toMatch(/CTAP2_ERR_NO_CREDENTIALS/);
  });

  it("account choice: the attachment's account answers a passkey sign-in; by default the most recent", async () => {
    const { page, key } = await open();
    const alice = await registerIn(page, "alice");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const bob = await registerIn(page, "bob");
    const both = [alice.credential!, bob.credential!];
    expect((await signInIn(page, both)).json.id).toBe(bob.credential!.id);
    key.account = { userName: "alice" };
    expect((await signInIn(page, both)).json.id).toBe(alice.credential!.id);
  });

  it("credBlob and getCredBlob: the blob comes back to the page as an ArrayBuffer", async () => {
    const { page } = await open();
    const blob = [1, 2, 3, 4];
    const made = await registerIn(page, "alice", { extensions: { credBlob: Buffer.from(blob).toString("base64url") } });
    expect(made.outcome.json.clientExtensionResults).toMatchObject({ credBlob: true });
    const signedIn = await signInIn(page, [made.credential!], [made.credential!], { getCredBlob: true });
    expect(signedIn.value).toEqual(blob);
  });

  it("a U2F-only key registers and signs in from the page through the U2F fallback", async () => {
    const { page } = await open("u2f-only");
    const options = await generateRegistrationOptions({ rpName: "L3", rpID: rp.rpID, userName: "alice", attestationType: "direct", supportedAlgorithmIDs: [-7], authenticatorSelection: { residentKey: "discouraged", userVerification: "discouraged" } });
    const outcome = await ceremony(page, "create", options);
    expect(outcome.ok, outcome.message).toBe(true);
    const verification = await verifyRegistrationResponse({ response: outcome.json, expectedChallenge: options.challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification: false });
    expect(verification.registrationInfo!.fmt).toBe("fido-u2f");
    expect((await signInIn(page, [verification.registrationInfo!.credential], [verification.registrationInfo!.credential])).ok).toBe(true);
  });
});
