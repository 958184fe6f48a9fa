import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { aaguidFromString, defaultAuthenticatorConfig, SOFTKEY_AAGUID } from "../../src/authenticator/deviceConfig.js";
import { Authenticator } from "../../src/authenticator/device.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { createPresence } from "../../src/presence/index.js";
import {
  concat,
  coseToKeyObject,
  getAssertionParams,
  makeCredentialParams,
  openTestKey,
  parseAuthData,
  sha256,
  verifySignature,
  type TestKey,
} from "../helpers/ctap.js";

const MC = 0x01;
const GA = 0x02;
const INFO = 0x04;
const RESET = 0x07;
const NEXT = 0x08;
const SELECTION = 0x0b;

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

async function register(k: TestKey, overrides: Parameters<typeof makeCredentialParams>[0] = {}) {
  const { status, body } = await k.call(MC, makeCredentialParams(overrides));
  expect(status).toBe(Status.CTAP2_OK);
  const authData = parseAuthData(body!.get(2) as Uint8Array);
  return { body: body!, authData, credentialId: new Uint8Array(authData.credentialId!) };
}

describe("authenticatorGetInfo", () => {
  it("advertises versions, the AAGUID, options and algorithms in canonical CBOR", async () => {
    key = await openTestKey();
    const { status, body } = await key.call(INFO);
    expect(status).toBe(Status.CTAP2_OK);
    expect(body!.get(1)).toEqual(["FIDO_2_0", "FIDO_2_1"]);
    expect(body!.get(3)).toEqual(aaguidFromString(SOFTKEY_AAGUID));
    const options = body!.get(4) as Map<string, boolean>;
    expect(Object.fromEntries(options)).toMatchObject({ rk: true, up: true, uv: true, plat: false, clientPin: false, pinUvAuthToken: true, makeCredUvNotRqd: true });
    expect(body!.get(6)).toEqual([2, 1]);
    expect((body!.get(0x0a) as Map<string, unknown>[]).map((a) => a.get("alg"))).toEqual([-7, -8]);
  });

  it("omits the uv option when built-in UV is off", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    const { body } = await key.call(INFO);
    expect((body!.get(4) as Map<string, boolean>).has("uv")).toBe(false);
  });
});

describe("authenticatorMakeCredential", () => {
  it.each([
    ["ES256", [-7, -8], -7],
    ["EdDSA", [-8, -7], -8],
    ["the first supported entry", [-257, -8, -7], -8],
  ])("makes an %s credential with packed self attestation that verifies", async (_name, algs, expected) => {
    key = await openTestKey();
    const clientDataHash = sha256("registration");
    const { body, authData } = await register(key, { algs, clientDataHash });
    expect(body.get(1)).toBe("packed");
    expect(authData.rpIdHash).toEqual(sha256("example.com"));
    expect(authData.flags).toBe(0x41); // UP + AT: presence happened, no UV was asked
    expect(authData.signCount).toBe(0);
    expect(authData.aaguid).toEqual(aaguidFromString(SOFTKEY_AAGUID));
    expect(authData.publicKey!.get(3)).toBe(expected);
    const attStmt = body.get(3) as Map<string, unknown>;
    expect(attStmt.get("alg")).toBe(expected);
    const signed = concat(body.get(2) as Uint8Array, clientDataHash);
    const publicKey = coseToKeyObject(authData.publicKey!);
    expect(verifySignature(expected, publicKey, signed, attStmt.get("sig") as Uint8Array)).toBe(true);
    expect(verifySignature(expected, publicKey, concat(signed, Uint8Array.of(0)), attStmt.get("sig") as Uint8Array)).toBe(false);
  });

  it("makes a new key pair for every credential", async () => {
    key = await openTestKey();
    const a = await register(key);
    const b = await register(key);
    expect(a.credentialId).not.toEqual(b.credentialId);
    expect(a.authData.publicKey!.get(-2)).not.toEqual(b.authData.publicKey!.get(-2));
  });

  it("sets UV only when built-in verification really happened", async () => {
    key = await openTestKey();
    expect((await register(key, { uv: true })).authData.flags & 0x04).toBe(0x04);
    expect((await register(key, { uv: false })).authData.flags & 0x04).toBe(0);
  });

  it("replaces a discoverable credential of the same user and RP", async () => {
    key = await openTestKey();
    const first = await register(key, { rk: true, uv: true });
    const second = await register(key, { rk: true, uv: true });
    expect(await key.store.findCredential(first.credentialId)).toBeUndefined();
    expect(await key.store.findCredential(second.credentialId)).toBeDefined();
  });

  const faults: [string, Map<number, unknown> | Uint8Array, number][] = [
    ["an unsupported algorithm only", makeCredentialParams({ algs: [-257] }), Status.CTAP2_ERR_UNSUPPORTED_ALGORITHM],
    ["up=false", (() => { const p = makeCredentialParams(); p.set(7, new Map([["up", false]])); return p; })(), Status.CTAP2_ERR_INVALID_OPTION],
    ["a missing clientDataHash", (() => { const p = makeCredentialParams(); p.delete(1); return p; })(), Status.CTAP2_ERR_MISSING_PARAMETER],
    ["a missing user", (() => { const p = makeCredentialParams(); p.delete(3); return p; })(), Status.CTAP2_ERR_MISSING_PARAMETER],
    ["a missing rp.id", (() => { const p = makeCredentialParams(); p.set(2, new Map([["name", "x"]])); return p; })(), Status.CTAP2_ERR_MISSING_PARAMETER],
    ["rp as text", (() => { const p = makeCredentialParams(); p.set(2, "example.com"); return p; })(), Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
    ["clientDataHash as text", (() => { const p = makeCredentialParams(); p.set(1, "hash"); return p; })(), Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
    ["an option that is not a boolean", (() => { const p = makeCredentialParams(); p.set(7, new Map([["rk", 1]])); return p; })(), Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
    ["a pubKeyCredParams entry without alg", (() => { const p = makeCredentialParams(); p.set(4, [new Map([["type", "public-key"]])]); return p; })(), Status.CTAP2_ERR_MISSING_PARAMETER],
    ["a user.id over 64 bytes", makeCredentialParams({ userId: new Uint8Array(65) }), Status.CTAP1_ERR_INVALID_LENGTH],
    ["pinUvAuthParam without a protocol", (() => { const p = makeCredentialParams(); p.set(8, new Uint8Array(16)); return p; })(), Status.CTAP2_ERR_MISSING_PARAMETER],
    // Step 7: built-in UV and no PIN: the key cannot verify a user it was not asked to, so OPERATION_DENIED, not PUAT_REQUIRED.
    ["a discoverable credential without UV on a key with built-in UV and no PIN", makeCredentialParams({ rk: true }), Status.CTAP2_ERR_OPERATION_DENIED],
  ];
  it.each(faults)("answers the exact status for %s and stores nothing", async (_name, params, expected) => {
    key = await openTestKey();
    const { status } = await key.call(MC, params as Map<number, unknown>);
    expect(status).toBe(expected);
    expect((await key.store.countCredentials()).total).toBe(0);
  });

  it("refuses uv when there is no built-in UV", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    expect((await key.call(MC, makeCredentialParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
  });

  it("answers CREDENTIAL_EXCLUDED for an excluded credential of this RP, not of another", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key);
    expect((await key.call(MC, makeCredentialParams({ excludeList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_CREDENTIAL_EXCLUDED);
    expect((await key.call(MC, makeCredentialParams({ rpId: "other.example", excludeList: [credentialId] }))).status).toBe(Status.CTAP2_OK);
    expect((await key.store.countCredentials()).total).toBe(2);
  });

  it("answers OPERATION_DENIED when the user refuses, and stores nothing", async () => {
    key = await openTestKey({ presence: { policy: "deny" } });
    expect((await key.call(MC, makeCredentialParams())).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    expect((await key.call(MC, makeCredentialParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    expect((await key.store.countCredentials()).total).toBe(0);
  });

  it("answers OPERATION_DENIED when built-in UV fails", async () => {
    key = await openTestKey({ presence: { uv: "fail" } });
    expect((await key.call(MC, makeCredentialParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
  });
});

describe("authenticatorGetAssertion and authenticatorGetNextAssertion", () => {
  it("signs with the allow-listed credential and the counter strictly increases", async () => {
    key = await openTestKey();
    const { credentialId, authData: reg } = await register(key);
    const publicKey = coseToKeyObject(reg.publicKey!);
    let last = 0;
    for (let i = 0; i < 5; i++) {
      const clientDataHash = sha256(`assertion ${i}`);
      const { status, body } = await key.call(GA, getAssertionParams({ allowList: [Uint8Array.of(9, 9, 9), credentialId], clientDataHash }));
      expect(status).toBe(Status.CTAP2_OK);
      expect((body!.get(1) as Map<string, unknown>).get("id")).toEqual(credentialId);
      const authDataBytes = body!.get(2) as Uint8Array;
      const authData = parseAuthData(authDataBytes);
      expect(authData.flags).toBe(0x01);
      expect(authData.signCount).toBeGreaterThan(last);
      last = authData.signCount;
      expect(verifySignature(-7, publicKey, concat(authDataBytes, clientDataHash), body!.get(3) as Uint8Array)).toBe(true);
      expect(body!.has(4)).toBe(false); // a non-discoverable credential has no user entity
      expect(body!.has(5)).toBe(false);
    }
  });

  it("does not find a credential under another RP's ID", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key);
    expect((await key.call(GA, getAssertionParams({ rpId: "evil.example", allowList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
  });

  it("returns several discoverable credentials newest first through getNextAssertion", async () => {
    let clock = 1_000;
    key = await openTestKey({ now: () => clock });
    const ids: Uint8Array[] = [];
    for (const n of [1, 2, 3]) {
      clock += 1_000;
      ids.push((await register(key, { rk: true, uv: true, userId: Uint8Array.of(n), userName: `user${n}` })).credentialId);
    }
    await register(key, { rpId: "other.example", rk: true, uv: true });
    await register(key); // non-discoverable: never part of a discoverable lookup
    const first = await key.call(GA, getAssertionParams({ uv: true }));
    expect(first.status).toBe(Status.CTAP2_OK);
    expect(first.body!.get(5)).toBe(3);
    const seen = [first.body!];
    for (let i = 0; i < 2; i++) {
      const next = await key.call(NEXT);
      expect(next.status).toBe(Status.CTAP2_OK);
      expect(next.body!.has(5)).toBe(false);
      seen.push(next.body!);
    }
    expect(seen.map((b) => (b.get(1) as Map<string, unknown>).get("id"))).toEqual([ids[2], ids[1], ids[0]]);
    const user = seen[0]!.get(4) as Map<string, unknown>;
    expect(user.get("id")).toEqual(Uint8Array.of(3));
    expect(user.get("name")).toBe("user3"); // several accounts and UV: the chooser may show names
    expect((await key.call(NEXT)).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
  });

  it("withholds user names without UV", async () => {
    key = await openTestKey();
    await register(key, { rk: true, uv: true, userId: Uint8Array.of(1) });
    await register(key, { rk: true, uv: true, userId: Uint8Array.of(2) });
    const { body } = await key.call(GA, getAssertionParams());
    const user = body!.get(4) as Map<string, unknown>;
    expect([...user.keys()]).toEqual(["id"]);
  });

  it("getNextAssertion state ends after another command and after 30 seconds", async () => {
    let clock = 0;
    key = await openTestKey({ now: () => clock });
    await register(key, { rk: true, uv: true, userId: Uint8Array.of(1) });
    await register(key, { rk: true, uv: true, userId: Uint8Array.of(2) });
    await key.call(GA, getAssertionParams());
    await key.call(INFO);
    expect((await key.call(NEXT)).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    await key.call(GA, getAssertionParams());
    clock += 31_000;
    expect((await key.call(NEXT)).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
  });

  it("each getNextAssertion restarts the 30-second window (CTAP 2.2 section 6.3 step 7)", async () => {
    let clock = 0;
    key = await openTestKey({ now: () => clock });
    for (const n of [1, 2, 3, 4]) await register(key, { rk: true, uv: true, userId: Uint8Array.of(n) });
    expect((await key.call(GA, getAssertionParams())).body!.get(5)).toBe(4);
    // 50 seconds in all, but never 30 between two steps.
    clock += 25_000;
    expect((await key.call(NEXT)).status).toBe(Status.CTAP2_OK);
    clock += 25_000;
    expect((await key.call(NEXT)).status).toBe(Status.CTAP2_OK);
    clock += 30_001;
    expect((await key.call(NEXT)).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
  });

  it("treats an empty allowList as none: discoverable credentials answer (\"not specified or empty\")", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key, { rk: true, uv: true });
    await register(key); // a non-discoverable one is not found without its ID
    const params = getAssertionParams();
    params.set(3, []);
    const { status, body } = await key.call(GA, params);
    expect(status).toBe(Status.CTAP2_OK);
    expect((body!.get(1) as Map<string, unknown>).get("id")).toEqual(credentialId);
    expect((body!.get(4) as Map<string, unknown>).get("id")).toEqual(Uint8Array.of(1, 2, 3, 4));
  });

  it("up=false signs without asking the user, even one who would refuse", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key);
    const refusing = sameStoreWithPolicy(key, "deny");
    const response = await refusing.transact(concat(Uint8Array.of(GA), encodeCanonical(getAssertionParams({ allowList: [credentialId], up: false }))));
    expect(response[0]).toBe(Status.CTAP2_OK);
  });

  it("silent assertions (up=false) carry neither UP nor UV", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key);
    const { status, body } = await key.call(GA, getAssertionParams({ allowList: [credentialId], up: false }));
    expect(status).toBe(Status.CTAP2_OK);
    expect(parseAuthData(body!.get(2) as Uint8Array).flags & 0x05).toBe(0);
  });

  it.each([
    ["no credentials at all", getAssertionParams(), Status.CTAP2_ERR_NO_CREDENTIALS],
    ["the rk option", (() => { const p = getAssertionParams(); p.set(5, new Map([["rk", true]])); return p; })(), Status.CTAP2_ERR_UNSUPPORTED_OPTION],
    ["a missing rpId", (() => { const p = getAssertionParams(); p.delete(1); return p; })(), Status.CTAP2_ERR_MISSING_PARAMETER],
    ["an allowList that is not an array", (() => { const p = getAssertionParams(); p.set(3, new Map()); return p; })(), Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
    ["an allowList entry without id", (() => { const p = getAssertionParams(); p.set(3, [new Map([["type", "public-key"]])]); return p; })(), Status.CTAP2_ERR_MISSING_PARAMETER],
    ["an allowList over maxCredentialCountInList", getAssertionParams({ allowList: Array.from({ length: 17 }, (_, i) => Uint8Array.of(i)) }), Status.CTAP2_ERR_LIMIT_EXCEEDED],
  ])("answers the exact status for %s", async (_name, params, expected) => {
    key = await openTestKey();
    expect((await key.call(GA, params)).status).toBe(expected);
  });

  it("answers OPERATION_DENIED when the user refuses to sign in", async () => {
    key = await openTestKey();
    const { credentialId } = await register(key);
    const refusing = sameStoreWithPolicy(key, "deny");
    const response = await refusing.transact(concat(Uint8Array.of(GA), encodeCanonical(getAssertionParams({ allowList: [credentialId] }))));
    expect(response).toEqual(Uint8Array.of(Status.CTAP2_ERR_OPERATION_DENIED));
  });
});

/** A second authenticator over the same store whose user behaves differently. */
function sameStoreWithPolicy(k: TestKey, policy: "auto" | "deny"): Authenticator {
  return new Authenticator({ store: k.store, presence: createPresence({ policy }), config: defaultAuthenticatorConfig() });
}

describe("framing and malformed requests", () => {
  it.each([
    ["an unknown command", Uint8Array.of(0x42), Status.CTAP1_ERR_INVALID_COMMAND],
    ["an empty request", new Uint8Array(0), Status.CTAP1_ERR_INVALID_LENGTH],
    ["invalid CBOR", Uint8Array.of(MC, 0xa1, 0x01), Status.CTAP2_ERR_INVALID_CBOR],
    ["trailing bytes after the map", Uint8Array.of(MC, 0xa0, 0x00), Status.CTAP2_ERR_INVALID_CBOR],
    ["parameters that are not a map", Uint8Array.of(MC, 0x80), Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
    ["a request over maxMsgSize", concat(Uint8Array.of(MC), new Uint8Array(7609)), Status.CTAP2_ERR_REQUEST_TOO_LARGE],
    ["getNextAssertion with nothing pending", Uint8Array.of(NEXT), Status.CTAP2_ERR_NOT_ALLOWED],
  ])("answers %s with its status", async (_name, request, expected) => {
    key = await openTestKey();
    expect(await key.authenticator.transact(request)).toEqual(Uint8Array.of(expected));
  });

  /** A request map written with its keys in reverse order: well-formed CBOR, but not canonical. */
  const reversed = (params: Map<number, unknown>) =>
    concat(Uint8Array.of(0xa0 | params.size), ...[...params].reverse().flatMap(([k, v]) => [encodeCanonical(k), encodeCanonical(v)]));

  it("refuses non-canonical request CBOR with INVALID_CBOR, as a key does; a lenient profile takes it", async () => {
    key = await openTestKey();
    const params = makeCredentialParams();
    expect(await key.authenticator.transact(concat(Uint8Array.of(MC), reversed(params)))).toEqual(Uint8Array.of(Status.CTAP2_ERR_INVALID_CBOR));
    // A long-form integer: clientDataHash's length 32 written as 58 20 is canonical, 59 0020 is not.
    const canonical = encodeCanonical(getAssertionParams());
    const at = Buffer.from(canonical).indexOf(Buffer.from([0x58, 0x20]));
    const longForm = concat(canonical.subarray(0, at), Uint8Array.of(0x59, 0x00, 0x20), canonical.subarray(at + 2));
    expect(await key.authenticator.transact(concat(Uint8Array.of(GA), longForm))).toEqual(Uint8Array.of(Status.CTAP2_ERR_INVALID_CBOR));
    expect((await key.store.countCredentials()).total).toBe(0);
    await key.close();

    key = await openTestKey({ config: { requestCbor: "lenient" } });
    expect((await key.authenticator.transact(concat(Uint8Array.of(MC), reversed(params))))[0]).toBe(Status.CTAP2_OK);
    expect((await key.authenticator.transact(concat(Uint8Array.of(GA), longForm)))[0]).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
    // Lenient is not anything-goes: malformed CBOR is still refused.
    expect(await key.authenticator.transact(Uint8Array.of(MC, 0xa2, 0x01, 0x01, 0x01, 0x02))).toEqual(Uint8Array.of(Status.CTAP2_ERR_INVALID_CBOR));
  });

  it("never throws and always answers a defined status for random requests", async () => {
    key = await openTestKey();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const commands = [MC, GA, INFO, NEXT, SELECTION, 0x06, 0x0a, 0x42];
    for (let i = 0; i < 500; i++) {
      const body = Uint8Array.from({ length: random() % 64 }, random);
      if (body.length > 0) body[0] = 0xa0 | (body[0]! & 0x07); // mostly small maps, so validation is reached
      const response = await key.authenticator.transact(concat(Uint8Array.of(commands[i % commands.length]!), body));
      expect(response.length).toBeGreaterThan(0);
      expect(Object.values(Status)).toContain(response[0]);
    }
  });
});

describe("authenticatorReset and authenticatorSelection", () => {
  it("deletes every credential after a touch, within the power-up window only", async () => {
    let clock = 0;
    key = await openTestKey({ now: () => clock });
    await register(key);
    clock = 5_000;
    expect((await key.call(RESET)).status).toBe(Status.CTAP2_OK);
    expect((await key.store.countCredentials()).total).toBe(0);
    await register(key);
    clock = 10_001;
    expect((await key.call(RESET)).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    expect((await key.store.countCredentials()).total).toBe(1);
  });

  it("selection waits for the user's touch", async () => {
    key = await openTestKey();
    expect((await key.call(SELECTION)).status).toBe(Status.CTAP2_OK);
    await key.close();
    key = await openTestKey({ presence: { policy: "deny" } });
    expect((await key.call(SELECTION)).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    expect((await key.call(RESET)).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
  });
});
