/**
 * CTAP 2.2 and 2.3 at the byte level, through the real core: the getInfo
 * members 0x15-0x1F and the behaviour behind each, attestationFormatsPreference,
 * the persistent pinUvAuthToken (pcmr) and the encrypted members it opens, the
 * PIN policy, authenticatorConfig's vendorPrototype, and the extensions
 * hmac-secret-mc, thirdPartyPayment and pinComplexityPolicy. The platform side
 * (ECDH, KDF, AES, HMAC) is test/helpers/pinPlatform.ts, and the encrypted
 * members are decrypted here as python-fido2 2.x's Info._decrypt does.
 */
import { createDecipheriv, createHmac, hkdfSync } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { cborItemLength } from "../../src/ctap/cborItemLength.js";
import type { AuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { Authenticator } from "../../src/authenticator/device.js";
import { createPresence } from "../../src/presence/index.js";
import { defaultAuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { concat, getAssertionParams, makeCredentialParams, openTestKey, parseResponse, sha256, type TestKey } from "../helpers/ctap.js";
import { PinPlatform, type PinProtocolVersion } from "../helpers/pinPlatform.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";

const MC = 0x01;
const GA = 0x02;
const INFO = 0x04;
const RESET = 0x07;
const CRED_MGMT = 0x0a;
const CONFIG = 0x0d;
const PCMR = 0x40;
const PIN = "8642";

const CTAP22: Partial<AuthenticatorConfig> = {
  versions: ["FIDO_2_0", "FIDO_2_1", "FIDO_2_2"],
  optionalFeatures: ["largeBlobs", "credMgmt", "authnrCfg", "setMinPINLength", "perCredMgmtRO"],
  pinComplexityPolicy: { enabled: false, url: "https://example.com/pin-policy" },
};
const CTAP23: Partial<AuthenticatorConfig> = { ...CTAP22, versions: ["FIDO_2_0", "FIDO_2_1", "FIDO_2_2", "FIDO_2_3"] };

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

async function info(k: TestKey): Promise<Map<number, unknown>> {
  const { status, body } = await k.call(INFO);
  expect(status).toBe(Status.CTAP2_OK);
  return body!;
}

/** The authenticator data's extensions map, read past the attested credential data when there is one. */
function extensionsOf(authData: Uint8Array): Map<string, unknown> | undefined {
  const flags = authData[32]!;
  if (!(flags & 0x80)) return undefined;
  let offset = 37;
  if (flags & 0x40) {
    offset = 55 + ((authData[53]! << 8) | authData[54]!);
    offset += cborItemLength(authData, offset);
  }
  return decodeCbor(authData.subarray(offset)) as Map<string, unknown>;
}

/** python-fido2's Info._decrypt: iv || AES-128-CBC under HKDF-SHA-256(salt 32 zeros, the persistent token, 16, info). */
function decryptMember(encrypted: Uint8Array, info: string, token: Uint8Array): Uint8Array {
  const secret = Buffer.from(hkdfSync("sha256", token, new Uint8Array(32), info, 16));
  const decipher = createDecipheriv("aes-128-cbc", secret, encrypted.subarray(0, 16)).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([decipher.update(encrypted.subarray(16)), decipher.final()]));
}

function credMgmtParams(platform: PinPlatform, token: Uint8Array, subCommand: number, params?: Map<number, unknown>): Map<number, unknown> {
  const encoded = params ? encodeCanonical(params) : new Uint8Array(0);
  const request = new Map<number, unknown>([[1, subCommand], [3, platform.protocol], [4, platform.authenticate(token, concat(Uint8Array.of(subCommand), encoded))]]);
  if (params) request.set(2, params);
  return request;
}

describe("versions and the members behind them", () => {
  it("a 2.1 device reports none of 0x15-0x1F nor the 2.2 extensions; FIDO_2_2 adds them; FIDO_2_3 adds 0x1E, 0x1F and pinComplexityPolicy", async () => {
    key = await openTestKey();
    const old = await info(key);
    expect(old.get(1)).toEqual(["FIDO_2_0", "FIDO_2_1"]);
    expect([...old.keys()].filter((k) => k >= 0x15)).toEqual([]);
    expect(old.get(2)).not.toContain("hmac-secret-mc");
    await key.close();

    key = await openTestKey({ config: CTAP22 });
    const two = await info(key);
    expect(two.get(1)).toEqual(["FIDO_2_0", "FIDO_2_1", "FIDO_2_2"]);
    expect(two.get(2)).toEqual(expect.arrayContaining(["hmac-secret-mc", "thirdPartyPayment"]));
    expect(two.get(2)).not.toContain("pinComplexityPolicy");
    expect(two.get(0x16)).toEqual(["packed", "none"]);
    expect(two.get(0x17)).toBe(0);
    expect(two.has(0x18)).toBe(false);
    expect((two.get(0x19) as Uint8Array).length).toBe(32);
    expect(two.get(0x1b)).toBe(false);
    expect(Buffer.from(two.get(0x1c) as Uint8Array).toString()).toBe("https://example.com/pin-policy");
    expect(two.get(0x1d)).toBe(63);
    expect(two.has(0x1e) || two.has(0x1f)).toBe(false);
    expect((two.get(4) as Map<string, boolean>).get("perCredMgmtRO")).toBe(true);
    await key.close();

    key = await openTestKey({ config: CTAP23 });
    const three = await info(key);
    expect((three.get(0x1e) as Uint8Array).length).toBe(32);
    expect(three.get(0x1f)).toEqual([0x02, 0x03]);
    expect(three.get(2)).toContain("pinComplexityPolicy");
  });

  it("encIdentifier: a fresh IV on every getInfo, the same identifier behind it", async () => {
    key = await openTestKey({ config: CTAP22 });
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    const token = await platform.requireToken(PIN, PCMR);
    const a = (await info(key)).get(0x19) as Uint8Array;
    const b = (await info(key)).get(0x19) as Uint8Array;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(Buffer.from(decryptMember(a, "encIdentifier", token))).toEqual(Buffer.from(decryptMember(b, "encIdentifier", token)));
    expect(decryptMember(a, "encIdentifier", token).length).toBe(16);
  });
});

describe("uvCountSinceLastPinEntry (0x17)", () => {
  it("counts built-in verifications and starts over when the PIN is entered", async () => {
    key = await openTestKey({ config: CTAP22, presence: { uv: "on" } });
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    for (let i = 0; i < 3; i++) expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(0x01, "example.com")).status).toBe(Status.CTAP2_OK);
    expect((await info(key)).get(0x17)).toBe(3);
    await platform.requireToken(PIN, 0x01, "example.com");
    expect((await info(key)).get(0x17)).toBe(0);
  });
});

describe("the PIN policy: maxPINLength (0x1D) and pinComplexityPolicy (0x1B)", () => {
  it("maxPINLength refuses a longer PIN with PIN_POLICY_VIOLATION", async () => {
    key = await openTestKey({ config: { ...CTAP22, maxPinLength: 8 } });
    const platform = new PinPlatform(key.call, 2);
    expect((await info(key)).get(0x1d)).toBe(8);
    expect(await platform.setPin("135792468")).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    expect(await platform.setPin("13579246")).toBe(Status.CTAP2_OK);
  });

  it("setMinPINLength's pinComplexityPolicy turns the policy on: getInfo says so, an obvious PIN is refused, the old PIN must change", async () => {
    key = await openTestKey({ config: CTAP23, presence: { uv: "off" } });
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin("1234")).toBe(Status.CTAP2_OK);
    const token = await platform.requireToken("1234", 0x20);
    const params = new Map<number, unknown>([[4, true]]);
    const message = concat(new Uint8Array(32).fill(0xff), Uint8Array.of(0x0d, 0x03), encodeCanonical(params));
    const status = await key.call(CONFIG, new Map<number, unknown>([[1, 0x03], [2, params], [3, 2], [4, platform.authenticate(token, message)]]));
    expect(status.status).toBe(Status.CTAP2_OK);
    const now = await info(key);
    expect(now.get(0x1b)).toBe(true);
    expect(now.get(0x0c)).toBe(true); // forcePINChange: "1234" breaks the policy
    for (const weak of ["0000", "4321", "abcdef", "123123"]) expect(await platform.changePin("1234", weak)).toBe(Status.CTAP2_ERR_PIN_POLICY_VIOLATION);
    expect(await platform.changePin("1234", "8264")).toBe(Status.CTAP2_OK);
    expect((await info(key)).get(0x0c)).toBeUndefined();
  });

  it("a device without a policy refuses the parameter", async () => {
    key = await openTestKey({ config: { ...CTAP23, pinComplexityPolicy: undefined }, presence: { uv: "off" } });
    const params = new Map<number, unknown>([[4, true]]);
    expect((await key.call(CONFIG, new Map<number, unknown>([[1, 0x03], [2, params]]))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    expect((await info(key)).has(0x1b)).toBe(false);
  });
});

describe("attestationFormatsPreference (makeCredential 0x0B)", () => {
  it("the first format the device makes wins; none it makes leaves the device's own", async () => {
    key = await openTestKey({ config: CTAP22 });
    const fmt = async (preference?: string[]) => {
      const params = makeCredentialParams();
      if (preference) params.set(0x0b, preference);
      const { status, body } = await key!.call(MC, params);
      expect(status).toBe(Status.CTAP2_OK);
      return { fmt: body!.get(1), attStmt: body!.get(3) as Map<string, unknown> };
    };
    expect((await fmt()).fmt).toBe("packed");
    const none = await fmt(["none", "packed"]);
    expect(none).toEqual({ fmt: "none", attStmt: new Map() });
    expect((await fmt(["tpm", "apple", "packed"])).fmt).toBe("packed");
    expect((await fmt(["tpm"])).fmt).toBe("packed");
  });
});

describe("authenticatorReset: transportsForReset (0x1A) and longTouchForReset (0x18)", () => {
  it("refuses reset over a transport not listed, allows it over one listed; asks for a long touch", async () => {
    const asked: unknown[] = [];
    const presence = createPresence();
    const recording = { ...presence, requestPresence: (request: Parameters<typeof presence.requestPresence>[0]) => (asked.push(request), presence.requestPresence(request)) };
    const authenticator = new Authenticator({
      store: (await openTestKey()).store,
      presence: { ...recording, decidedAnswer: undefined, answersImmediately: true },
      config: defaultAuthenticatorConfig({ ...CTAP22, transports: ["usb", "nfc"], transportsForReset: ["nfc"], longTouchForReset: true }),
    });
    const info = parseResponse(await authenticator.transact(Uint8Array.of(INFO))).body!;
    expect(info.get(0x1a)).toEqual(["nfc"]);
    expect(info.get(0x18)).toBe(true);
    expect(parseResponse(await authenticator.transact(Uint8Array.of(RESET))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    expect(parseResponse(await authenticator.transact(Uint8Array.of(RESET), { transport: "usb" })).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    expect(asked).toEqual([]);
    expect(parseResponse(await authenticator.transact(Uint8Array.of(RESET), { transport: "nfc" })).status).toBe(Status.CTAP2_OK);
    expect(asked).toEqual([expect.objectContaining({ purpose: "reset", longTouch: true })]);
  });
});

describe("the persistent pinUvAuthToken (pcmr)", () => {
  for (const version of [1, 2] as PinProtocolVersion[]) {
    it(`protocol ${version}: reads credential management across a power cycle, may not delete or update, ends with a PIN change`, async () => {
      key = await openTestKey({ config: CTAP23, persistent: true, presence: { uv: "off" } });
      const platform = new PinPlatform(key.call, version);
      expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
      const cm = await platform.requireToken(PIN, 0x04);
      const mc = await platform.requireToken(PIN, 0x01, "example.com");
      const made = makeCredentialParams({ rk: true });
      made.set(8, platform.authenticate(mc, made.get(1) as Uint8Array));
      made.set(9, version);
      expect((await key.call(MC, made)).status).toBe(Status.CTAP2_OK);
      const ppuat = await platform.requireToken(PIN, PCMR);
      // pcmr comes alone.
      expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, PCMR | 0x04)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
      const state = decryptMember((await info(key)).get(0x1e) as Uint8Array, "encCredStoreState", ppuat);

      // A power cycle: a new Authenticator over the same store. The regular token is gone; the persistent one is not.
      const again = new Authenticator({ store: key.store, presence: createPresence({ uv: "off" }), config: defaultAuthenticatorConfig(CTAP23) });
      const call = async (command: number, params: Map<number, unknown> = new Map()) => parseResponse(await again.transact(concat(Uint8Array.of(command), encodeCanonical(params))));
      const metadata = await call(CRED_MGMT, credMgmtParams(platform, ppuat, 0x01));
      expect(metadata.status).toBe(Status.CTAP2_OK);
      expect(metadata.body!.get(1)).toBe(1);
      const rps = await call(CRED_MGMT, credMgmtParams(platform, ppuat, 0x02));
      expect((rps.body!.get(3) as Map<string, unknown>).get("id")).toBe("example.com");
      const creds = await call(CRED_MGMT, credMgmtParams(platform, ppuat, 0x04, new Map([[1, sha256("example.com")]])));
      expect(creds.status).toBe(Status.CTAP2_OK);
      expect(creds.body!.get(0x0c)).toBe(false); // thirdPartyPayment, CTAP 2.3
      const descriptor = creds.body!.get(7) as Map<string, unknown>;
      expect((await call(CRED_MGMT, credMgmtParams(platform, ppuat, 0x06, new Map([[2, descriptor]])))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
      const user = new Map<string, unknown>([["id", Uint8Array.of(1, 2, 3, 4)], ["name", "mallory"]]);
      expect((await call(CRED_MGMT, credMgmtParams(platform, ppuat, 0x07, new Map<number, unknown>([[2, descriptor], [3, user]])))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
      // The regular cm token died with the power cycle.
      expect((await call(CRED_MGMT, credMgmtParams(platform, cm, 0x01))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
      // Nothing changed, so neither did the credential store state.
      const infoAgain = parseResponse(await again.transact(Uint8Array.of(INFO))).body!;
      expect(Buffer.from(decryptMember(infoAgain.get(0x1e) as Uint8Array, "encCredStoreState", ppuat))).toEqual(Buffer.from(state));

      // Deleting with a regular token changes the state; a PIN change ends the persistent token.
      const platform2 = new PinPlatform(call, version);
      const cm2 = await platform2.requireToken(PIN, 0x04);
      expect((await call(CRED_MGMT, credMgmtParams(platform2, cm2, 0x06, new Map([[2, descriptor]])))).status).toBe(Status.CTAP2_OK);
      const after = parseResponse(await again.transact(Uint8Array.of(INFO))).body!;
      expect(Buffer.from(decryptMember(after.get(0x1e) as Uint8Array, "encCredStoreState", ppuat))).not.toEqual(Buffer.from(state));
      expect(await platform2.changePin(PIN, "9753")).toBe(Status.CTAP2_OK);
      expect((await call(CRED_MGMT, credMgmtParams(platform, ppuat, 0x01))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    });
  }

  it("without perCredMgmtRO, pcmr is UNAUTHORIZED_PERMISSION and no encrypted member is reported", async () => {
    key = await openTestKey({ config: { ...CTAP23, optionalFeatures: ["credMgmt", "authnrCfg"] } });
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    expect((await platform.getPinUvAuthTokenUsingPinWithPermissions(PIN, PCMR)).status).toBe(Status.CTAP2_ERR_UNAUTHORIZED_PERMISSION);
    const got = await info(key);
    expect(got.has(0x19) || got.has(0x1e)).toBe(false);
  });
});

describe("authenticatorConfig vendorPrototype (0xFF) and authenticatorConfigCommands (0x1F)", () => {
  it("a listed vendorCommandId runs behind the acfg token; another is INVALID_PARAMETER; getInfo lists 0xFF", async () => {
    key = await openTestKey({ config: { ...CTAP23, vendorPrototypeConfigCommands: [0x1234] }, presence: { uv: "off" } });
    const got = await info(key);
    expect(got.get(0x15)).toEqual([0x1234]);
    expect(got.get(0x1f)).toEqual([0x02, 0x03, 0xff]);
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    const token = await platform.requireToken(PIN, 0x20);
    const vendor = (id: number, auth = token) => {
      const params = new Map<number, unknown>([[1, id]]);
      const message = concat(new Uint8Array(32).fill(0xff), Uint8Array.of(0x0d, 0xff), encodeCanonical(params));
      return key!.call(CONFIG, new Map<number, unknown>([[1, 0xff], [2, params], [3, 2], [4, platform.authenticate(auth, message)]]));
    };
    expect((await vendor(0x1234)).status).toBe(Status.CTAP2_OK);
    expect((await vendor(0x9999)).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    expect((await vendor(0x1234, new Uint8Array(32))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
  });

  it("without vendor commands, 0xFF is an unsupported subCommand", async () => {
    key = await openTestKey({ config: CTAP23, presence: { uv: "off" } });
    expect((await key.call(CONFIG, new Map<number, unknown>([[1, 0xff], [2, new Map([[1, 1]])]]))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
  });
});

describe("extensions: hmac-secret-mc, thirdPartyPayment, pinComplexityPolicy", () => {
  it("hmac-secret-mc answers at creation what hmac-secret answers at assertion for the same salt", async () => {
    key = await openTestKey({ config: CTAP22 });
    const platform = new PinPlatform(key.call, 2);
    const salt = new Uint8Array(32).fill(0x5a);
    const input = async () => {
      const { platformKey, sharedSecret } = await platform.getKeyAgreement();
      const saltEnc = platform.crypto.encrypt(sharedSecret, salt);
      return { sharedSecret, map: new Map<number, unknown>([[1, platformKey], [2, saltEnc], [3, platform.crypto.authenticate(sharedSecret, saltEnc)], [4, 2]]) };
    };
    const atCreate = await input();
    const params = makeCredentialParams();
    params.set(6, new Map<string, unknown>([["hmac-secret", true], ["hmac-secret-mc", atCreate.map]]));
    const made = await key.call(MC, params);
    expect(made.status).toBe(Status.CTAP2_OK);
    const authData = made.body!.get(2) as Uint8Array;
    const mcOutput = extensionsOf(authData)!.get("hmac-secret-mc") as Uint8Array;
    const fromCreate = platform.crypto.decrypt(atCreate.sharedSecret, mcOutput);
    const credentialId = authData.subarray(55, 55 + ((authData[53]! << 8) | authData[54]!));

    const atGet = await input();
    const get = getAssertionParams({ allowList: [new Uint8Array(credentialId)] });
    get.set(4, new Map([["hmac-secret", atGet.map]]));
    const asserted = await key.call(GA, get);
    const fromGet = platform.crypto.decrypt(atGet.sharedSecret, extensionsOf(asserted.body!.get(2) as Uint8Array)!.get("hmac-secret") as Uint8Array);
    expect(Buffer.from(fromCreate)).toEqual(Buffer.from(fromGet));
    expect(fromCreate.length).toBe(32);
    // Without hmac-secret there is no CredRandom, so no output.
    const alone = makeCredentialParams({ userId: Uint8Array.of(9) });
    alone.set(6, new Map<string, unknown>([["hmac-secret-mc", (await input()).map]]));
    expect(extensionsOf((await key.call(MC, alone)).body!.get(2) as Uint8Array)).toBeUndefined();
  });

  it("thirdPartyPayment is stored with the credential and reported by getAssertion", async () => {
    key = await openTestKey({ config: CTAP22 });
    const ids: Uint8Array[] = [];
    for (const payment of [true, false]) {
      const params = makeCredentialParams({ userId: Uint8Array.of(payment ? 1 : 2) });
      params.set(6, new Map([["thirdPartyPayment", payment]]));
      const { body } = await key.call(MC, params);
      const authData = body!.get(2) as Uint8Array;
      expect(extensionsOf(authData)).toBeUndefined();
      ids.push(new Uint8Array(authData.subarray(55, 55 + ((authData[53]! << 8) | authData[54]!))));
    }
    for (const [i, expected] of [true, false].entries()) {
      const get = getAssertionParams({ allowList: [ids[i]!] });
      get.set(4, new Map([["thirdPartyPayment", true]]));
      expect(extensionsOf((await key.call(GA, get)).body!.get(2) as Uint8Array)!.get("thirdPartyPayment")).toBe(expected);
    }
  });

  it("pinComplexityPolicy answers only RPs named in minPinLengthRPIDs", async () => {
    key = await openTestKey({ config: CTAP23, presence: { uv: "off" } });
    // With no PIN and no built-in UV the key is not protected: authenticatorConfig needs no token (section 6.11 step 3).
    const params = new Map<number, unknown>([[2, ["example.com"]], [4, true]]);
    expect((await key.call(CONFIG, new Map<number, unknown>([[1, 0x03], [2, params]]))).status).toBe(Status.CTAP2_OK);
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    const output = async (rpId: string) => {
      const mcToken = await platform.requireToken(PIN, 0x01, rpId);
      const made = makeCredentialParams({ rpId });
      made.set(6, new Map([["pinComplexityPolicy", true]]));
      made.set(8, platform.authenticate(mcToken, made.get(1) as Uint8Array));
      made.set(9, 2);
      const { status, body } = await key!.call(MC, made);
      expect(status).toBe(Status.CTAP2_OK);
      return extensionsOf(body!.get(2) as Uint8Array)?.get("pinComplexityPolicy");
    };
    expect(await output("example.com")).toBe(true);
    expect(await output("other.example")).toBeUndefined();
  });
});

// A guard against helpers drifting from the spec's HMAC (used by PinPlatform).
it("pinUvAuthParam is HMAC-SHA-256 truncated to 16 bytes under protocol one", () => {
  const token = new Uint8Array(32).fill(1);
  const expected = createHmac("sha256", token).update("m").digest().subarray(0, 16);
  expect(Buffer.from(new PinPlatform(async () => ({ status: 0 }), 1).authenticate(token, new Uint8Array(Buffer.from("m"))))).toEqual(expected);
});
