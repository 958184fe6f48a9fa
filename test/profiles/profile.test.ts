/** Profiles: validation that names the bad field, and what each built-in profile makes the device say. */
import { afterEach, describe, expect, it } from "vitest";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { Status } from "../../src/ctap/status.js";
import { BUILT_IN_PROFILES, builtInProfile, defaultProfile, ProfileError, validateProfile, type Profile } from "../../src/profiles/index.js";
import type { Softkey } from "../../src/softkey.js";
import { makeCredentialParams, concat } from "../helpers/ctap.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { ORIGIN, RP_ID, TestDevice } from "../helpers/relyingParty.js";

let device: TestDevice | undefined;
afterEach(async () => {
  await device?.dispose();
  device = undefined;
});

async function getInfo(key: Softkey): Promise<Map<number, unknown>> {
  const answer = await key.authenticator.transact(Uint8Array.of(0x04));
  expect(answer[0]).toBe(Status.CTAP2_OK);
  return decodeCbor(answer.subarray(1)) as Map<number, unknown>;
}

describe("validateProfile", () => {
  it("accepts every built-in profile as it is, and a JSON round trip of it", () => {
    for (const profile of BUILT_IN_PROFILES) expect(validateProfile(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
  });

  // A profile as loose JSON, to spoil one field at a time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Loose = Record<string, any>;
  const cases: [string, (p: Loose) => void, string][] = [
    ["a count of 0", (p) => (p.getInfo.maxCredentialCountInList = 0), "profile.getInfo.maxCredentialCountInList: expected a positive integer, got 0"],
    ["a count that is text", (p) => (p.getInfo.maxCredentialCountInList = "16"), 'profile.getInfo.maxCredentialCountInList: expected a positive integer, got "16"'],
    ["a missing version", (p) => delete p.profileVersion, "profile.profileVersion: expected 1 (missing)"],
    ["a future version", (p) => (p.profileVersion = 2), "profile.profileVersion: expected 1, got 2"],
    ["a bad AAGUID", (p) => (p.aaguid = "nope"), 'profile.aaguid: expected a UUID such as "00000000-0000-0000-0000-000000000000", got "nope"'],
    ["an unknown attestation format", (p) => (p.attestation.format = "tpm"), 'profile.attestation.format: expected one of "packed", "none", "fido-u2f", got "tpm"'],
    ["an algorithm softkey lacks", (p) => (p.algorithms = [-7, -47]), "profile.algorithms[1]: softkey implements -7, -8, -35, -36, -9, -51, -52, -19, -53, -257, -48, -49, -50, not -47"],
    ["an unknown transport", (p) => (p.transports = ["usb", "carrier-pigeon"]), 'profile.transports[1]: expected one of "usb", "nfc", "ble", "smart-card", "hybrid", "internal", got "carrier-pigeon"'],
    ["an unknown counter mode", (p) => (p.counter = "sometimes"), 'profile.counter: expected one of "per-credential", "global", "zero", got "sometimes"'],
    ["BS without BE", (p) => (p.backup = { eligible: false, state: true }), "profile.backup.state: true needs eligible true (WebAuthn L3: BS=1 requires BE=1)"],
    ["a typo", (p) => (p.getInfo.option = {}), "profile.getInfo.option: unknown field"],
    ["an unknown option", (p) => (p.getInfo.options.ep = true), "profile.getInfo.options.ep: unknown field"],
    ["an extension softkey lacks", (p) => (p.getInfo.extensions = ["credProtect", "previewSign"]), 'profile.getInfo.extensions[1]: expected one of'],
    ["remainingDiscoverableCredentials", (p) => (p.getInfo.remainingDiscoverableCredentials = 5), "profile.getInfo.remainingDiscoverableCredentials: not a profile field: give maxDiscoverableCredentials"],
    ["IDs longer than the limit", (p) => (p.getInfo.maxCredentialIdLength = 16), "profile.getInfo.maxCredentialIdLength: softkey's credential IDs are 32 bytes"],
    ["U2F_V2 without u2f", (p) => (p.u2f = false), 'profile.getInfo.versions: has "U2F_V2" but u2f is false'],
    ["no getInfo and no u2f", (p) => { delete p.getInfo; p.u2f = false; }, 'profile.getInfo: missing: a profile without getInfo is a CTAP1/U2F-only key and needs "u2f": true'],
    ["a boolean as text", (p) => (p.u2f = "yes"), 'profile.u2f: expected true or false, got "yes"'],
    ["not an object", (p) => (p.backup = [true, false]), "profile.backup: expected an object, got [true,false]"],
    ["an unknown request CBOR mode", (p) => (p.requestCbor = "sloppy"), 'profile.requestCbor: expected one of "canonical", "lenient", got "sloppy"'],
  ];
  it.each(cases)("names the field for %s", (_what, spoil, message) => {
    const profile = JSON.parse(JSON.stringify(defaultProfile())) as Loose;
    spoil(profile);
    let error: unknown;
    try {
      validateProfile(profile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as Error).message.startsWith(message)).toBe(true);
    expect((error as Error).message).not.toMatch(/\n/);
  });
});

describe("built-in profiles", () => {
  it("softkey-roaming (the default): CTAP 2.2 roaming key with U2F, ES256 and EdDSA, built-in UV, every extension", async () => {
    device = await TestDevice.create();
    expect(device.key.profile.name).toBe("softkey-roaming");
    const info = await getInfo(device.key);
    expect(info.get(0x01)).toEqual(["U2F_V2", "FIDO_2_0", "FIDO_2_1", "FIDO_2_2"]);
    // CTAP 2.3's pinComplexityPolicy extension is not claimed by a 2.2 key.
    expect(info.get(0x02)).toEqual(["credProtect", "hmac-secret", "hmac-secret-mc", "credBlob", "largeBlobKey", "minPinLength", "thirdPartyPayment"]);
    expect(Buffer.from(info.get(0x03) as Uint8Array).toString("hex")).toBe("1d22abe7f7cc493e87322b75abc380a7");
    expect(Object.fromEntries(info.get(0x04) as Map<string, boolean>)).toMatchObject({ rk: true, plat: false, uv: true, credMgmt: true });
    expect(info.get(0x07)).toBe(16);
    expect(info.get(0x08)).toBe(128);
    expect(info.get(0x09)).toEqual(["usb"]);
    expect((info.get(0x0a) as Map<string, unknown>[]).map((a) => a.get("alg"))).toEqual([-7, -8]);
    expect(device.key.authenticator.context.config).toMatchObject({ u2f: true, counter: "per-credential", ctap2: true });
  });

  it("platform-passkey: plat, internal and hybrid, ES256 only, built-in UV; the client reports a platform attachment", async () => {
    device = await TestDevice.create({ profile: "platform-passkey" });
    const info = await getInfo(device.key);
    expect(info.get(0x01)).toEqual(["FIDO_2_0", "FIDO_2_1"]);
    expect((info.get(0x04) as Map<string, boolean>).get("plat")).toBe(true);
    expect((info.get(0x04) as Map<string, boolean>).get("uv")).toBe(true);
    expect(info.get(0x09)).toEqual(["internal", "hybrid"]);
    expect((info.get(0x0a) as Map<string, unknown>[]).map((a) => a.get("alg"))).toEqual([-7]);
    expect(device.key.authenticator.context.config).toMatchObject({ u2f: false, counter: "zero", backupEligible: true, backupState: true, attestationFormat: "none" });
    const response = await device.key.create(
      {
        rp: { id: RP_ID, name: "Example" },
        user: { id: "dXNlcg", name: "user", displayName: "User" },
        challenge: "Y2hhbGxlbmdl",
        pubKeyCredParams: [{ type: "public-key", alg: -7 }],
        authenticatorSelection: { authenticatorAttachment: "platform", residentKey: "required" },
      },
      { origin: ORIGIN },
    );
    expect(response.authenticatorAttachment).toBe("platform");
    expect([...response.response.transports].sort()).toEqual(["hybrid", "internal"]);
  });

  it("u2f-only: no CTAP2 at all (getInfo and makeCredential answer INVALID_COMMAND); softkey's client falls back to U2F, as Chrome does", async () => {
    device = await TestDevice.create({ profile: "u2f-only" });
    expect(device.key.device).toMatchObject({ aaguid: "00000000-0000-0000-0000-000000000000", attestation: "fido-u2f" });
    expect(device.key.authenticator.context.config).toMatchObject({ ctap2: false, u2f: true, counter: "global", algorithms: [-7] });
    expect(await device.key.authenticator.transact(Uint8Array.of(0x04))).toEqual(Uint8Array.of(Status.CTAP1_ERR_INVALID_COMMAND));
    const mc = concat(Uint8Array.of(0x01), encodeCanonical(makeCredentialParams()));
    expect(await device.key.authenticator.transact(mc)).toEqual(Uint8Array.of(Status.CTAP1_ERR_INVALID_COMMAND));
    const created = await device.key.create(
      { rp: { id: RP_ID, name: "Example" }, user: { id: "dXNlcg", name: "u", displayName: "U" }, challenge: "Y2hhbGxlbmdl", pubKeyCredParams: [{ type: "public-key", alg: -7 }], attestation: "direct" },
      { origin: ORIGIN },
    );
    const attestation = decodeCbor(Buffer.from(created.response.attestationObject, "base64url")) as Map<string, unknown>;
    expect(attestation.get("fmt")).toBe("fido-u2f");
  });

  it("the profile survives a reset (it is the device, not its user's data)", async () => {
    device = await TestDevice.create({ profile: "platform-passkey" });
    const answer = await device.key.authenticator.transact(Uint8Array.of(0x07));
    expect(answer[0]).toBe(Status.CTAP2_OK);
    await device.reopen();
    expect(device.key.profile.name).toBe("platform-passkey");
  });
});

describe("a custom profile", () => {
  const custom = (): Profile => ({
    ...defaultProfile(),
    name: "lean-key",
    u2f: false,
    getInfo: {
      options: { uv: false, rk: false, credMgmt: false, largeBlobs: false },
      extensions: ["credProtect"],
      maxCredentialCountInList: 8,
      maxCredentialIdLength: 64,
      maxDiscoverableCredentials: 25,
      firmwareVersion: 7,
    },
  });

  it("shapes getInfo: no built-in UV, no rk, fewer features and extensions, its own limits", async () => {
    device = await TestDevice.create({ profile: custom() });
    const info = await getInfo(device.key);
    expect(info.get(0x01)).toEqual(["FIDO_2_0", "FIDO_2_1"]);
    expect(info.get(0x02)).toEqual(["credProtect"]);
    const options = info.get(0x04) as Map<string, boolean>;
    expect(options.has("uv")).toBe(false);
    expect(options.get("rk")).toBe(false);
    expect(options.has("credMgmt")).toBe(false);
    expect(options.has("largeBlobs")).toBe(false);
    expect(options.get("authnrCfg")).toBe(true);
    expect([info.get(0x07), info.get(0x08), info.get(0x0e), info.get(0x14)]).toEqual([8, 64, 7, 25]);
  });

  it("refuses rk=true when the profile has no discoverable credentials, and ignores an extension it does not offer", async () => {
    device = await TestDevice.create({ profile: custom() });
    const transact = (params: Map<number, unknown>) => device!.key.authenticator.transact(concat(Uint8Array.of(0x01), encodeCanonical(params)));
    expect(await transact(makeCredentialParams({ rk: true }))).toEqual(Uint8Array.of(Status.CTAP2_ERR_UNSUPPORTED_OPTION));
    const params = makeCredentialParams();
    params.set(0x06, new Map<string, unknown>([["hmac-secret", true], ["credProtect", 1]]));
    const answer = await transact(params);
    expect(answer[0]).toBe(Status.CTAP2_OK);
    const authData = (decodeCbor(answer.subarray(1)) as Map<number, unknown>).get(2) as Uint8Array;
    expect(Buffer.from(authData).includes(Buffer.from("hmac-secret"))).toBe(false);
    expect(Buffer.from(authData).includes(Buffer.from("credProtect"))).toBe(true);
  });

  it("init options override the profile's AAGUID and attestation", async () => {
    device = await TestDevice.create({ profile: "softkey-roaming", aaguid: "11111111-2222-3333-4444-555555555555", attestation: "none" });
    expect(device.key.device).toMatchObject({ aaguid: "11111111-2222-3333-4444-555555555555", attestation: "none", profile: { name: "softkey-roaming" } });
    expect(builtInProfile("nope")).toBeUndefined();
  });
});
