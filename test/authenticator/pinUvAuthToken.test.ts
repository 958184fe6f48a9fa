/**
 * pinUvAuthToken permissions and protocols (CTAP 2.2 section 6.5.5.7), at the
 * byte level against the independent platform in test/helpers/pinPlatform.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { getAssertionParams, makeCredentialParams, openTestKey, parseAuthData, type TestKey } from "../helpers/ctap.js";
import { ClientPinSubCommand, Permission, PinPlatform, PinProtocolCrypto, pinHash, type PinProtocolVersion } from "../helpers/pinPlatform.js";

const MC = 0x01;
const GA = 0x02;
const CLIENT_PIN = 0x06;
const PIN = "1234";
/** Bits the spec does not define (pcmr is 0x40); an authenticator ignores them. */
const UNDEFINED_BITS = 0x80 | 0x100;

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

async function keyWithPin(options: Parameters<typeof openTestKey>[0] = {}, protocol: PinProtocolVersion = 2) {
  key = await openTestKey(options);
  const platform = new PinPlatform(key.call, protocol);
  expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
  return { k: key, platform };
}

/** A getAssertion of a discoverable credential whose pinUvAuthParam is made under `crypto` and sent as `protocol`. */
async function assertWith(k: TestKey, token: Uint8Array, crypto: PinProtocolCrypto, protocol: number): Promise<number> {
  const params = getAssertionParams();
  params.set(6, crypto.authenticate(token, params.get(2) as Uint8Array));
  params.set(7, protocol);
  return (await k.call(GA, params)).status;
}

describe("permissions (steps 3-4 of getPinUvAuthTokenUsing{Pin,Uv}WithPermissions)", () => {
  it("from built-in UV: acfg only with uvAcfg, be only with uvBioEnroll; softkey advertises neither", async () => {
    key = await openTestKey({ presence: { uv: "on" } });
    const platform = new PinPlatform(key.call, 2);
    expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.acfg)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
    expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.be)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
    expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.cm | Permission.lbw)).status).toBe(Status.CTAP2_OK);
    // The refusal happens before the user is asked: nothing was spent.
    const retries = await key.call(CLIENT_PIN, new Map([[2, ClientPinSubCommand.getUVRetries]]));
    expect(retries.body!.get(5)).toBe(8);
  });

  it("from the PIN: acfg with authnrCfg; be without bioEnroll, pcmr without perCredMgmtRO are refused", async () => {
    const { platform } = await keyWithPin({ presence: { uv: "off" } });
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, Permission.acfg)).status).toBe(Status.CTAP2_OK);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, Permission.be)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, 0x40)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
  });

  it("cm, lbw and acfg follow the profile's getInfo options", async () => {
    const { platform } = await keyWithPin({ presence: { uv: "off" }, config: { optionalFeatures: ["setMinPINLength"] } });
    for (const permission of [Permission.cm, Permission.lbw, Permission.acfg]) {
      expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, permission)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
    }
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, Permission.ga, "example.com")).status).toBe(Status.CTAP2_OK);
  });

  it("ignores undefined permission bits rather than refusing them, and grants nothing for them", async () => {
    const { k, platform } = await keyWithPin({ presence: { uv: "off" } });
    expect((await k.call(MC, makeCredentialParams({ rk: true }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    const mcToken = await platform.requireToken(PIN, Permission.mc, "example.com");
    const mc = makeCredentialParams({ rk: true });
    mc.set(8, platform.authenticate(mcToken, mc.get(1) as Uint8Array));
    mc.set(9, 2);
    expect((await k.call(MC, mc)).status).toBe(Status.CTAP2_OK);

    const withUndefined = await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, Permission.ga | UNDEFINED_BITS, "example.com");
    expect(withUndefined.status).toBe(Status.CTAP2_OK);
    expect(await assertWith(k, withUndefined.token!, platform.crypto, 2)).toBe(Status.CTAP2_OK);
    // Only undefined bits: not 0, so no INVALID_PARAMETER; a token that may do nothing.
    const nothing = await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, UNDEFINED_BITS, "example.com");
    expect(nothing.status).toBe(Status.CTAP2_OK);
    expect(await assertWith(k, nothing.token!, platform.crypto, 2)).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, 0)).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
  });
});

describe("legacy getPinToken (0x05, section 6.5.5.7.1)", () => {
  it.each([
    ["permissions", 9, Permission.ga],
    ["rpId", 0x0a, "example.com"],
  ] as const)("refuses a %s parameter with INVALID_PARAMETER, and the PIN is not tried", async (_name, parameter, value) => {
    const { k, platform } = await keyWithPin({ presence: { uv: "off" } });
    const { platformKey, sharedSecret } = await platform.getKeyAgreement();
    const request = new Map<number, unknown>([
      [1, 2],
      [2, ClientPinSubCommand.getPinToken],
      [3, platformKey],
      [6, platform.crypto.encrypt(sharedSecret, pinHash("0000"))],
      [parameter, value],
    ]);
    expect((await k.call(CLIENT_PIN, request)).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    const retries = await k.call(CLIENT_PIN, new Map([[2, ClientPinSubCommand.getPINRetries]]));
    expect(retries.body!.get(3)).toBe(8);
  });
});

describe("one pinUvAuthToken per protocol, as OpenSK keeps them", () => {
  it.each([
    [1, 2],
    [2, 1],
  ] as const)("a token obtained under protocol %i does not authenticate under protocol %i", async (obtained, other) => {
    const { k, platform } = await keyWithPin({ presence: { uv: "off" } }, obtained);
    const rk = makeCredentialParams({ rk: true });
    const mcToken = await platform.requireToken(PIN, Permission.mc, "example.com");
    rk.set(8, platform.authenticate(mcToken, rk.get(1) as Uint8Array));
    rk.set(9, obtained);
    const made = await k.call(MC, rk);
    expect(made.status).toBe(Status.CTAP2_OK);
    expect(parseAuthData(made.body!.get(2) as Uint8Array).flags & 0x04).toBe(0x04);

    const token = await platform.requireToken(PIN, Permission.ga, "example.com");
    // Protocol one allows tokens of any multiple of 16 bytes; softkey's are 32, so the other protocol's HMAC can be computed over it.
    expect(token.length).toBe(32);
    expect(await assertWith(k, token, new PinProtocolCrypto(other), other)).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect(await assertWith(k, token, platform.crypto, obtained)).toBe(Status.CTAP2_OK);
  });
});
