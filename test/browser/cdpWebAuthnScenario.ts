/**
 * A test written against the DevTools protocol's WebAuthn domain (a CDP session: `send`, and its
 * events through `on` / `once` / `off`), on a @simplewebauthn/browser page (the RP's
 * /simplewebauthn). The virtual-authenticator tests run it against Chrome's own domain and,
 * unchanged, against softkey's drop-in on each adapter.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { expect, vi } from "vitest";
import { decodeCbor } from "../../src/ctap/cbor.js";
import type { RelyingParty } from "./relyingParty.js";

/** What the scenario needs of a page: Playwright's and Puppeteer's both have it (their typings differ). */
export interface EvaluatingPage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the two libraries type evaluate() differently
  evaluate(fn: (arg: any) => unknown, arg: any): Promise<any>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a CDP session's send, as test code holds it
export type Send = (method: string, params?: object) => Promise<any>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CDP event parameters, as test code receives them
type Handler = (params: any) => void;

/** What the test needs of a CDP session: Puppeteer's and Playwright's CDPSession, or softkey's drop-in. */
export interface CdpSessionLike {
  send: Send;
  on(event: string, handler: Handler): unknown;
  once(event: string, handler: Handler): unknown;
  off(event: string, handler: Handler): unknown;
}

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
export async function scenario(session: CdpSessionLike, page: EvaluatingPage, rp: RelyingParty): Promise<void> {
  const send: Send = (method, params) => session.send(method, params);
  await credentialsAndAuthenticators(send, page, rp);
  await overridesSignalsAndEvents(session, page, rp);
}

async function credentialsAndAuthenticators(send: Send, page: EvaluatingPage, rp: RelyingParty): Promise<void> {
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


const EVENTS = ["WebAuthn.credentialAdded", "WebAuthn.credentialAsserted", "WebAuthn.credentialUpdated", "WebAuthn.credentialDeleted"] as const;
type EventName = (typeof EVENTS)[number];

/** What the page functions below use of the page's globals (the tests are typed without the DOM library). */
interface PageWebAuthn {
  navigator: { credentials: Record<"create" | "get", (options: object) => Promise<{ id: string; toJSON(): { response: Record<string, string> } }>> };
  PublicKeyCredential: Record<string, (options: object) => Promise<unknown>>;
}

/** The page's own navigator.credentials.create, and what the RP would decode of it: flags and attStmt.sig. */
async function rawCreate(page: EvaluatingPage, user: string): Promise<{ id: string; flags: number; sig: Uint8Array }> {
  const made: { id: string; attestationObject: string } = await page.evaluate(async (name: string) => {
    const w = globalThis as unknown as PageWebAuthn;
    const credential = await w.navigator.credentials.create({
      publicKey: {
        rp: { id: "localhost", name: "raw" },
        user: { id: new TextEncoder().encode(name), name, displayName: name },
        challenge: new Uint8Array(32),
        pubKeyCredParams: [{ type: "public-key", alg: -7 }],
        authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
        // Not "none": the client would strip the attestation statement and its sig.
        attestation: "direct",
      },
    });
    return { id: credential.id, attestationObject: credential.toJSON().response.attestationObject };
  }, user);
  const attestation = decodeCbor(Buffer.from(made.attestationObject, "base64url")) as Map<string, unknown>;
  const authData = attestation.get("authData") as Uint8Array;
  const sig = (attestation.get("attStmt") as Map<string, unknown>).get("sig") as Uint8Array;
  return { id: made.id, flags: authData[32]!, sig };
}

/** The page's own navigator.credentials.get for one credential: its flags byte and (base64) signature. */
async function rawGet(page: EvaluatingPage, credentialId: string): Promise<{ flags: number; signature: string }> {
  const json: Record<string, string> = await page.evaluate(async (id: string) => {
    const w = globalThis as unknown as PageWebAuthn;
    const bytes = Uint8Array.from(atob(id.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const credential = await w.navigator.credentials.get({
      publicKey: { rpId: "localhost", challenge: new Uint8Array(32), userVerification: "preferred", allowCredentials: [{ type: "public-key", id: bytes }] },
    });
    return credential.toJSON().response;
  }, credentialId);
  return { flags: Buffer.from(json.authenticatorData!, "base64url")[32]!, signature: Buffer.from(json.signature!, "base64url").toString("base64") };
}

const signal = (page: EvaluatingPage, name: string, options: object): Promise<unknown> =>
  page.evaluate(([n, o]: [string, object]) => (globalThis as unknown as PageWebAuthn).PublicKeyCredential[n]!(o), [name, options]);

const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;

/**
 * setResponseOverrideBits, setCredentialProperties, the page's signals, and the domain's events, as
 * Chrome sends them: credentialAdded for what the page makes (not for addCredential),
 * credentialAsserted for each assertion, credentialUpdated for new user details, credentialDeleted
 * for removeCredential, clearCredentials and the signals that delete.
 */
async function overridesSignalsAndEvents(session: CdpSessionLike, page: EvaluatingPage, rp: RelyingParty): Promise<void> {
  const send: Send = (method, params) => session.send(method, params);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- CDP event parameters
  const seen: { event: EventName; params: any }[] = [];
  const handlers = EVENTS.map((event) => [event, (params: unknown) => seen.push({ event, params })] as const);
  for (const [event, handler] of handlers) session.on(event, handler);
  const of = (event: EventName) => seen.filter((e) => e.event === event).map((e) => e.params);
  const b64 = (base64url: string) => Buffer.from(base64url, "base64url").toString("base64");

  const { authenticatorId } = await send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "usb", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });

  // A passkey the page makes is credentialAdded, in CDP's Credential shape; once() hears it too.
  const addedOnce = new Promise((resolve) => session.once("WebAuthn.credentialAdded", resolve));
  const carol = await register(page, "carol");
  expect(carol).toMatchObject({ ok: true, verified: true });
  const carolId = b64(carol.credentialId as string);
  const carolUser = rp.users.get("carol")!.id;
  await vi.waitFor(() => expect(of("WebAuthn.credentialAdded")).toHaveLength(1));
  expect(of("WebAuthn.credentialAdded")[0]).toMatchObject({
    authenticatorId,
    credential: { credentialId: carolId, isResidentCredential: true, rpId: "localhost", userHandle: b64(carolUser), userName: "carol" },
  });
  expect(await addedOnce).toEqual(of("WebAuthn.credentialAdded")[0]);

  // Each sign-in is credentialAsserted, with the counter it signed.
  expect(await login(page, "carol")).toMatchObject({ ok: true, verified: true, username: "carol" });
  await vi.waitFor(() => expect(of("WebAuthn.credentialAsserted")).toHaveLength(1));
  const { credential: afterLogin } = await send("WebAuthn.getCredential", { authenticatorId, credentialId: carolId });
  expect(of("WebAuthn.credentialAsserted")[0]).toMatchObject({ authenticatorId, credential: { credentialId: carolId, signCount: afterLogin.signCount } });

  // setCredentialProperties: the next assertion carries BE and BS; it is no event.
  await send("WebAuthn.setCredentialProperties", { authenticatorId, credentialId: carolId, backupEligibility: true, backupState: true });
  expect((await rawGet(page, carol.credentialId as string)).flags & (BE | BS)).toBe(BE | BS);
  expect((await send("WebAuthn.getCredential", { authenticatorId, credentialId: carolId })).credential).toMatchObject({ backupEligibility: true, backupState: true });
  await expect(send("WebAuthn.setCredentialProperties", { authenticatorId, credentialId: "AAAA", backupState: true })).rejects.toThrow(/Could not find a credential matching the ID/);

  // setResponseOverrideBits: UP and UV cleared, and Chrome's bogus signature (the one byte 0x00),
  // in assertions and in attestation; the page gets them, the RP refuses them.
  await send("WebAuthn.setResponseOverrideBits", { authenticatorId, isBogusSignature: true, isBadUV: true, isBadUP: true });
  const broken = await rawGet(page, carol.credentialId as string);
  expect(broken.flags & (UP | UV)).toBe(0);
  expect(broken.signature).toBe("AA==");
  expect(await login(page, "carol")).toMatchObject({ ok: false });
  const dave = await rawCreate(page, "dave");
  expect(dave.flags & (UP | UV)).toBe(0);
  expect(Buffer.from(dave.sig).toString("hex")).toBe("00");
  // Only isBadUP: the flag is cleared, the signature is real; the bits not given are reset.
  await send("WebAuthn.setResponseOverrideBits", { authenticatorId, isBadUP: true });
  const noUp = await rawGet(page, carol.credentialId as string);
  expect(noUp.flags & (UP | UV)).toBe(UV);
  expect(noUp.signature).not.toBe("AA==");
  await send("WebAuthn.setResponseOverrideBits", { authenticatorId });
  expect(await login(page, "carol")).toMatchObject({ ok: true, verified: true });
  await expect(send("WebAuthn.setResponseOverrideBits", { authenticatorId: "nope", isBadUP: true })).rejects.toThrow(/Could not find a Virtual Authenticator matching the ID/);
  await vi.waitFor(() => expect(of("WebAuthn.credentialAdded").map((e) => e.credential.credentialId)).toEqual([carolId, b64(dave.id)]));

  // The page's signals reach the virtual authenticator: new details are credentialUpdated ...
  await signal(page, "signalCurrentUserDetails", { rpId: "localhost", userId: carolUser, name: "carol2", displayName: "Carol Two" });
  await vi.waitFor(() => expect(of("WebAuthn.credentialUpdated")).toHaveLength(1));
  expect(of("WebAuthn.credentialUpdated")[0]).toMatchObject({ authenticatorId, credential: { credentialId: carolId, userName: "carol2", userDisplayName: "Carol Two" } });
  expect((await send("WebAuthn.getCredential", { authenticatorId, credentialId: carolId })).credential).toMatchObject({ userName: "carol2", userDisplayName: "Carol Two" });
  // ... a listed credential stays, an unknown one and one left out of the accepted list are deleted.
  await signal(page, "signalAllAcceptedCredentials", { rpId: "localhost", userId: carolUser, allAcceptedCredentialIds: [carol.credentialId] });
  await signal(page, "signalUnknownCredential", { rpId: "localhost", credentialId: dave.id });
  await vi.waitFor(() => expect(of("WebAuthn.credentialDeleted")).toEqual([{ authenticatorId, credentialId: b64(dave.id) }]));
  await signal(page, "signalAllAcceptedCredentials", { rpId: "localhost", userId: carolUser, allAcceptedCredentialIds: [] });
  await vi.waitFor(() => expect(of("WebAuthn.credentialDeleted")).toHaveLength(2));
  expect(of("WebAuthn.credentialDeleted")[1]).toEqual({ authenticatorId, credentialId: carolId });
  expect((await send("WebAuthn.getCredentials", { authenticatorId })).credentials).toEqual([]);

  // addCredential is no event; removeCredential and clearCredentials are credentialDeleted.
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key = privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
  const put = (credentialId: string) => send("WebAuthn.addCredential", { authenticatorId, credential: { credentialId, isResidentCredential: false, rpId: "localhost", privateKey: key, signCount: 0 } });
  await put("AQIDBA==");
  await put("AQIDBQ==");
  await send("WebAuthn.removeCredential", { authenticatorId, credentialId: "AQIDBA==" });
  await send("WebAuthn.clearCredentials", { authenticatorId });
  await vi.waitFor(() => expect(of("WebAuthn.credentialDeleted").slice(2).map((e) => e.credentialId)).toEqual(["AQIDBA==", "AQIDBQ=="]));

  // off(): no more events reach the handler.
  for (const [event, handler] of handlers) session.off(event, handler);
  await put("AQIDBg==");
  await send("WebAuthn.clearCredentials", { authenticatorId });
  expect((await send("WebAuthn.getCredentials", { authenticatorId })).credentials).toEqual([]);
  expect(of("WebAuthn.credentialDeleted")).toHaveLength(4);
  expect(of("WebAuthn.credentialAdded")).toHaveLength(2);
  expect(of("WebAuthn.credentialUpdated")).toHaveLength(1);
  await send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
}
