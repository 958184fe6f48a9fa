/**
 * softkey's drop-in for Chrome's virtual-authenticator API, below the page: what its devices are
 * (a U2F key attests with fido-u2f; UV fails when isUserVerified is false; no presence, no
 * ceremony) and how it refuses what Chrome refuses. Verified by @simplewebauthn/server; the same
 * API in real browsers is test/puppeteer/virtualAuthenticator.test.ts.
 */
import { generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import { VirtualAuthenticators } from "../../src/browser/virtualAuthenticators.js";
import type { WebAuthnClient } from "../../src/index.js";

const ORIGIN = "https://example.com";

function setUp(): { drop: VirtualAuthenticators; client: () => WebAuthnClient } {
  let current: WebAuthnClient | undefined;
  const drop = new VirtualAuthenticators((client) => {
    current = client;
  });
  return { drop, client: () => current! };
}

async function registration(userVerification: "required" | "discouraged" = "discouraged", timeout?: number) {
  const options = await generateRegistrationOptions({
    rpID: "example.com",
    rpName: "x",
    userName: "alice",
    attestationType: "direct",
    authenticatorSelection: { residentKey: "discouraged", userVerification },
    ...(timeout ? { timeout } : {}),
  });
  return options;
}

describe("softkey's virtual authenticators (CDP WebAuthn domain)", () => {
  it("refuses what Chrome refuses: no environment, unknown ids and methods, a U2F key with UV", async () => {
    const { drop } = setUp();
    await expect(drop.send("WebAuthn.addVirtualAuthenticator", { options: { protocol: "ctap2", transport: "usb" } })).rejects.toThrow(/has not been enabled/);
    await drop.send("WebAuthn.enable");
    await expect(drop.send("WebAuthn.getCredentials", { authenticatorId: "nope" })).rejects.toThrow(/Could not find a Virtual Authenticator/);
    await expect(drop.send("WebAuthn.setVirtualAuthenticatorMagic", {})).rejects.toThrow(/wasn't found/);
    await expect(drop.send("WebAuthn.setResponseOverrideBits", { authenticatorId: "nope" })).rejects.toThrow(/Could not find a Virtual Authenticator/);
    await expect(drop.send("WebAuthn.enable", { enableUI: "yes" })).rejects.toThrow(/enableUI/);
    await expect(drop.send("WebAuthn.addVirtualAuthenticator", { options: { protocol: "ctap3", transport: "usb" } })).rejects.toThrow(/protocol/);
    await expect(drop.send("WebAuthn.addVirtualAuthenticator", { options: { protocol: "u2f", transport: "usb", hasUserVerification: true } })).rejects.toThrow(/U2F/);
    const { authenticatorId } = (await drop.send("WebAuthn.addVirtualAuthenticator", { options: { protocol: "ctap2", transport: "usb" } })) as { authenticatorId: string };
    await expect(drop.send("WebAuthn.addCredential", { authenticatorId, credential: { credentialId: "AAAA", isResidentCredential: false, rpId: "x.com", privateKey: "AAAA", signCount: 0 } })).rejects.toThrow(/privateKey/);
    await expect(drop.send("WebAuthn.removeCredential", { authenticatorId, credentialId: "AAAA" })).rejects.toThrow(/Could not find a credential/);
  });

  it("a u2f authenticator registers with fido-u2f attestation, through the client's U2F fallback", async () => {
    const { drop, client } = setUp();
    await drop.enable();
    await drop.addVirtualAuthenticator({ options: { protocol: "u2f", transport: "usb" } });
    const options = await registration();
    const response = await client().create(options, { origin: ORIGIN });
    const verified = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: "example.com", requireUserVerification: false });
    expect(verified.verified).toBe(true);
    expect(verified.registrationInfo?.fmt).toBe("fido-u2f");
  });

  it("override bits change CTAP2 responses only: a u2f authenticator's registration still verifies, as in Chrome", async () => {
    const { drop, client } = setUp();
    await drop.enable();
    const { authenticatorId } = await drop.addVirtualAuthenticator({ options: { protocol: "u2f", transport: "usb" } });
    await drop.setResponseOverrideBits({ authenticatorId, isBogusSignature: true, isBadUP: true, isBadUV: true });
    const options = await registration();
    const response = await client().create(options, { origin: ORIGIN });
    const verified = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: "example.com", requireUserVerification: false });
    expect(verified).toMatchObject({ verified: true, registrationInfo: { fmt: "fido-u2f" } });
  });

  it("isUserVerified false fails a ceremony that requires UV; setUserVerified(true) lets it pass", async () => {
    const { drop, client } = setUp();
    await drop.enable();
    const { authenticatorId } = await drop.addVirtualAuthenticator({ options: { protocol: "ctap2", transport: "usb", hasUserVerification: true, isUserVerified: false } });
    await expect(client().create(await registration("required"), { origin: ORIGIN })).rejects.toMatchObject({ name: "NotAllowedError" });
    await drop.setUserVerified({ authenticatorId, isUserVerified: true });
    const options = await registration("required");
    const response = await client().create(options, { origin: ORIGIN });
    const verified = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: "example.com", requireUserVerification: true });
    expect(verified.registrationInfo?.userVerified).toBe(true);
  });

  it("without automatic presence a ceremony waits for a touch that never comes, until its timeout", async () => {
    const { drop, client } = setUp();
    await drop.enable();
    const { authenticatorId } = await drop.addVirtualAuthenticator({ options: { protocol: "ctap2", transport: "usb", automaticPresenceSimulation: false } });
    const started = Date.now();
    await expect(client().create(await registration("discouraged", 400), { origin: ORIGIN })).rejects.toMatchObject({ name: "NotAllowedError" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect((await drop.getCredentials({ authenticatorId })).credentials).toEqual([]);
  });

  it("with none added a ceremony fails; disable hands the pages back to the Softkey's own client", async () => {
    const { drop, client } = setUp();
    await drop.enable();
    await expect(client().create(await registration(), { origin: ORIGIN })).rejects.toMatchObject({ name: "NotAllowedError" });
    await drop.disable();
    expect(client()).toBeUndefined();
  });
});
