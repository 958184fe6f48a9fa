/**
 * CTAP1/U2F at the APDU level (FIDO U2F raw message formats v1.2; CTAP 2.1
 * sections 10 and 11.2.9.1.1): the U2F handler on a real core and keystore,
 * checked with hand-built APDUs and node:crypto.
 */
import { afterEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { createU2fHandler, type U2fHandler } from "../../../src/authenticator/u2f/u2fHandler.js";
import { ApduError, encodeCommandApdu, parseCommandApdu } from "../../../src/ctap/apdu.js";
import { U2F_ATTESTATION_SETTING } from "../../../src/authenticator/u2f/attestationCertificate.js";
import { savePinState, loadPinState } from "../../../src/authenticator/pin/pinState.js";
import type { PresenceRequest, UserPresence } from "../../../src/presence/presence.js";
import {
  coseToKeyObject,
  getAssertionParams,
  makeCredentialParams,
  openTestKey,
  parseAuthData,
  type TestKey,
} from "../../helpers/ctap.js";
import {
  SW,
  authenticateData,
  extendedApdu,
  parseAuthentication,
  parseRegistration,
  pointToKey,
  registerData,
  send,
  sha256,
  shortApdu,
  verifyAuthentication,
  verifyRegistration,
} from "./helpers.js";

const REGISTER = 0x01;
const AUTHENTICATE = 0x02;
const VERSION = 0x03;
const ENFORCE = 0x03;
const CHECK_ONLY = 0x07;
const DONT_ENFORCE = 0x08;

const APP = sha256("https://example.com/app-id.json");
const CHALLENGE = sha256("a U2F challenge");

let key: TestKey | undefined;
let u2f: U2fHandler | undefined;

afterEach(async () => {
  u2f?.close();
  await key?.close();
  key = undefined;
  u2f = undefined;
});

async function openU2f(options: Parameters<typeof openTestKey>[0] = {}): Promise<{ key: TestKey; u2f: U2fHandler }> {
  key = await openTestKey({ ...options, config: { u2f: true, versions: ["U2F_V2", "FIDO_2_0", "FIDO_2_1"], ...options.config } });
  u2f = createU2fHandler(key.authenticator);
  return { key, u2f };
}

async function register(handler: U2fHandler, application = APP, challenge = CHALLENGE) {
  const response = await send(handler, extendedApdu(REGISTER, 0, registerData(challenge, application)));
  expect(response.sw).toBe(SW.OK);
  return parseRegistration(response.data);
}

describe("APDU encodings (ISO 7816-4)", () => {
  it("parses every short and extended case", () => {
    const data = Uint8Array.of(1, 2, 3);
    const cases: [number[], { data: number[]; le?: number; extended: boolean }][] = [
      [[0, 3, 0, 0], { data: [], extended: false }],
      [[0, 3, 0, 0, 0x00], { data: [], le: 256, extended: false }],
      [[0, 3, 0, 0, 0x10], { data: [], le: 16, extended: false }],
      [[0, 1, 0, 0, 3, 1, 2, 3], { data: [1, 2, 3], extended: false }],
      [[0, 1, 0, 0, 3, 1, 2, 3, 0x00], { data: [1, 2, 3], le: 256, extended: false }],
      [[0, 3, 0, 0, 0, 0, 0], { data: [], le: 65536, extended: true }],
      [[0, 3, 0, 0, 0, 0x01, 0x00], { data: [], le: 256, extended: true }],
      [[0, 1, 0, 0, 0, 0, 3, 1, 2, 3], { data: [1, 2, 3], extended: true }],
      [[0, 1, 0, 0, 0, 0, 3, 1, 2, 3, 0, 0], { data: [1, 2, 3], le: 65536, extended: true }],
      // python-fido2 and Chrome: Lc 0000 then Le when there is no data.
      [[0, 3, 0, 0, 0, 0, 0, 0, 0], { data: [], le: 65536, extended: true }],
    ];
    for (const [bytes, expected] of cases) {
      const apdu = parseCommandApdu(Uint8Array.from(bytes));
      expect({ data: [...apdu.data], le: apdu.le, extended: apdu.extended }, bytes.join(" ")).toEqual({ le: undefined, ...expected });
    }
    expect([...encodeCommandApdu({ cla: 0, ins: 1, p1: 0, p2: 0, data, le: 256, extended: false })]).toEqual([0, 1, 0, 0, 3, 1, 2, 3, 0]);
    expect([...encodeCommandApdu({ cla: 0, ins: 1, p1: 0, p2: 0, data, le: 65536, extended: true })]).toEqual([0, 1, 0, 0, 0, 0, 3, 1, 2, 3, 0, 0]);
  });

  it("refuses malformed lengths with SW_WRONG_LENGTH", () => {
    for (const bytes of [[], [0, 3, 0], [0, 1, 0, 0, 3, 1, 2], [0, 1, 0, 0, 3, 1, 2, 3, 0, 0], [0, 3, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 3, 1, 2], [0, 1, 0, 0, 0, 0, 3, 1, 2, 3, 0]]) {
      let error: unknown;
      try {
        parseCommandApdu(Uint8Array.from(bytes));
      } catch (e) {
        error = e;
      }
      expect(error, bytes.join(" ")).toBeInstanceOf(ApduError);
      expect((error as ApduError).sw).toBe(SW.WRONG_LENGTH);
    }
  });
});

describe("U2F_VERSION and the status words of bad requests", () => {
  it("answers U2F_V2 in every encoding", async () => {
    const { u2f } = await openU2f();
    for (const apdu of [[0, 3, 0, 0], [0, 3, 0, 0, 0], [0, 3, 0, 0, 0, 0, 0], [...extendedApdu(VERSION, 0, Buffer.alloc(0))]]) {
      const response = await send(u2f, Uint8Array.from(apdu));
      expect({ sw: response.sw, text: response.data.toString("ascii") }, apdu.join(" ")).toEqual({ sw: SW.OK, text: "U2F_V2" });
    }
    expect((await send(u2f, shortApdu(VERSION, 0, Buffer.of(1)))).sw).toBe(SW.WRONG_LENGTH);
  });

  it("SW_WRONG_LENGTH, SW_CLA_NOT_SUPPORTED, SW_INS_NOT_SUPPORTED", async () => {
    const { u2f } = await openU2f();
    expect((await send(u2f, Uint8Array.of(0, 3, 0))).sw).toBe(SW.WRONG_LENGTH);
    expect((await send(u2f, Uint8Array.of(0, 1, 0, 0, 0x40, 1, 2))).sw).toBe(SW.WRONG_LENGTH);
    expect((await send(u2f, extendedApdu(REGISTER, 0, Buffer.alloc(63)))).sw).toBe(SW.WRONG_LENGTH);
    expect((await send(u2f, extendedApdu(REGISTER, 0, Buffer.alloc(65)))).sw).toBe(SW.WRONG_LENGTH);
    // Key handle length byte says 32, but 31 bytes follow.
    expect((await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, Buffer.concat([CHALLENGE, APP, Buffer.of(32), Buffer.alloc(31)])))).sw).toBe(SW.WRONG_LENGTH);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, Buffer.alloc(64)))).sw).toBe(SW.WRONG_LENGTH);
    expect((await send(u2f, extendedApdu(VERSION, 0, Buffer.alloc(0), 0x80))).sw).toBe(SW.CLA_NOT_SUPPORTED);
    expect((await send(u2f, Uint8Array.of(0x01, 3, 0, 0))).sw).toBe(SW.CLA_NOT_SUPPORTED);
    expect((await send(u2f, extendedApdu(0x04, 0, Buffer.alloc(0)))).sw).toBe(SW.INS_NOT_SUPPORTED);
    expect((await send(u2f, extendedApdu(0x40, 0, Buffer.alloc(0)))).sw).toBe(SW.INS_NOT_SUPPORTED);
    // An unknown control byte.
    const { keyHandle } = await register(u2f);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, 0x05, authenticateData(CHALLENGE, APP, keyHandle)))).sw).toBe(SW.WRONG_DATA);
  });
});

describe("U2F_REGISTER", () => {
  it("returns a key the attestation certificate's key signed for, in extended and short encoding", async () => {
    const { key, u2f } = await openU2f();
    for (const encode of [extendedApdu, shortApdu]) {
      const challenge = randomBytes(32);
      const response = await send(u2f, encode(REGISTER, 0x03, registerData(challenge, APP)));
      expect(response.sw).toBe(SW.OK);
      const registration = parseRegistration(response.data);
      expect(registration.keyHandle.length).toBeGreaterThan(0);
      expect(registration.keyHandle.length).toBeLessThanOrEqual(255);
      expect(registration.certificate.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: "prime256v1" });
      expect(verifyRegistration(registration, APP, challenge)).toBe(true);
      expect(verifyRegistration(registration, APP, sha256("another challenge"))).toBe(false);
      // The user public key is a P-256 point.
      expect(pointToKey(registration.userPublicKey).asymmetricKeyDetails).toMatchObject({ namedCurve: "prime256v1" });
      // Stored like a CTAP2 credential: non-discoverable ES256 under the application parameter.
      const record = await key.store.findCredential(registration.keyHandle);
      expect(record).toMatchObject({ rpId: APP.toString("hex"), discoverable: false, alg: -7, u2f: true });
      expect(Buffer.from(record!.rpIdHash)).toEqual(APP);
    }
  });

  it("makes its self-signed attestation certificate once and keeps it in the store", async () => {
    const { key, u2f } = await openU2f();
    const first = await register(u2f);
    const second = await register(u2f, sha256("https://other.example"));
    expect(second.certificateDer).toEqual(first.certificateDer);
    expect(first.certificate.subject).toContain("CN=softkey U2F Self-Signed Attestation");
    expect(first.certificate.verify(first.certificate.publicKey)).toBe(true);
    expect(await key.store.getSetting(U2F_ATTESTATION_SETTING)).toBeDefined();
    // Two registrations for one application are two credentials.
    expect((await register(u2f)).keyHandle).not.toEqual(first.keyHandle);
  });
});

describe("U2F_AUTHENTICATE", () => {
  it("signs with the registered key, and the counter goes up", async () => {
    const { u2f } = await openU2f();
    const { keyHandle, userPublicKey } = await register(u2f);
    const publicKey = pointToKey(userPublicKey);
    const counters: number[] = [];
    for (const [encode, control] of [[extendedApdu, ENFORCE], [shortApdu, ENFORCE], [extendedApdu, DONT_ENFORCE]] as const) {
      const challenge = randomBytes(32);
      const response = await send(u2f, encode(AUTHENTICATE, control, authenticateData(challenge, APP, keyHandle)));
      expect(response.sw).toBe(SW.OK);
      const auth = parseAuthentication(response.data);
      expect(auth.userPresence).toBe(control === ENFORCE ? 0x01 : 0x00);
      expect(verifyAuthentication(response.data, APP, challenge, publicKey)).toBe(true);
      expect(verifyAuthentication(response.data, sha256("other app"), challenge, publicKey)).toBe(false);
      counters.push(auth.counter);
    }
    expect(counters).toEqual([1, 2, 3]);
  });

  it("check-only: SW_CONDITIONS_NOT_SATISFIED for its own key handle, SW_WRONG_DATA for a foreign one", async () => {
    const { u2f } = await openU2f();
    const { keyHandle } = await register(u2f);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, CHECK_ONLY, authenticateData(CHALLENGE, APP, keyHandle)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, shortApdu(AUTHENTICATE, CHECK_ONLY, authenticateData(CHALLENGE, APP, keyHandle)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    // Another key's handle, or this one under another application.
    expect((await send(u2f, extendedApdu(AUTHENTICATE, CHECK_ONLY, authenticateData(CHALLENGE, APP, randomBytes(32))))).sw).toBe(SW.WRONG_DATA);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, CHECK_ONLY, authenticateData(CHALLENGE, sha256("other"), keyHandle)))).sw).toBe(SW.WRONG_DATA);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, authenticateData(CHALLENGE, sha256("other"), keyHandle)))).sw).toBe(SW.WRONG_DATA);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, authenticateData(CHALLENGE, APP, Buffer.alloc(0))))).sw).toBe(SW.WRONG_DATA);
  });

  it("signs with a CTAP2 ES256 credential whose rpIdHash is the application parameter", async () => {
    const { key, u2f } = await openU2f();
    const made = await key.call(0x01, makeCredentialParams({ rpId: "example.com" }));
    expect(made.status).toBe(0);
    const { credentialId, publicKey } = parseAuthData(made.body!.get(2) as Uint8Array);
    const app = sha256("example.com");
    const challenge = randomBytes(32);
    const response = await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, authenticateData(challenge, app, credentialId!)));
    expect(response.sw).toBe(SW.OK);
    expect(verifyAuthentication(response.data, app, challenge, coseToKeyObject(publicKey!))).toBe(true);
    expect(parseAuthentication(response.data).counter).toBe(1);
    // The counter is the credential's own: CTAP2 continues from it.
    const assertion = await key.call(0x02, getAssertionParams({ rpId: "example.com", allowList: [credentialId!] }));
    expect(parseAuthData(assertion.body!.get(2) as Uint8Array).signCount).toBe(2);

    // An EdDSA credential cannot answer U2F, nor a credProtect userVerificationRequired one.
    const ed = await key.call(0x01, makeCredentialParams({ rpId: "example.com", algs: [-8] }));
    const edId = parseAuthData(ed.body!.get(2) as Uint8Array).credentialId!;
    expect((await send(u2f, extendedApdu(AUTHENTICATE, CHECK_ONLY, authenticateData(challenge, app, edId)))).sw).toBe(SW.WRONG_DATA);
    const protectedParams = makeCredentialParams({ rpId: "example.com", userId: Uint8Array.of(9) });
    protectedParams.set(6, new Map([["credProtect", 3]]));
    const prot = await key.call(0x01, protectedParams);
    expect(prot.status).toBe(0);
    // Extensions follow the key in this authData: read the ID by its length field.
    const protAuthData = Buffer.from(prot.body!.get(2) as Uint8Array);
    const protId = protAuthData.subarray(55, 55 + protAuthData.readUInt16BE(53));
    expect((await send(u2f, extendedApdu(AUTHENTICATE, CHECK_ONLY, authenticateData(challenge, app, protId)))).sw).toBe(SW.WRONG_DATA);
  });

  it("a U2F credential signs through CTAP2 getAssertion with rpId = the AppID", async () => {
    const { key, u2f } = await openU2f();
    const appId = "https://example.com/app-id.json";
    const { keyHandle, userPublicKey } = await register(u2f, sha256(appId));
    const u2fAuth = await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, authenticateData(CHALLENGE, sha256(appId), keyHandle)));
    expect(parseAuthentication(u2fAuth.data).counter).toBe(1);
    const clientDataHash = sha256("client data");
    const assertion = await key.call(0x02, getAssertionParams({ rpId: appId, clientDataHash, allowList: [keyHandle] }));
    expect(assertion.status).toBe(0);
    const authData = assertion.body!.get(2) as Uint8Array;
    const parsed = parseAuthData(authData);
    expect(Buffer.from(parsed.rpIdHash)).toEqual(sha256(appId));
    expect(parsed.signCount).toBe(2);
    const signature = assertion.body!.get(3) as Uint8Array;
    const { verify } = await import("node:crypto");
    expect(verify("sha256", Buffer.concat([authData, clientDataHash]), pointToKey(userPublicKey), signature)).toBe(true);
    // Not under another RP ID, and not discoverable.
    expect((await key.call(0x02, getAssertionParams({ rpId: "example.com", allowList: [keyHandle] }))).status).toBe(0x2e);
    expect((await key.call(0x02, getAssertionParams({ rpId: appId }))).status).toBe(0x2e);
  });

  it("counts on the device's global counter when the profile says so", async () => {
    const { u2f } = await openU2f({ config: { counter: "global" } });
    const a = await register(u2f);
    const b = await register(u2f, sha256("b"));
    const count = async (app: Uint8Array, kh: Uint8Array) =>
      parseAuthentication((await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, authenticateData(CHALLENGE, app, kh)))).data).counter;
    const first = await count(APP, a.keyHandle);
    const second = await count(sha256("b"), b.keyHandle);
    expect(second).toBeGreaterThan(first);
  });
});

describe("user presence without keepalive", () => {
  it("deny: SW_CONDITIONS_NOT_SATISFIED for register and enforce; check-only and dont-enforce still answer", async () => {
    const { u2f } = await openU2f({ presence: { policy: "deny" } });
    expect((await send(u2f, extendedApdu(REGISTER, 0, registerData(CHALLENGE, APP)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, shortApdu(REGISTER, 0, registerData(CHALLENGE, APP)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
  });

  it("a user who stops touching: enforce is refused, check-only and dont-enforce still answer", async () => {
    let touching = true;
    const presence: UserPresence = { builtInUv: false, answersImmediately: true, requestPresence: async () => touching, verifyUser: async () => "failed" };
    const { u2f } = await openU2f({ presence });
    const { keyHandle, userPublicKey } = await register(u2f);
    touching = false;
    expect((await send(u2f, extendedApdu(REGISTER, 0, registerData(CHALLENGE, APP)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, authenticateData(CHALLENGE, APP, keyHandle)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, CHECK_ONLY, authenticateData(CHALLENGE, APP, keyHandle)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    const silent = await send(u2f, extendedApdu(AUTHENTICATE, DONT_ENFORCE, authenticateData(CHALLENGE, APP, keyHandle)));
    expect(silent.sw).toBe(SW.OK);
    expect(parseAuthentication(silent.data).userPresence).toBe(0);
    expect(verifyAuthentication(silent.data, APP, CHALLENGE, pointToKey(userPublicKey))).toBe(true);
  });

  it("a slow answer (prompt): 0x6985 until the user answered, then one request goes through", async () => {
    const asked: PresenceRequest[] = [];
    let answer: ((yes: boolean) => void) | undefined;
    const presence: UserPresence = {
      builtInUv: false,
      answersImmediately: false,
      requestPresence: (request) => {
        asked.push(request);
        return new Promise<boolean>((resolve) => (answer = resolve));
      },
      verifyUser: async () => "failed",
    };
    const { u2f } = await openU2f({ presence });
    const apdu = extendedApdu(REGISTER, 0, registerData(CHALLENGE, APP));
    expect((await send(u2f, apdu)).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, apdu)).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    // One question for the retries of one request.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ purpose: "u2fRegister" });
    // Another request meanwhile waits too.
    expect((await send(u2f, extendedApdu(REGISTER, 0, registerData(CHALLENGE, sha256("other"))))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    answer!(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await send(u2f, extendedApdu(REGISTER, 0, registerData(CHALLENGE, sha256("other"))))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, apdu)).sw).toBe(SW.OK);
    // The touch was consumed: the next request asks again.
    expect((await send(u2f, apdu)).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect(asked).toHaveLength(2);
    // A refusal answers that client's retries without asking again.
    answer!(false);
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 3; i++) expect((await send(u2f, apdu)).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect(asked).toHaveLength(2);
  });
});

describe("alwaysUv", () => {
  it("answers register and authenticate with SW_CONDITIONS_NOT_SATISFIED, as a YubiKey does, and takes U2F_V2 out of getInfo", async () => {
    const { key, u2f } = await openU2f();
    expect((await key.call(0x04)).body!.get(1)).toEqual(["U2F_V2", "FIDO_2_0", "FIDO_2_1"]);
    const registered = await send(u2f, extendedApdu(REGISTER, 0, registerData(CHALLENGE, APP)));
    expect(registered.sw).toBe(SW.OK);
    const keyHandle = parseRegistration(registered.data).keyHandle;
    const ctx = key.authenticator.context;
    await savePinState(ctx, { ...(await loadPinState(ctx)), alwaysUv: true });
    expect((await key.call(0x04)).body!.get(1)).toEqual(["FIDO_2_0", "FIDO_2_1"]);
    // U2F cannot verify the user: the touch a client waits for never counts (CTAP 2.2 section 7.2).
    expect((await send(u2f, extendedApdu(REGISTER, 0, registerData(CHALLENGE, APP)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, extendedApdu(AUTHENTICATE, ENFORCE, authenticateData(CHALLENGE, APP, keyHandle)))).sw).toBe(SW.CONDITIONS_NOT_SATISFIED);
    expect((await send(u2f, extendedApdu(VERSION, 0, Buffer.alloc(0)))).sw).toBe(SW.OK);
    expect((await key.store.countCredentials()).total).toBe(1);
  });
});
