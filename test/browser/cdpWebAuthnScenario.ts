/**
 * A test written against the DevTools protocol's WebAuthn domain (a CDP session's `send`), on a
 * @simplewebauthn/browser page (the RP's /simplewebauthn). The virtual-authenticator tests run it
 * against Chrome's own domain and, unchanged, against softkey's drop-in on each adapter.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { RelyingParty } from "./relyingParty.js";

/** What the scenario needs of a page: Playwright's and Puppeteer's both have it (their typings differ). */
export interface EvaluatingPage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the two libraries type evaluate() differently
  evaluate(fn: (arg: any) => unknown, arg: any): Promise<any>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a CDP session's send, as test code holds it
export type Send = (method: string, params?: object) => Promise<any>;

interface SwaGlobals {
  swa: { register(username: string): Promise<Record<string, unknown>>; login(username?: string): Promise<Record<string, unknown>> };
}
const register = (page: EvaluatingPage, username: string): Promise<Record<string, unknown>> => page.evaluate((name: string) => (globalThis as unknown as SwaGlobals).swa.register(name), username);
const login = (page: EvaluatingPage, username?: string): Promise<Record<string, unknown>> => page.evaluate((name: string | undefined) => (globalThis as unknown as SwaGlobals).swa.login(name), username);

/** The public key of a base64 PKCS#8 private key, to compare keys whatever their encoding. */
function publicJwk(pkcs8: string): { x?: string; y?: string } {
  const { x, y } = createPrivateKey({ key: Buffer.from(pkcs8, "base64"), format: "der", type: "pkcs8" }).export({ format: "jwk" });
  return { x, y };
}

/** A test written against Chrome's WebAuthn domain. */
export async function scenario(send: Send, page: EvaluatingPage, rp: RelyingParty): Promise<void> {
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

