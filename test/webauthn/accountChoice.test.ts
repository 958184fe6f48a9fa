/**
 * Account choice: with several passkeys for an RP, a test picks which one
 * answers (credential ID, user name, user handle), as the user picks in
 * Chrome's account list; without a choice the most recent answers, as
 * Chrome lists it first. Every assertion is verified by @simplewebauthn/server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, verifyAuthenticationResponse, type WebAuthnCredential } from "@simplewebauthn/server";
import type { AccountSelector } from "../../src/client/index.js";
import { openSoftkey, origin, register, rejection, rpID, type Registered, type TestSoftkey } from "./helpers.js";

let t: TestSoftkey;
const users: Record<string, Registered> = {};

beforeAll(async () => {
  t = await openSoftkey();
  for (const userName of ["alice", "bob", "carol"]) {
    users[userName] = await register(t.key.client, { userName, authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });
    // Creation times in milliseconds: keep them apart so "most recent" is well defined.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
});
afterAll(async () => {
  await t.close();
});

async function signIn(account?: AccountSelector, allow: Registered[] = []): Promise<string> {
  const options = await generateAuthenticationOptions({ rpID, allowCredentials: allow.map((r) => ({ id: r.credential.id })), userVerification: "preferred" });
  const response = await t.key.get(options, { origin, ...(account ? { account } : {}) });
  const registered = Object.entries(users).find(([, r]) => r.credential.id === response.id);
  expect(registered, "the assertion names a registered credential").toBeDefined();
  const [name, { credential }] = registered!;
  const verification = await verifyAuthenticationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, credential: credential as WebAuthnCredential });
  expect(verification.verified).toBe(true);
  credential.counter = verification.authenticationInfo.newCounter;
  // A passkey's assertion names its user, and it is the one chosen.
  expect(response.response.userHandle).toBe(handles[name]);
  return name;
}

/** The user handles, as the store keeps them. */
const handles: Record<string, string> = {};

describe("account choice", () => {
  beforeAll(async () => {
    for (const c of (await t.key.listCredentials({ rpId: rpID })).credentials) handles[c.userName!] = c.userHandle!;
  });

  it("without a choice, the most recent passkey answers", async () => {
    expect(await signIn()).toBe("carol");
  });

  it("chooses by user name, user handle or credential ID", async () => {
    expect(await signIn({ userName: "alice" })).toBe("alice");
    expect(await signIn({ userHandle: handles.bob! })).toBe("bob");
    expect(await signIn({ credentialId: users.alice!.credential.id })).toBe("alice");
    expect(await signIn({ userName: "bob", credentialId: users.bob!.credential.id })).toBe("bob");
  });

  it("narrows allowCredentials to the credential chosen", async () => {
    expect(await signIn({ credentialId: users.bob!.credential.id }, [users.alice!, users.bob!])).toBe("bob");
    const error = await rejection(
      t.key.get(await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: users.alice!.credential.id }] }), { origin, account: { credentialId: users.carol!.credential.id } }),
    );
    expect(error).toMatchObject({ name: "NotAllowedError", message: expect.stringContaining("not in allowCredentials") });
  });

  it("no passkey matching the choice is NotAllowedError: the reason names the accounts, the page sees Chrome's generic message", async () => {
    const error = await rejection(t.key.get(await generateAuthenticationOptions({ rpID }), { origin, account: { userName: "mallory" } }));
    expect(error.name).toBe("NotAllowedError");
    expect(error.message).toMatch(/none of the 3 credential\(s\) found matches userName "mallory": carol \[.+\], bob \[.+\], alice \[.+\]/);
    expect(error.pageMessage).toBe("The operation either timed out or was not allowed. See: https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client.");
  });

  it("checks the selector: base64url IDs, known fields only", async () => {
    const options = await generateAuthenticationOptions({ rpID });
    expect((await rejection(t.key.get(options, { origin, account: { userHandle: "not base64url!" } }))).name).toBe("EncodingError");
    expect((await rejection(t.key.get(options, { origin, account: { nickname: "al" } as AccountSelector }))).name).toBe("TypeError");
  });

  it("a selectCredential function still picks when no account is given", async () => {
    const options = await generateAuthenticationOptions({ rpID });
    const seen: string[] = [];
    const response = await t.key.get(options, {
      origin,
      selectCredential: (candidates) => {
        seen.push(...candidates.map((c) => c.userName!));
        return candidates.findIndex((c) => c.userName === "bob");
      },
    });
    expect(seen).toEqual(["carol", "bob", "alice"]);
    expect(response.id).toBe(users.bob!.credential.id);
  });
});
