/**
 * The CTAP 2.1 section 12 extensions, driven through the real core with raw
 * CTAP bytes. Outputs are read out of the authenticator data independently
 * of the code under test, and the platform side of hmac-secret (ECDH, KDF,
 * AES, HMAC) comes from test/helpers/pinPlatform.ts, written from the spec
 * independently of src/authenticator/pin and src/ctap/pinUvAuthProtocol.ts.
 */
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { loadPinState, savePinState } from "../../src/authenticator/pin/pinState.js";
import { assertCanonicalCbor } from "../helpers/canonicalCbor.js";
import { concat, getAssertionParams, makeCredentialParams, openTestKey, type TestKey } from "../helpers/ctap.js";
import { PinPlatform, PinProtocolCrypto, type KeyAgreement, type PinProtocolVersion } from "../helpers/pinPlatform.js";

const MC = 0x01;
const GA = 0x02;
const INFO = 0x04;
const NEXT = 0x08;

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;
const ED = 0x80;

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

// ---- reading authenticator data ---------------------------------------------------------------

/** Length of the CBOR item starting at `start` (enough of CBOR for COSE keys). */
function cborItemLength(bytes: Uint8Array, start: number): number {
  let at = start;
  const skip = (): void => {
    const initial = bytes[at++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    let argument = info;
    if (info > 26) throw new Error(`unexpected CBOR additional info ${info}`);
    if (info >= 24) {
      const size = 1 << (info - 24);
      argument = Buffer.from(bytes.subarray(at, at + size)).readUIntBE(0, size);
      at += size;
    }
    if (major === 2 || major === 3) at += argument;
    else if (major === 4) for (let i = 0; i < argument; i++) skip();
    else if (major === 5) for (let i = 0; i < 2 * argument; i++) skip();
    else if (major === 6) skip();
  };
  skip();
  return at - start;
}

interface Parsed {
  flags: number;
  credentialId?: Uint8Array;
  /** The extensions map, when the ED flag is set. */
  extensions?: Map<string, unknown>;
}

/** Splits authenticator data: the 37-byte header, attested credential data when AT, extensions when ED. */
function parse(authData: Uint8Array): Parsed {
  const flags = authData[32]!;
  let offset = 37;
  const parsed: Parsed = { flags };
  if (flags & AT) {
    const idLength = (authData[53]! << 8) | authData[54]!;
    parsed.credentialId = new Uint8Array(authData.subarray(55, 55 + idLength));
    offset = 55 + idLength;
    offset += cborItemLength(authData, offset);
  }
  if (flags & ED) {
    const bytes = authData.subarray(offset);
    assertCanonicalCbor(bytes);
    parsed.extensions = decodeCbor(bytes) as Map<string, unknown>;
  } else {
    expect(offset).toBe(authData.length);
  }
  return parsed;
}

function withExtensions(params: Map<number, unknown>, key: number, extensions: [string, unknown][]): Map<number, unknown> {
  params.set(key, new Map(extensions));
  return params;
}

async function register(k: TestKey, extensions: [string, unknown][], overrides: Parameters<typeof makeCredentialParams>[0] = {}) {
  const { status, body } = await k.call(MC, withExtensions(makeCredentialParams(overrides), 6, extensions));
  expect(status).toBe(Status.CTAP2_OK);
  const authData = parse(body!.get(2) as Uint8Array);
  return { body: body!, authData, credentialId: authData.credentialId! };
}

async function assertWith(k: TestKey, extensions: [string, unknown][], overrides: Parameters<typeof getAssertionParams>[0] = {}) {
  const response = await k.call(GA, withExtensions(getAssertionParams(overrides), 4, extensions));
  return { ...response, authData: response.body ? parse(response.body.get(2) as Uint8Array) : undefined };
}

// ---- the platform side of hmac-secret, over the shared PIN/UV auth protocol helper ---------------

/** One key agreement with the authenticator, and the hmac-secret input and output crypto under its shared secret. */
class HmacSecretPlatform {
  private constructor(
    private readonly crypto: PinProtocolCrypto,
    private readonly agreement: KeyAgreement,
  ) {}

  static async open(k: TestKey, version: PinProtocolVersion): Promise<HmacSecretPlatform> {
    const platform = new PinPlatform(k.call, version);
    return new HmacSecretPlatform(platform.crypto, await platform.getKeyAgreement());
  }

  get keyAgreement(): Map<number, unknown> {
    return this.agreement.platformKey;
  }

  /** {1: keyAgreement, 2: saltEnc, 3: saltAuth, 4: pinUvAuthProtocol} for one or two salts. */
  input(salts: Uint8Array[], options: { sendVersion?: boolean } = {}): Map<number, unknown> {
    const saltEnc = this.crypto.encrypt(this.agreement.sharedSecret, concat(...salts));
    const saltAuth = this.crypto.authenticate(this.agreement.sharedSecret, saltEnc);
    const input = new Map<number, unknown>([[1, this.keyAgreement], [2, saltEnc], [3, saltAuth]]);
    if (options.sendVersion ?? true) input.set(4, this.crypto.version);
    return input;
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    return this.crypto.decrypt(this.agreement.sharedSecret, ciphertext);
  }
}

const salt1 = new Uint8Array(32).fill(0xa5);
const salt2 = new Uint8Array(32).fill(0x96);

/** Runs one hmac-secret getAssertion and returns the decrypted outputs. */
async function hmacOutputs(k: TestKey, credentialId: Uint8Array, version: 1 | 2, salts: Uint8Array[], uv?: boolean): Promise<Uint8Array> {
  const platform = await HmacSecretPlatform.open(k, version);
  const { status, authData } = await assertWith(k, [["hmac-secret", platform.input(salts)]], { allowList: [credentialId], uv });
  expect(status).toBe(Status.CTAP2_OK);
  expect(authData!.flags & ED).toBe(ED);
  expect(authData!.flags & UV).toBe(uv ? UV : 0);
  const encrypted = authData!.extensions!.get("hmac-secret") as Uint8Array;
  expect(encrypted.length).toBe(salts.length * 32 + (version === 2 ? 16 : 0));
  return platform.decrypt(encrypted);
}

// ---- tests -------------------------------------------------------------------------------------

describe("getInfo", () => {
  it("lists the extensions and maxCredBlobLength", async () => {
    key = await openTestKey();
    const { body } = await key.call(INFO);
    expect(body!.get(2)).toEqual(["credProtect", "hmac-secret", "credBlob", "largeBlobKey", "minPinLength"]);
    expect(body!.get(0x0f)).toBe(32);
  });
});

describe("credProtect", () => {
  it.each([1, 2, 3])("stores level %i and reports it in the authenticator data", async (level) => {
    key = await openTestKey();
    const { authData, credentialId } = await register(key, [["credProtect", level]], { rk: true, uv: true });
    expect(authData.flags & (ED | AT)).toBe(ED | AT);
    expect([...authData.extensions!]).toEqual([["credProtect", level]]);
    expect((await key.store.findCredential(credentialId))!.extensions?.credProtect).toBe(level);
  });

  it("level 2: a discoverable lookup without UV does not see it; an allowList or UV does", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["credProtect", 2]], { rk: true, uv: true });
    expect((await key.call(GA, getAssertionParams())).status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId] }))).status).toBe(Status.CTAP2_OK);
    expect((await key.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_OK);
  });

  it("level 2: hidden from a discoverable lookup without UV while a level-1 credential stays visible", async () => {
    key = await openTestKey();
    await register(key, [["credProtect", 2]], { rk: true, uv: true, userId: Uint8Array.of(1) });
    const open = await register(key, [], { rk: true, uv: true, userId: Uint8Array.of(2) });
    const { status, body } = await key.call(GA, getAssertionParams());
    expect(status).toBe(Status.CTAP2_OK);
    expect((body!.get(1) as Map<string, unknown>).get("id")).toEqual(open.credentialId);
    expect(body!.has(5)).toBe(false); // one credential only
  });

  it("level 3: needs UV even with an allowList", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["credProtect", 3]], { rk: true, uv: true });
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
    expect((await key.call(GA, getAssertionParams())).status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId], uv: true }))).status).toBe(Status.CTAP2_OK);
    expect((await key.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_OK);
  });

  it("level 3: an excludeList match without UV is ignored, with UV it excludes", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["credProtect", 3]], { uv: true });
    const params = makeCredentialParams({ excludeList: [credentialId], userId: Uint8Array.of(9) });
    expect((await key.call(MC, params)).status).toBe(Status.CTAP2_OK);
    expect((await key.call(MC, makeCredentialParams({ excludeList: [credentialId], uv: true }))).status).toBe(Status.CTAP2_ERR_CREDENTIAL_EXCLUDED);
    const level2 = await register(key, [["credProtect", 2]]);
    expect((await key.call(MC, makeCredentialParams({ excludeList: [level2.credentialId] }))).status).toBe(Status.CTAP2_ERR_CREDENTIAL_EXCLUDED);
  });

  it.each([
    ["an undefined level", 4, Status.CTAP1_ERR_INVALID_PARAMETER],
    ["level 0", 0, Status.CTAP1_ERR_INVALID_PARAMETER],
    ["a text value", "userVerificationRequired", Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
  ])("rejects %s and stores nothing", async (_name, value, expected) => {
    key = await openTestKey();
    expect((await key.call(MC, withExtensions(makeCredentialParams(), 6, [["credProtect", value]]))).status).toBe(expected);
    expect((await key.store.countCredentials()).total).toBe(0);
  });
});

describe("hmac-secret", () => {
  it("makeCredential answers true and keeps two 32-byte secrets with the credential", async () => {
    key = await openTestKey();
    const { authData, credentialId } = await register(key, [["hmac-secret", true]]);
    expect([...authData.extensions!]).toEqual([["hmac-secret", true]]);
    const state = (await key.store.findCredential(credentialId))!.extensions!.hmacSecret as Record<string, Uint8Array>;
    expect(state.credRandomWithUv).toHaveLength(32);
    expect(state.credRandomWithoutUv).toHaveLength(32);
    expect(state.credRandomWithUv).not.toEqual(state.credRandomWithoutUv);
  });

  it("false asks for nothing", async () => {
    key = await openTestKey();
    const { authData, credentialId } = await register(key, [["hmac-secret", false]]);
    expect(authData.flags & ED).toBe(0);
    expect((await key.store.findCredential(credentialId))!.extensions?.hmacSecret).toBeUndefined();
  });

  it.each([1, 2] as const)("protocol %i: HMAC-SHA-256(CredRandom, salt), stable, and different with UV", async (version) => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["hmac-secret", true]]);
    const withoutUv = await hmacOutputs(key, credentialId, version, [salt1]);
    // Independently: the output is HMAC-SHA-256 keyed with CredRandomWithoutUV.
    const state = (await key.store.findCredential(credentialId))!.extensions!.hmacSecret as Record<string, Uint8Array>;
    expect(withoutUv).toEqual(new Uint8Array(createHmac("sha256", state.credRandomWithoutUv!).update(salt1).digest()));
    expect(await hmacOutputs(key, credentialId, version, [salt1])).toEqual(withoutUv);
    const withUv = await hmacOutputs(key, credentialId, version, [salt1], true);
    expect(withUv).toEqual(new Uint8Array(createHmac("sha256", state.credRandomWithUv!).update(salt1).digest()));
    expect(withUv).not.toEqual(withoutUv);
    expect(await hmacOutputs(key, credentialId, version, [salt2])).not.toEqual(withoutUv);
  });

  it.each([1, 2] as const)("protocol %i: two salts give output1 || output2", async (version) => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["hmac-secret", true]]);
    const one = await hmacOutputs(key, credentialId, version, [salt1]);
    const other = await hmacOutputs(key, credentialId, version, [salt2]);
    expect(await hmacOutputs(key, credentialId, version, [salt1, salt2])).toEqual(concat(one, other));
  });

  it("both protocols reach the same secret", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["hmac-secret", true]]);
    expect(await hmacOutputs(key, credentialId, 1, [salt1], true)).toEqual(await hmacOutputs(key, credentialId, 2, [salt1], true));
  });

  it("an absent pinUvAuthProtocol means protocol one", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["hmac-secret", true]]);
    const expected = await hmacOutputs(key, credentialId, 1, [salt1]);
    const platform = await HmacSecretPlatform.open(key, 1);
    const { status, authData } = await assertWith(key, [["hmac-secret", platform.input([salt1], { sendVersion: false })]], { allowList: [credentialId] });
    expect(status).toBe(Status.CTAP2_OK);
    expect(platform.decrypt(authData!.extensions!.get("hmac-secret") as Uint8Array)).toEqual(expected);
  });

  it("each credential of a getNextAssertion run gets its own output", async () => {
    key = await openTestKey();
    await register(key, [["hmac-secret", true]], { rk: true, uv: true, userId: Uint8Array.of(1) });
    await register(key, [["hmac-secret", true]], { rk: true, uv: true, userId: Uint8Array.of(2) });
    const platform = await HmacSecretPlatform.open(key, 2);
    const first = await assertWith(key, [["hmac-secret", platform.input([salt1])]], { uv: true });
    expect(first.status).toBe(Status.CTAP2_OK);
    expect(first.body!.get(5)).toBe(2);
    const next = await key.call(NEXT);
    expect(next.status).toBe(Status.CTAP2_OK);
    const outputs = [first.authData!, parse(next.body!.get(2) as Uint8Array)].map((a) => platform.decrypt(a.extensions!.get("hmac-secret") as Uint8Array));
    expect(outputs[0]).toHaveLength(32);
    expect(outputs[1]).toHaveLength(32);
    expect(outputs[0]).not.toEqual(outputs[1]);
  });

  it("a credential made without hmac-secret gives no output", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, []);
    const platform = await HmacSecretPlatform.open(key, 2);
    const { status, authData } = await assertWith(key, [["hmac-secret", platform.input([salt1])]], { allowList: [credentialId] });
    expect(status).toBe(Status.CTAP2_OK);
    expect(authData!.flags & ED).toBe(0);
  });

  it.each([1, 2] as const)("protocol %i: a wrong saltAuth is CTAP2_ERR_PIN_AUTH_INVALID", async (version) => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["hmac-secret", true]]);
    const platform = await HmacSecretPlatform.open(key, version);
    const input = platform.input([salt1]);
    const saltAuth = new Uint8Array(input.get(3) as Uint8Array);
    saltAuth[0]! ^= 1;
    input.set(3, saltAuth);
    expect((await assertWith(key, [["hmac-secret", input]], { allowList: [credentialId] })).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    // Authenticated under another shared secret: also rejected.
    const stranger = await HmacSecretPlatform.open(key, version);
    const foreign = platform.input([salt1]);
    foreign.set(1, stranger.keyAgreement);
    expect((await assertWith(key, [["hmac-secret", foreign]], { allowList: [credentialId] })).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
  });

  it("rejects salts that are not 32 or 64 bytes, up=false, an unknown protocol and a missing member", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["hmac-secret", true]]);
    const platform = await HmacSecretPlatform.open(key, 2);
    const allowList = [credentialId];
    const short = platform.input([new Uint8Array(16)]);
    expect((await assertWith(key, [["hmac-secret", short]], { allowList })).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    const long = platform.input([salt1, salt2, salt1]);
    expect((await assertWith(key, [["hmac-secret", long]], { allowList })).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    // CTAP 2.1 section 12.5: "If "up" is set to false, authenticator returns CTAP2_ERR_UNSUPPORTED_OPTION."
    const silent = await assertWith(key, [["hmac-secret", platform.input([salt1])]], { allowList, up: false });
    expect(silent.status).toBe(Status.CTAP2_ERR_UNSUPPORTED_OPTION);
    const unknown = platform.input([salt1]);
    unknown.set(4, 3);
    expect((await assertWith(key, [["hmac-secret", unknown]], { allowList })).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    const missing = platform.input([salt1]);
    missing.delete(3);
    expect((await assertWith(key, [["hmac-secret", missing]], { allowList })).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    expect((await assertWith(key, [["hmac-secret", true]], { allowList })).status).toBe(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
    // None of these used up a signature: the next good assertion still works.
    expect(await hmacOutputs(key, credentialId, 2, [salt1])).toHaveLength(32);
  });
});

describe("credBlob", () => {
  it("stores up to maxCredBlobLength bytes and returns them at getAssertion", async () => {
    key = await openTestKey();
    const blob = new Uint8Array(32).map((_, i) => i + 1);
    const { authData, credentialId } = await register(key, [["credBlob", blob]]);
    expect([...authData.extensions!]).toEqual([["credBlob", true]]);
    const { status, authData: assertion } = await assertWith(key, [["credBlob", true]], { allowList: [credentialId] });
    expect(status).toBe(Status.CTAP2_OK);
    expect(assertion!.flags & (ED | UP)).toBe(ED | UP);
    expect(assertion!.extensions!.get("credBlob")).toEqual(blob);
  });

  it("a blob over maxCredBlobLength is not stored: false, then an empty byte string", async () => {
    key = await openTestKey();
    const { authData, credentialId } = await register(key, [["credBlob", new Uint8Array(33)]]);
    expect([...authData.extensions!]).toEqual([["credBlob", false]]);
    const { authData: assertion } = await assertWith(key, [["credBlob", true]], { allowList: [credentialId] });
    expect(assertion!.extensions!.get("credBlob")).toEqual(new Uint8Array(0));
  });

  it("getAssertion without asking (false) has no output", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [["credBlob", Uint8Array.of(1)]]);
    const { status, authData } = await assertWith(key, [["credBlob", false]], { allowList: [credentialId] });
    expect(status).toBe(Status.CTAP2_OK);
    expect(authData!.flags & ED).toBe(0);
  });

  it("rejects a blob that is not a byte string", async () => {
    key = await openTestKey();
    expect((await key.call(MC, withExtensions(makeCredentialParams(), 6, [["credBlob", "text"]]))).status).toBe(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
  });
});

describe("largeBlobKey", () => {
  it("a discoverable credential gets a 32-byte key, returned unsigned (0x05), then at getAssertion (0x07)", async () => {
    key = await openTestKey();
    const { body, authData, credentialId } = await register(key, [["largeBlobKey", true]], { rk: true, uv: true });
    const largeBlobKey = body.get(5) as Uint8Array;
    expect(largeBlobKey).toHaveLength(32);
    expect(authData.flags & ED).toBe(0); // nothing in the signed data
    const { status, body: assertion, authData: assertionData } = await assertWith(key, [["largeBlobKey", true]], { allowList: [credentialId] });
    expect(status).toBe(Status.CTAP2_OK);
    expect(assertion!.get(7)).toEqual(largeBlobKey);
    expect(assertionData!.flags & ED).toBe(0);
    // Only when asked.
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId] }))).body!.has(7)).toBe(false);
  });

  it("every credential of a getNextAssertion run brings its own key", async () => {
    key = await openTestKey();
    const a = await register(key, [["largeBlobKey", true]], { rk: true, uv: true, userId: Uint8Array.of(1) });
    const b = await register(key, [["largeBlobKey", true]], { rk: true, uv: true, userId: Uint8Array.of(2) });
    const first = await assertWith(key, [["largeBlobKey", true]], { uv: true });
    const next = await key.call(NEXT);
    const keys = [first.body!.get(7), next.body!.get(7)];
    expect(keys).toHaveLength(2);
    expect(new Set(keys.map((k) => Buffer.from(k as Uint8Array).toString("hex")))).toEqual(
      new Set([a.body.get(5), b.body.get(5)].map((k) => Buffer.from(k as Uint8Array).toString("hex"))),
    );
  });

  it("is CTAP2_ERR_INVALID_OPTION without rk or when false, and stores nothing", async () => {
    key = await openTestKey();
    expect((await key.call(MC, withExtensions(makeCredentialParams(), 6, [["largeBlobKey", true]]))).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
    expect((await key.call(MC, withExtensions(makeCredentialParams({ rk: true, uv: true }), 6, [["largeBlobKey", false]]))).status).toBe(
      Status.CTAP2_ERR_INVALID_OPTION,
    );
    expect((await key.store.countCredentials()).total).toBe(0);
  });

  it("a credential without a key answers without 0x07; false is CTAP2_ERR_INVALID_OPTION", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, [], { rk: true, uv: true });
    const { status, body } = await assertWith(key, [["largeBlobKey", true]], { allowList: [credentialId] });
    expect(status).toBe(Status.CTAP2_OK);
    expect(body!.has(7)).toBe(false);
    expect((await assertWith(key, [["largeBlobKey", false]], { allowList: [credentialId] })).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
  });
});

describe("minPinLength", () => {
  it("reports the minimum PIN length only to an RP in minPinLengthRpIds", async () => {
    key = await openTestKey();
    const ctx = key.authenticator.context;
    await savePinState(ctx, { ...(await loadPinState(ctx)), minPinLength: 6, minPinLengthRpIds: ["example.com"] });
    const allowed = await register(key, [["minPinLength", true]]);
    expect([...allowed.authData.extensions!]).toEqual([["minPinLength", 6]]);
    const other = await register(key, [["minPinLength", true]], { rpId: "other.example" });
    expect(other.authData.flags & ED).toBe(0);
    const notAsked = await register(key, [["minPinLength", false]]);
    expect(notAsked.authData.flags & ED).toBe(0);
  });
});

describe("several extensions together", () => {
  it("answer in one canonical map, and unknown extensions are ignored", async () => {
    key = await openTestKey();
    const { authData, credentialId } = await register(
      key,
      [["credProtect", 2], ["hmac-secret", true], ["credBlob", Uint8Array.of(7)], ["unknownExtension", 1]],
      { rk: true, uv: true },
    );
    expect([...authData.extensions!.keys()]).toEqual(["credBlob", "credProtect", "hmac-secret"]);
    const platform = await HmacSecretPlatform.open(key, 2);
    const { status, authData: assertion } = await assertWith(key, [["credBlob", true], ["hmac-secret", platform.input([salt1])], ["unknownExtension", true]], {
      allowList: [credentialId],
    });
    expect(status).toBe(Status.CTAP2_OK);
    expect([...assertion!.extensions!.keys()]).toEqual(["credBlob", "hmac-secret"]);
    expect(assertion!.extensions!.get("credBlob")).toEqual(Uint8Array.of(7));
  });
});
