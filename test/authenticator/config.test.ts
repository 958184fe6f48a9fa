import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { Authenticator } from "../../src/authenticator/device.js";
import { defaultAuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { createPresence } from "../../src/presence/index.js";
import { concat, getAssertionParams, makeCredentialParams, openTestKey, parseResponse, sha256, type TestKey } from "../helpers/ctap.js";
import { Permission, PinPlatform, type PinProtocolVersion } from "../helpers/pinPlatform.js";

const MC = 0x01;
const GA = 0x02;
const INFO = 0x04;
const CONFIG = 0x0d;

const Sub = { enableEnterpriseAttestation: 0x01, toggleAlwaysUv: 0x02, setMinPINLength: 0x03, vendorPrototype: 0xff } as const;

const PIN = "1234";

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

/** A key with no built-in UV, so that only a PIN protects it. */
async function openKey(presence: { uv: "on" | "off" } = { uv: "off" }) {
  const clock = { now: 1_700_000_000_000 };
  key = await openTestKey({ presence, now: () => clock.now });
  return { k: key, clock };
}

async function withPin(k: TestKey, pin = PIN, protocol: PinProtocolVersion = 2) {
  const platform = new PinPlatform(k.call, protocol);
  expect(await platform.setPin(pin)).toBe(Status.CTAP2_OK);
  return platform;
}

/** pinUvAuthParam = authenticate(token, 32×0xff || 0x0d || uint8(subCommand) || subCommandParams). */
function configParams(platform: PinPlatform, token: Uint8Array, subCommand: number, subCommandParams?: Map<number, unknown>): Map<number, unknown> {
  const message = concat(new Uint8Array(32).fill(0xff), Uint8Array.of(0x0d, subCommand), subCommandParams ? encodeCanonical(subCommandParams) : new Uint8Array(0));
  const params = new Map<number, unknown>([[1, subCommand]]);
  if (subCommandParams) params.set(2, subCommandParams);
  params.set(3, platform.protocol);
  params.set(4, platform.authenticate(token, message));
  return params;
}

function unauthenticated(subCommand: number, subCommandParams?: Map<number, unknown>): Map<number, unknown> {
  const params = new Map<number, unknown>([[1, subCommand]]);
  if (subCommandParams) params.set(2, subCommandParams);
  return params;
}

const minPinLength = (length?: number, rpIds?: unknown[], forceChangePin?: boolean) => {
  const params = new Map<number, unknown>();
  if (length !== undefined) params.set(1, length);
  if (rpIds !== undefined) params.set(2, rpIds);
  if (forceChangePin !== undefined) params.set(3, forceChangePin);
  return params;
};

async function info(k: TestKey) {
  const { status, body } = await k.call(INFO);
  expect(status).toBe(Status.CTAP2_OK);
  return { body: body!, options: Object.fromEntries(body!.get(4) as Map<string, boolean>) };
}

async function storedPinState(k: TestKey) {
  return (await k.store.getSetting<{ minPinLength: number; minPinLengthRpIds: string[]; forcePinChange: boolean }>("clientPin"))!;
}

describe("authenticatorConfig", () => {
  it("getInfo advertises authnrCfg, setMinPINLength and maxRPIDsForSetMinPINLength", async () => {
    const { k } = await openKey();
    const { body, options } = await info(k);
    expect(options).toMatchObject({ authnrCfg: true, setMinPINLength: true, alwaysUv: false, makeCredUvNotRqd: true });
    expect(body.get(0x10)).toBe(8);
    expect(body.get(0x0d)).toBe(4);
    expect(body.has(0x0c)).toBe(false);
  });

  it("runs without a token on an authenticator no PIN or built-in UV protects", async () => {
    const { k } = await openKey();
    expect((await k.call(CONFIG, unauthenticated(Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).options).toMatchObject({ alwaysUv: true, makeCredUvNotRqd: false });
    expect((await k.call(CONFIG, unauthenticated(Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).options).toMatchObject({ alwaysUv: false, makeCredUvNotRqd: true });
    expect((await k.call(CONFIG, unauthenticated(Sub.setMinPINLength, minPinLength(6)))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).body.get(0x0d)).toBe(6);
    // A PIN set afterwards must meet the new minimum.
    const platform = new PinPlatform(k.call, 2);
    expect(await platform.setPin("12345")).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    expect(await platform.setPin("123456")).toBe(Status.CTAP2_OK);
  });

  it.each([1, 2] as const)("toggleAlwaysUv with a PIN needs an acfg token, then makeCredential and getAssertion need UV (protocol %i)", async (protocol) => {
    const { k } = await openKey();
    const registered = await k.call(MC, makeCredentialParams());
    expect(registered.status).toBe(Status.CTAP2_OK);
    const platform = await withPin(k, PIN, protocol);
    const token = await platform.requireToken(PIN, Permission.acfg);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).options).toMatchObject({ alwaysUv: true, makeCredUvNotRqd: false, clientPin: true });

    expect((await k.call(MC, makeCredentialParams({ rk: false }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await k.call(GA, getAssertionParams())).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    // With UV from a token it still works.
    const mcToken = await platform.requireToken(PIN, Permission.mc, "example.com");
    const clientDataHash = sha256("with uv");
    const withToken = makeCredentialParams({ clientDataHash });
    withToken.set(8, platform.authenticate(mcToken, clientDataHash));
    withToken.set(9, protocol);
    expect((await k.call(MC, withToken)).status).toBe(Status.CTAP2_OK);

    const again = await platform.requireToken(PIN, Permission.acfg);
    expect((await k.call(CONFIG, configParams(platform, again, Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).options).toMatchObject({ alwaysUv: false, makeCredUvNotRqd: true });
    expect((await k.call(MC, makeCredentialParams({ rk: false }))).status).toBe(Status.CTAP2_OK);
  });

  it("answers the spec's statuses for a missing or wrong pinUvAuthParam", async () => {
    const { k } = await openKey();
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.acfg);
    const valid = configParams(platform, token, Sub.toggleAlwaysUv);
    const without = (...keys: number[]) => new Map([...valid].filter(([key]) => !keys.includes(key)));

    expect((await k.call(CONFIG, without(3, 4))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await k.call(CONFIG, without(3))).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    expect((await k.call(CONFIG, new Map([...valid, [3, 7]]))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    expect((await k.call(CONFIG, new Map([...valid, [4, new Uint8Array(32)]]))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    // The subcommand and its parameters are what the token authenticates.
    const forSix = configParams(platform, token, Sub.setMinPINLength, minPinLength(6));
    expect((await k.call(CONFIG, new Map([...forSix, [2, minPinLength(8)]]))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await k.call(CONFIG, new Map([...valid, [1, Sub.setMinPINLength]]))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    // A token without the acfg permission.
    const cmToken = await platform.requireToken(PIN, Permission.cm);
    expect((await k.call(CONFIG, configParams(platform, cmToken, Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await info(k)).options.alwaysUv).toBe(false);
    expect((await info(k)).body.get(0x0d)).toBe(4);
  });

  it("built-in UV protects the authenticator too, but grants acfg only with uvAcfg: without it the PIN's token does", async () => {
    const { k } = await openKey({ uv: "on" });
    expect((await k.call(CONFIG, unauthenticated(Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    const platform = new PinPlatform(k.call, 2);
    // CTAP 2.2 section 6.5.5.7.3 step 4: acfg from built-in UV needs getInfo's uvAcfg, which softkey does not offer.
    expect((await info(k)).options).not.toHaveProperty("uvAcfg");
    expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.acfg)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    const token = await platform.requireToken(PIN, Permission.acfg);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).options.alwaysUv).toBe(true);
  });

  it("answers INVALID_PARAMETER for subcommands it does not support, enterprise attestation included", async () => {
    const { k } = await openKey();
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.acfg);
    for (const sub of [Sub.enableEnterpriseAttestation, Sub.vendorPrototype, 0x04]) {
      expect((await k.call(CONFIG, configParams(platform, token, sub))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
      expect((await k.call(CONFIG, unauthenticated(sub))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    }
    expect((await k.call(CONFIG, new Map([[3, 2]]))).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    expect((await k.call(CONFIG, new Map<number, unknown>([[1, Sub.setMinPINLength], [2, [6]]]))).status).toBe(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
    expect((await info(k)).options).not.toHaveProperty("ep");
  });

  it("setMinPINLength never lowers the minimum", async () => {
    const { k } = await openKey();
    const platform = await withPin(k, "12345678");
    const token = await platform.requireToken("12345678", Permission.acfg);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(6)))).status).toBe(Status.CTAP2_OK);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(5)))).status).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(64)))).status).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    // The same value, or none, keeps it.
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(6)))).status).toBe(Status.CTAP2_OK);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength))).status).toBe(Status.CTAP2_OK);
    const { body } = await info(k);
    expect(body.get(0x0d)).toBe(6);
    // The PIN is 8 long: no change is forced, and the token still works.
    expect(body.has(0x0c)).toBe(false);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_OK);
  });

  it.each([1, 2] as const)("raising it above the PIN's length forces a PIN change before the PIN verifies again (protocol %i)", async (protocol) => {
    const { k } = await openKey();
    const platform = await withPin(k, PIN, protocol);
    const token = await platform.requireToken(PIN, Permission.acfg | Permission.cm);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(6)))).status).toBe(Status.CTAP2_OK);
    const { body } = await info(k);
    expect(body.get(0x0c)).toBe(true);
    expect(body.get(0x0d)).toBe(6);

    // Every token stopped working, and no new one comes from the old PIN.
    expect((await k.call(CONFIG, configParams(platform, token, Sub.toggleAlwaysUv))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, Permission.acfg)).status).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    // The legacy getPinToken answers PIN_INVALID here (CTAP 2.2 section 6.5.5.7.1 step 11).
    expect((await platform.getPinToken(PIN)).status).toBe(Status.CTAP2_ERR_PIN_INVALID);

    // The new PIN must meet the new minimum.
    expect(await platform.changePin(PIN, "12345")).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    expect(await platform.changePin(PIN, "123456")).toBe(Status.CTAP2_OK);
    expect((await info(k)).body.has(0x0c)).toBe(false);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions("123456", Permission.acfg)).status).toBe(Status.CTAP2_OK);
  });

  it("counts the PIN's length in code points, not bytes", async () => {
    const { k } = await openKey();
    const platform = await withPin(k, "éééé"); // 4 code points, 8 bytes
    let token = await platform.requireToken("éééé", Permission.acfg);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(4)))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).body.has(0x0c)).toBe(false);
    token = await platform.requireToken("éééé", Permission.acfg);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(5)))).status).toBe(Status.CTAP2_OK);
    expect((await info(k)).body.get(0x0c)).toBe(true);
  });

  it("forceChangePin forces a PIN change; without a PIN it is PIN_NOT_SET", async () => {
    const unprotected = await openKey();
    expect((await unprotected.k.call(CONFIG, unauthenticated(Sub.setMinPINLength, minPinLength(undefined, undefined, true)))).status).toBe(
      Status.CTAP2_ERR_PIN_NOT_SET,
    );
    await unprotected.k.close();
    key = undefined;

    const { k } = await openKey();
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.acfg);
    expect((await k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, minPinLength(undefined, undefined, true)))).status).toBe(Status.CTAP2_OK);
    const { body } = await info(k);
    expect(body.get(0x0c)).toBe(true);
    expect(body.get(0x0d)).toBe(4);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, Permission.acfg)).status).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    // The same PIN again does not count as a change.
    expect(await platform.changePin(PIN, PIN)).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    expect(await platform.changePin(PIN, "4321")).toBe(Status.CTAP2_OK);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions("4321", Permission.acfg)).status).toBe(Status.CTAP2_OK);
  });

  it("stores minPinLengthRPIDs, up to maxRPIDsForSetMinPINLength, and they survive a power cycle", async () => {
    const { k } = await openKey();
    const platform = await withPin(k, "12345678");
    const token = await platform.requireToken("12345678", Permission.acfg);
    const set = (params: Map<number, unknown>) => k.call(CONFIG, configParams(platform, token, Sub.setMinPINLength, params));

    expect(await set(minPinLength(undefined, ["example.com", "login.example.org"]))).toEqual({ status: Status.CTAP2_OK });
    expect((await storedPinState(k)).minPinLengthRpIds).toEqual(["example.com", "login.example.org"]);
    // A new list replaces the old one.
    expect((await set(minPinLength(7, ["example.net"]))).status).toBe(Status.CTAP2_OK);
    expect(await storedPinState(k)).toMatchObject({ minPinLength: 7, minPinLengthRpIds: ["example.net"], forcePinChange: false });

    const tooMany = Array.from({ length: 9 }, (_, i) => `rp${i}.example`);
    expect((await set(minPinLength(undefined, tooMany))).status).toBe(Status.CTAP2_ERR_KEY_STORE_FULL);
    expect((await set(minPinLength(undefined, ["example.com", 7]))).status).toBe(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
    expect((await storedPinState(k)).minPinLengthRpIds).toEqual(["example.net"]);

    // A fresh core over the same store (a power cycle) reads the same settings.
    const restarted = new Authenticator({ store: k.store, presence: createPresence({ uv: "off" }), config: defaultAuthenticatorConfig() });
    const { body } = parseResponse(await restarted.transact(Uint8Array.of(INFO)));
    expect(body!.get(0x0d)).toBe(7);
  });
});
