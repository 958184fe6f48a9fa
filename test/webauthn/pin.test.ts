/**
 * The PIN flow of the WebAuthn client against the real core: setting and
 * changing the PIN with the platform helpers, then ceremonies that need user
 * verification on a key without built-in UV (uv: "off"), so only the PIN can
 * verify the user; responses checked by @simplewebauthn/server.
 */
import { afterEach, describe, expect, it } from "vitest";
import { decodeCbor, type CborMap } from "../../src/ctap/cbor.js";
import { Status } from "../../src/ctap/status.js";
import { changePin, getPinRetries, getPinStatus, getUvRetries, setPin } from "../../src/client/pin/index.js";
import { authenticate, clientFor, openSoftkey, RecordingTransport, register, rejection, type TestSoftkey } from "./helpers.js";

const PIN = "1234";
const SubCommand = { getPINRetries: 1, getKeyAgreement: 2, getPinToken: 5, uvToken: 6, getUVRetries: 7, pinToken: 9 };

let softkey: TestSoftkey | undefined;
afterEach(async () => {
  await softkey?.close();
  softkey = undefined;
});

async function pinProtectedKey(uv: "off" | "on" | "fail" = "off") {
  softkey = await openSoftkey({ uv });
  const transport = new RecordingTransport(softkey.key.authenticator);
  await setPin(transport, PIN);
  transport.clear();
  return { transport, authenticator: softkey.key.authenticator };
}

describe("PIN management helpers", () => {
  it("set, status, change: the new PIN works and the old one no longer does", async () => {
    softkey = await openSoftkey({ uv: "off" });
    const { authenticator } = softkey.key;
    expect(await getPinStatus(authenticator)).toEqual({ supported: true, isSet: false, minPinLength: 4, forcePinChange: false });
    await setPin(authenticator, PIN);
    expect(await getPinStatus(authenticator)).toMatchObject({ isSet: true, pinRetries: 8 });

    await changePin(authenticator, PIN, "correct horse");
    await register(clientFor(authenticator, { pin: "correct horse" }), { authenticatorSelection: { userVerification: "required" } }, true);
    const wrong = await rejection(
      register(clientFor(authenticator, { pin: PIN }), { authenticatorSelection: { userVerification: "required" } }),
    );
    expect(wrong.message).toBe("wrong PIN (7 retries left)");
  });

  it("checks PIN composition before sending anything", async () => {
    softkey = await openSoftkey({ uv: "off" });
    const transport = new RecordingTransport(softkey.key.authenticator);
    for (const bad of ["123", "x".repeat(64), "12\u000034"]) {
      expect((await rejection(setPin(transport, bad))).name).toBe("TypeError");
    }
    // Four code points are enough even when they take more bytes (CTAP counts code points).
    await setPin(transport, "😀😀😀😀");
    expect(transport.clientPinSubCommands()).toEqual([SubCommand.getKeyAgreement, 3]);
    const again = await rejection(setPin(transport, "another"));
    expect(again.message).toMatch(/already set/);
  });

  it("a wrong current PIN in changePin costs a retry and says how many are left", async () => {
    softkey = await openSoftkey({ uv: "off" });
    await setPin(softkey.key.authenticator, PIN);
    const error = await rejection(changePin(softkey.key.authenticator, "0000", "5678"));
    expect(error).toMatchObject({ name: "NotAllowedError", ctapStatus: Status.CTAP2_ERR_PIN_INVALID });
    expect(error.message).toBe("wrong PIN (7 retries left)");
    expect(await getPinRetries(softkey.key.authenticator)).toEqual({ pinRetries: 7, powerCycleState: false });
  });

  it("reports the built-in UV retries", async () => {
    softkey = await openSoftkey({ uv: "on" });
    expect(await getUvRetries(softkey.key.authenticator)).toEqual({ uvRetries: 8 });
  });
});

describe("ceremonies that need the PIN", () => {
  it("creates and signs in with userVerification required: a PIN token with permissions, protocol two, UV flag set", async () => {
    const { transport } = await pinProtectedKey();
    const client = clientFor(transport, { pin: PIN });
    const registered = await register(client, { authenticatorSelection: { residentKey: "discouraged", userVerification: "required" } }, true);
    expect(registered.userVerified).toBe(true);
    expect(transport.clientPinSubCommands()).toEqual([SubCommand.getKeyAgreement, SubCommand.pinToken]);
    const tokenRequest = transport.paramsOf(0x06)[1]!;
    expect(tokenRequest.get(1)).toBe(2);
    // mc and ga for registration, as Chrome asks (ga lets it probe excludeCredentials with the token).
    expect(tokenRequest.get(9)).toBe(0x03);
    expect(tokenRequest.get(0x0a)).toBe("example.com");
    const makeCredential = transport.paramsOf(0x01)[0]!;
    expect((makeCredential.get(8) as Uint8Array).length).toBe(32);
    expect(makeCredential.get(9)).toBe(2);

    transport.clear();
    const { userVerified } = await authenticate(client, [registered], { allow: [registered], userVerification: "required" }, true);
    expect(userVerified).toBe(true);
    expect(transport.paramsOf(0x06)[1]!.get(9)).toBe(0x02);
  });

  it("a discoverable credential on a PIN-protected key needs the PIN, and so does a sign-in without allowCredentials", async () => {
    const { transport } = await pinProtectedKey();
    const client = clientFor(transport, { pin: PIN });
    const registered = await register(client, { authenticatorSelection: { residentKey: "required", userVerification: "discouraged" } }, true);
    expect(registered.response.clientExtensionResults.credProps?.rk).toBe(true);
    const { assertion, userVerified } = await authenticate(client, [registered], { userVerification: "discouraged" });
    expect(userVerified).toBe(true);
    expect(assertion.response.userHandle).toBeTruthy();
  });

  it("preferred UV on a PIN-protected key uses the PIN when there is one, and goes without when there is none", async () => {
    const { transport } = await pinProtectedKey();
    const withPin = clientFor(transport, { pin: PIN });
    const registered = await register(withPin, { authenticatorSelection: { userVerification: "preferred" } }, true);
    const signedIn = await authenticate(withPin, [registered], { allow: [registered], userVerification: "preferred" });
    expect(signedIn.userVerified).toBe(true);

    // As in a browser whose user dismisses the PIN dialog: presence only, and the RP decides.
    const withoutPin = clientFor(transport);
    const presenceOnly = await authenticate(withoutPin, [registered], { allow: [registered], userVerification: "preferred" });
    expect(presenceOnly.userVerified).toBe(false);
  });

  it("a wrong PIN is NotAllowedError with the retries left, and the counter goes down", async () => {
    const { authenticator } = await pinProtectedKey();
    const error = await rejection(
      register(clientFor(authenticator, { pin: "9999" }), { authenticatorSelection: { userVerification: "required" } }),
    );
    expect(error).toMatchObject({ name: "NotAllowedError", ctapStatus: Status.CTAP2_ERR_PIN_INVALID });
    expect(error.message).toBe("wrong PIN (7 retries left)");
    expect((await getPinRetries(authenticator)).pinRetries).toBe(7);
    expect((await rejection(register(clientFor(authenticator, { pin: "9998" }), { authenticatorSelection: { userVerification: "required" } }))).message).toBe(
      "wrong PIN (6 retries left)",
    );
    // The right PIN restores the counter.
    await register(clientFor(authenticator, { pin: PIN }), { authenticatorSelection: { userVerification: "required" } }, true);
    expect((await getPinRetries(authenticator)).pinRetries).toBe(8);
  });

  it("three wrong PINs in a row ask for a power cycle", async () => {
    const { authenticator } = await pinProtectedKey();
    const wrong = clientFor(authenticator, { pin: "0000" });
    const options = { authenticatorSelection: { userVerification: "required" as const } };
    await rejection(register(wrong, options));
    await rejection(register(wrong, options));
    const third = await rejection(register(wrong, options));
    expect(third).toMatchObject({ name: "NotAllowedError", ctapStatus: Status.CTAP2_ERR_PIN_AUTH_BLOCKED });
    expect(third.message).toMatch(/power-cycle/);
    const fourth = await rejection(register(clientFor(authenticator, { pin: PIN }), options));
    expect(fourth.ctapStatus).toBe(Status.CTAP2_ERR_PIN_AUTH_BLOCKED);
  });

  it("a blocked PIN says that only a reset clears it", async () => {
    const { authenticator } = await pinProtectedKey();
    // Eight wrong PINs with power cycles in between get here; the answer is what matters.
    const isTokenRequest = (request: Uint8Array) =>
      request[0] === 0x06 && (decodeCbor(request.subarray(1)) as CborMap).get(2) === SubCommand.pinToken;
    const blocked = {
      transact: async (request: Uint8Array) =>
        isTokenRequest(request) ? Uint8Array.of(Status.CTAP2_ERR_PIN_BLOCKED) : authenticator.transact(request),
    };
    const error = await rejection(register(clientFor(blocked, { pin: PIN }), { authenticatorSelection: { userVerification: "required" } }));
    expect(error).toMatchObject({ name: "NotAllowedError", ctapStatus: Status.CTAP2_ERR_PIN_BLOCKED });
    expect(error.message).toMatch(/PIN is blocked.*reset/);
  });

  it("refuses a PIN that cannot be right without spending a retry", async () => {
    const { transport, authenticator } = await pinProtectedKey();
    const error = await rejection(register(clientFor(transport, { pin: "12" }), { authenticatorSelection: { userVerification: "required" } }));
    expect(error.name).toBe("NotAllowedError");
    expect(error.message).toMatch(/at least 4 characters/);
    expect(transport.clientPinSubCommands()).toEqual([]);
    expect((await getPinRetries(authenticator)).pinRetries).toBe(8);
  });

  it("no PIN given when one is needed: a clear NotAllowedError before anything is sent", async () => {
    const { transport } = await pinProtectedKey();
    const error = await rejection(register(clientFor(transport), { authenticatorSelection: { userVerification: "required" } }));
    expect(error.name).toBe("NotAllowedError");
    expect(error.message).toMatch(/this authenticator needs its PIN: pass pin \/ --pin-file \/ SOFTKEY_PIN/);
    expect(transport.paramsOf(0x01)).toHaveLength(0);

    // A provider that answers "no PIN" reads the same.
    const declined = await rejection(
      register(clientFor(transport, { pin: async () => undefined }), { authenticatorSelection: { userVerification: "required" } }),
    );
    expect(declined.message).toMatch(/needs its PIN/);
  });

  it("asks a PIN provider only when the ceremony needs the PIN", async () => {
    const { transport } = await pinProtectedKey();
    let asked = 0;
    const client = clientFor(transport, {
      pin: async () => {
        asked++;
        return PIN;
      },
    });
    const registered = await register(client, { authenticatorSelection: { userVerification: "required" } }, true);
    expect(asked).toBe(1);
    await authenticate(client, [registered], { allow: [registered], userVerification: "discouraged" });
    expect(asked).toBe(1);
  });

  it("user verification required on a key with neither PIN nor built-in UV: set a PIN first", async () => {
    softkey = await openSoftkey({ uv: "off" });
    const error = await rejection(
      register(clientFor(softkey.key.authenticator, { pin: PIN }), { authenticatorSelection: { userVerification: "required" } }),
    );
    expect(error.name).toBe("NotAllowedError");
    expect(error.message).toMatch(/no PIN set .*set a PIN first/);
    // Nor can a discoverable credential be made there, as in Chrome, which would ask for a new PIN.
    const rk = await rejection(
      register(clientFor(softkey.key.authenticator), { authenticatorSelection: { residentKey: "required", userVerification: "discouraged" } }),
    );
    expect(rk.message).toMatch(/set a PIN first/);
    // residentKey "preferred" falls back to a non-discoverable credential.
    const preferred = await register(clientFor(softkey.key.authenticator), { authenticatorSelection: { residentKey: "preferred" } });
    expect(preferred.response.clientExtensionResults.credProps?.rk).toBe(false);
  });
});

describe("built-in user verification", () => {
  it("uses a UV token (getPinUvAuthTokenUsingUvWithPermissions) when the key has uv and pinUvAuthToken, as Chrome does", async () => {
    softkey = await openSoftkey({ uv: "on" });
    const transport = new RecordingTransport(softkey.key.authenticator);
    const client = clientFor(transport);
    const registered = await register(client, { authenticatorSelection: { userVerification: "required" } }, true);
    expect(transport.clientPinSubCommands()).toEqual([SubCommand.getUVRetries, SubCommand.getKeyAgreement, SubCommand.uvToken]);
    expect(transport.paramsOf(0x01)[0]!.get(7)).toBeUndefined();
    transport.clear();
    const { userVerified } = await authenticate(client, [registered], { allow: [registered], userVerification: "required" }, true);
    expect(userVerified).toBe(true);
  });

  it("falls back to the PIN when built-in UV fails", async () => {
    const { transport, authenticator } = await pinProtectedKey("fail");
    const registered = await register(clientFor(transport, { pin: PIN }), { authenticatorSelection: { userVerification: "required" } }, true);
    expect(registered.userVerified).toBe(true);
    expect(transport.clientPinSubCommands()).toEqual([
      SubCommand.getUVRetries,
      SubCommand.getKeyAgreement,
      SubCommand.uvToken,
      SubCommand.getUVRetries,
      SubCommand.getKeyAgreement,
      SubCommand.pinToken,
    ]);
    const withoutPin = await rejection(register(clientFor(authenticator), { authenticatorSelection: { userVerification: "required" } }));
    // The right PIN above restored uvRetries to 8 (CTAP 2.2 section 6.5.2.2), so this failure leaves 7.
    expect(withoutPin.message).toMatch(/built-in user verification failed \(7 retries left\), and this authenticator needs its PIN/);
  });
});

describe("older authenticators", () => {
  it("uses getPinToken when the key lacks the pinUvAuthToken option, and protocol one when that is all it offers", async () => {
    softkey = await openSoftkey({ uv: "off" });
    await setPin(softkey.key.authenticator, PIN);
    const transport = new RecordingTransport(softkey.key.authenticator, (info) => {
      (info.get(4) as Map<string, boolean>).delete("pinUvAuthToken");
      info.set(6, [1]);
    });
    const client = clientFor(transport, { pin: PIN });
    const registered = await register(client, { authenticatorSelection: { userVerification: "required" } }, true);
    expect(transport.clientPinSubCommands()).toEqual([SubCommand.getKeyAgreement, SubCommand.getPinToken]);
    const tokenRequest = transport.paramsOf(0x06)[1]!;
    expect(tokenRequest.get(1)).toBe(1);
    expect(tokenRequest.has(9)).toBe(false);
    expect((transport.paramsOf(0x01)[0]!.get(8) as Uint8Array).length).toBe(16);
    const { userVerified } = await authenticate(client, [registered], { allow: [registered], userVerification: "required" }, true);
    expect(userVerified).toBe(true);
  });
});
