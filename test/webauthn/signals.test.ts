/**
 * The signal methods (WebAuthn L3 section 5.1.10, "Signal Credential Changes to the
 * Authenticator") acting on a Softkey's store as a credential provider:
 * signalUnknownCredential hides, signalAllAcceptedCredentials hides and
 * restores, signalCurrentUserDetails renames; each change is an event and
 * shows in the credential list, survives reopening the store, and decides
 * which credentials the next ceremony finds. The options are checked as
 * Chrome checks them (TypeError, SecurityError), and nothing tells the
 * caller what changed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateAuthenticationOptions } from "@simplewebauthn/server";
import { WebAuthnClient } from "../../src/client/index.js";
import type { SoftkeyEvents } from "../../src/softkeyEvents.js";
import { TestDevice } from "../helpers/relyingParty.js";
import { authenticate, origin, register, rejection, rpID } from "./helpers.js";

let device: TestDevice;
let events: { name: string; event: unknown }[];

beforeEach(async () => {
  device = await TestDevice.create();
  events = [];
  for (const name of ["signalReceived", "credentialHidden", "credentialRestored", "userDetailsUpdated"] as const) {
    device.key.on(name, (event: SoftkeyEvents[typeof name]) => events.push({ name, event }));
  }
});
afterEach(async () => {
  await device.dispose();
});

const passkey = (userName: string) => register(device.key.client, { userName, authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });

async function listed(): Promise<Record<string, { hidden: boolean; userName?: string; userDisplayName?: string }>> {
  const { credentials } = await device.key.listCredentials({ rpId: rpID });
  return Object.fromEntries(credentials.map((c) => [c.credentialId, { hidden: c.hidden, userName: c.userName, userDisplayName: c.userDisplayName }]));
}

describe("signalUnknownCredential", () => {
  it("hides the credential: it leaves every ceremony, the list marks it, and it stays hidden after a reopen", async () => {
    const alice = await passkey("alice");
    const bob = await passkey("bob");
    await device.key.signal("signalUnknownCredential", { rpId: rpID, credentialId: alice.credential.id }, { origin });
    expect(events).toEqual([
      { name: "signalReceived", event: { signal: "signalUnknownCredential", rpId: rpID } },
      { name: "credentialHidden", event: { credentialId: alice.credential.id, rpId: rpID, reason: "signalUnknownCredential" } },
    ]);
    expect(await listed()).toMatchObject({ [alice.credential.id]: { hidden: true }, [bob.credential.id]: { hidden: false } });
    // By ID: not found. Discoverable: only bob.
    const byId = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: alice.credential.id }] });
    expect((await rejection(device.key.get(byId, { origin }))).name).toBe("NotAllowedError");
    expect((await authenticate(device.key.client, [alice, bob])).assertion.id).toBe(bob.credential.id);

    await device.reopen();
    expect(await listed()).toMatchObject({ [alice.credential.id]: { hidden: true } });
    expect((await rejection(device.key.get(await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: alice.credential.id }] }), { origin }))).name).toBe(
      "NotAllowedError",
    );
  });

  it("does nothing for another RP's credential or an unknown ID, and still resolves", async () => {
    const alice = await passkey("alice");
    await device.key.signal("signalUnknownCredential", { rpId: "login.example.com", credentialId: alice.credential.id }, { origin });
    await device.key.signal("signalUnknownCredential", { rpId: rpID, credentialId: "AAAA" }, { origin });
    expect(events.map((e) => e.name)).toEqual(["signalReceived", "signalReceived"]);
    expect(await listed()).toMatchObject({ [alice.credential.id]: { hidden: false } });
  });
});

describe("signalAllAcceptedCredentials", () => {
  it("hides the user's passkeys the list leaves out and restores those it names again; other users are untouched", async () => {
    const first = await passkey("alice");
    const { credentials } = await device.key.listCredentials({ rpId: rpID });
    const aliceHandle = credentials[0]!.userHandle!;
    // A second passkey for the same user handle (a second device, as a password manager may hold).
    const second = await register(device.key.client, {
      userName: "alice",
      userID: Buffer.from(aliceHandle, "base64url"),
      authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    });
    const bob = await passkey("bob");
    const firstId = first.credential.id;
    const secondId = second.credential.id;
    const listedNow = await listed();
    // The core replaces a passkey of the same RP and user handle: only the second one is left of alice's.
    expect(Object.keys(listedNow)).not.toContain(firstId);

    await device.key.signal("signalAllAcceptedCredentials", { rpId: rpID, userId: aliceHandle, allAcceptedCredentialIds: [] }, { origin });
    expect(await listed()).toMatchObject({ [secondId]: { hidden: true }, [bob.credential.id]: { hidden: false } });
    await device.key.signal("signalAllAcceptedCredentials", { rpId: rpID, userId: aliceHandle, allAcceptedCredentialIds: [secondId] }, { origin });
    expect(await listed()).toMatchObject({ [secondId]: { hidden: false } });
    expect(events.filter((e) => e.name !== "signalReceived")).toEqual([
      { name: "credentialHidden", event: { credentialId: secondId, rpId: rpID, reason: "signalAllAcceptedCredentials" } },
      { name: "credentialRestored", event: { credentialId: secondId, rpId: rpID, reason: "signalAllAcceptedCredentials" } },
    ]);
    const { assertion } = await authenticate(device.key.client, [second, bob], { allow: [second] });
    expect(assertion.id).toBe(secondId);
  });

  it("restores a credential signalUnknownCredential hid", async () => {
    const alice = await passkey("alice");
    const handle = (await device.key.listCredentials({ rpId: rpID })).credentials[0]!.userHandle!;
    await device.key.signal("signalUnknownCredential", { rpId: rpID, credentialId: alice.credential.id }, { origin });
    await device.key.signal("signalAllAcceptedCredentials", { rpId: rpID, userId: handle, allAcceptedCredentialIds: [alice.credential.id] }, { origin });
    expect(await listed()).toMatchObject({ [alice.credential.id]: { hidden: false } });
  });
});

describe("signalCurrentUserDetails", () => {
  it("renames the user's passkeys; the list and the next passkey sign-in's account list show the new name", async () => {
    const alice = await passkey("alice");
    const handle = (await device.key.listCredentials({ rpId: rpID })).credentials[0]!.userHandle!;
    await device.key.signal("signalCurrentUserDetails", { rpId: rpID, userId: handle, name: "alice@new.example", displayName: "Alice N." }, { origin });
    expect(await listed()).toMatchObject({ [alice.credential.id]: { userName: "alice@new.example", userDisplayName: "Alice N." } });
    expect(events[1]).toEqual({
      name: "userDetailsUpdated",
      event: { credentialId: alice.credential.id, rpId: rpID, userName: "alice@new.example", userDisplayName: "Alice N." },
    });
    // The same details again change nothing.
    await device.key.signal("signalCurrentUserDetails", { rpId: rpID, userId: handle, name: "alice@new.example", displayName: "Alice N." }, { origin });
    expect(events.filter((e) => e.name === "userDetailsUpdated")).toHaveLength(1);
    const accounts = await device.key.provider.accounts(rpID);
    expect(accounts.map((a) => a.userName)).toEqual(["alice@new.example"]);
  });
});

describe("what a page may send", () => {
  it("TypeError for bad base64url or missing members, SecurityError for an RP ID the origin may not claim; the store is not asked", async () => {
    const { client } = device.key;
    const typeError = async (name: Parameters<typeof client.signal>[0], options: unknown) =>
      expect((await rejection(client.signal(name, options, { origin }))).name).toBe("TypeError");
    await typeError("signalUnknownCredential", { rpId: rpID, credentialId: "not+base64" });
    await typeError("signalUnknownCredential", { rpId: rpID });
    await typeError("signalAllAcceptedCredentials", { rpId: rpID, userId: "AAAA", allAcceptedCredentialIds: ["ok", "no/"] });
    await typeError("signalAllAcceptedCredentials", { rpId: rpID, userId: "AAAA" });
    await typeError("signalCurrentUserDetails", { rpId: rpID, userId: "AAAA", name: "x" });
    const strict = new WebAuthnClient(device.key.clientDevice, { provider: device.key.provider, relatedOrigins: false });
    const security = await rejection(strict.signal("signalUnknownCredential", { rpId: "example.org", credentialId: "AAAA" }, { origin }));
    expect(security.name).toBe("SecurityError");
    expect(events).toEqual([]);
  });

  it("a client with no credential provider attached accepts the signal and changes nothing", async () => {
    const alice = await passkey("alice");
    await new WebAuthnClient(device.key.clientDevice).signal("signalUnknownCredential", { rpId: rpID, credentialId: alice.credential.id }, { origin });
    expect(events).toEqual([]);
    expect(await listed()).toMatchObject({ [alice.credential.id]: { hidden: false } });
  });
});
