/**
 * credProtect (CTAP 2.1 section 12.1) from the client's inputs to what the
 * core then reveals: a level-3 credential is invisible without UV, with or
 * without allowCredentials; Chrome's default levels for discoverable
 * credentials; and enforceCredentialProtectionPolicy against a key without
 * the extension.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeCanonical, type CborMap } from "../../src/ctap/cbor.js";
import { Status } from "../../src/ctap/status.js";
import { fromBase64Url } from "../../src/bytes/base64url.js";
import { parseAuthenticatorData, type WebAuthnClient } from "../../src/client/index.js";
import { setPin } from "../../src/client/pin/index.js";
import { getAssertionParams, parseResponse } from "../helpers/ctap.js";
import { authenticate, clientFor, openSoftkey, RecordingTransport, register, rejection, rpID, type Registered, type TestSoftkey } from "./helpers.js";

const PIN = "1234";

let softkey: TestSoftkey;
let client: WebAuthnClient;
beforeEach(async () => {
  // No built-in UV: only the PIN verifies, and without it nothing does.
  softkey = await openSoftkey({ uv: "off" });
  await setPin(softkey.key.authenticator, PIN);
  client = clientFor(softkey.key.authenticator, { pin: PIN });
});
afterEach(async () => {
  await softkey.close();
});

function credProtectOf(registered: Registered): unknown {
  const authData = parseAuthenticatorData(fromBase64Url(registered.response.response.authenticatorData));
  return authData.extensions?.get("credProtect");
}

async function discoverable(userName: string, extensions: Record<string, unknown>, userVerification: "preferred" | "discouraged" = "discouraged") {
  return register(client, { userName, authenticatorSelection: { residentKey: "required", userVerification }, extensions }, true);
}

/** getAssertion straight to the core, without UV: what a client that skips UV would see. */
async function rawGetWithoutUv(allowList?: Uint8Array[]) {
  const response = parseResponse(
    await softkey.key.authenticator.transact(Uint8Array.from([0x02, ...encodeCanonical(getAssertionParams({ rpId: rpID, ...(allowList ? { allowList } : {}) }))])),
  );
  return { status: response.status, id: (response.body?.get(1) as CborMap | undefined)?.get("id") as Uint8Array | undefined, count: response.body?.get(5) };
}

describe("credProtect", () => {
  it("userVerificationRequired: the credential is not usable without UV, through the client or a discoverable request", async () => {
    const guarded = await discoverable("guarded", { credentialProtectionPolicy: "userVerificationRequired" });
    const open = await discoverable("open", { credentialProtectionPolicy: "userVerificationOptional" });
    expect(credProtectOf(guarded)).toBe(3);
    expect(credProtectOf(open)).toBe(1);

    // With allowCredentials and UV discouraged the client asks without UV: only the open one answers.
    const refused = await rejection(authenticate(client, [guarded, open], { allow: [guarded], userVerification: "discouraged" }));
    expect(refused).toMatchObject({ name: "NotAllowedError", ctapStatus: Status.CTAP2_ERR_NO_CREDENTIALS });
    const { userVerified } = await authenticate(client, [guarded, open], { allow: [open], userVerification: "discouraged" });
    expect(userVerified).toBe(false);

    // A discoverable request without UV (the client never makes one, as Chrome never does) sees only the open one.
    const withoutUv = await rawGetWithoutUv();
    expect(withoutUv.status).toBe(0);
    expect(Buffer.from(withoutUv.id!).toString("base64url")).toBe(open.credential.id);
    expect(withoutUv.count).toBeUndefined();
    expect((await rawGetWithoutUv([fromBase64Url(guarded.credential.id)])).status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);

    // With the PIN both are there.
    const transport = new RecordingTransport(softkey.key.authenticator);
    const { assertion } = await authenticate(clientFor(transport, { pin: PIN }), [guarded, open], { userVerification: "discouraged" }, true);
    expect([guarded.credential.id, open.credential.id]).toContain(assertion.id);
    expect(transport.paramsOf(0x08)).toHaveLength(1);
  });

  it("userVerificationOptionalWithCredentialIDList: usable without UV only when named in allowCredentials", async () => {
    const listed = await discoverable("listed", { credentialProtectionPolicy: "userVerificationOptionalWithCredentialIDList" });
    expect(credProtectOf(listed)).toBe(2);
    expect((await rawGetWithoutUv()).status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
    const { userVerified } = await authenticate(client, [listed], { allow: [listed], userVerification: "discouraged" });
    expect(userVerified).toBe(false);
  });

  it("without a policy, asks for Chrome's defaults: 3 for residentKey required with UV preferred, 2 for other discoverable ones", async () => {
    expect(credProtectOf(await discoverable("a", {}, "preferred"))).toBe(3);
    expect(credProtectOf(await discoverable("b", {}, "discouraged"))).toBe(2);
    const preferred = await register(client, { userName: "c", authenticatorSelection: { residentKey: "preferred" } }, true);
    expect(preferred.response.clientExtensionResults.credProps?.rk).toBe(true);
    expect(credProtectOf(preferred)).toBe(2);
    const plain = await register(client, { userName: "d", authenticatorSelection: { residentKey: "discouraged", userVerification: "discouraged" } });
    expect(credProtectOf(plain)).toBeUndefined();
  });

  it("has no client output", async () => {
    const registered = await discoverable("quiet", { credentialProtectionPolicy: "userVerificationRequired" });
    expect(registered.response.clientExtensionResults).not.toHaveProperty("credProtect");
  });

  it("enforceCredentialProtectionPolicy refuses a key without credProtect; without enforcement the credential is made anyway", async () => {
    const transport = new RecordingTransport(softkey.key.authenticator, (info) => {
      info.set(2, (info.get(2) as string[]).filter((e) => e !== "credProtect"));
    });
    const lacking = clientFor(transport, { pin: PIN });
    const enforced = await rejection(
      register(lacking, {
        authenticatorSelection: { residentKey: "required" },
        extensions: { credentialProtectionPolicy: "userVerificationRequired", enforceCredentialProtectionPolicy: true },
      }),
    );
    expect(enforced.name).toBe("NotAllowedError");
    expect(enforced.message).toMatch(/credProtect/);
    expect(transport.paramsOf(0x01)).toHaveLength(0);

    const lenient = await register(lacking, {
      authenticatorSelection: { residentKey: "required" },
      extensions: { credentialProtectionPolicy: "userVerificationRequired" },
    });
    expect(credProtectOf(lenient)).toBeUndefined();
    expect((transport.paramsOf(0x01)[0]!.get(6) as CborMap | undefined)?.has("credProtect") ?? false).toBe(false);
    // Level 1 needs no support, enforced or not.
    await register(lacking, {
      authenticatorSelection: { residentKey: "required" },
      extensions: { credentialProtectionPolicy: "userVerificationOptional", enforceCredentialProtectionPolicy: true },
    });
  });
});
