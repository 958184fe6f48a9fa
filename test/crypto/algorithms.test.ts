/**
 * Every COSE algorithm softkey makes credentials for, end to end: a
 * registration and a sign-in through the real client and core, verified by
 * @simplewebauthn/server where it supports the algorithm (ES256, EdDSA,
 * ES384, ES512, RS256), and otherwise by verifiers independent of the signer:
 * @noble/curves for ESP256/384/512, Ed25519 (-19) and Ed448 (node:crypto
 * signs those), and test/helpers/mlDsaVerify.ts, a FIPS 204 verifier written
 * for the tests, for ML-DSA (@noble/post-quantum signs). ML-DSA key
 * generation is checked against NIST's ACVP known answers (FIPS 204 keyGen).
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ed448 } from "@noble/curves/ed448.js";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { builtInProfile, type Profile } from "../../src/profiles/index.js";
import { credentialAlgorithm } from "../../src/crypto/algorithms/index.js";
import { mlDsaVerifyIndependently } from "../helpers/mlDsaVerify.js";
import { decodeResponse } from "../../src/decode/decodeResponse.js";
import { checkAssertion } from "../../src/decode/checkAssertion.js";
import { exportCredentials, importCredentials } from "../../src/exchange/index.js";
import { issueAttestationCa } from "../../src/attestationCa/issueCa.js";
import { ATTESTATION_CA_SETTING } from "../../src/authenticator/settings.js";
import { certificatePublicKey } from "../../src/crypto/attestation/certificateInfo.js";
import { SettingsService, verifyRegistrationResponse } from "@simplewebauthn/server";
import { ORIGIN, RP_ID, registered, signIn, TestDevice } from "../helpers/relyingParty.js";

let device: TestDevice | undefined;
afterEach(async () => {
  await device?.dispose();
  device = undefined;
});

function profileOffering(algorithms: number[]): Profile {
  return { ...builtInProfile("softkey-pq")!, name: "test-algorithms", algorithms };
}

const sha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest());
const b64u = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));

/** The attested credential's COSE key and the rest of a registration, parsed here rather than by the code under test. */
function parseRegistration(attestationObject: string) {
  const att = decodeCbor(b64u(attestationObject)) as Map<string, unknown>;
  const authData = att.get("authData") as Uint8Array;
  const idLength = (authData[53]! << 8) | authData[54]!;
  const cose = decodeCbor(authData.subarray(55 + idLength)) as Map<number, unknown>;
  return { fmt: att.get("fmt"), attStmt: att.get("attStmt") as Map<string, unknown>, authData, cose };
}

type Verifier = (cose: Map<number, unknown>, data: Uint8Array, signature: Uint8Array) => boolean;

/** ECDSA as WebAuthn allows it: DER, either S (OpenSSL does not normalise to low S). */
const ecdsa =
  (curve: typeof p256 | typeof p384 | typeof p521): Verifier =>
  (cose, data, signature) =>
    curve.verify(signature, data, new Uint8Array([0x04, ...(cose.get(-2) as Uint8Array), ...(cose.get(-3) as Uint8Array)]), { prehash: true, format: "der", lowS: false });

const INDEPENDENT: [string, number, { kty: number; crv?: number }, Verifier][] = [
  ["ESP256", -9, { kty: 2, crv: 1 }, ecdsa(p256)],
  ["ESP384", -51, { kty: 2, crv: 2 }, ecdsa(p384)],
  ["ESP512", -52, { kty: 2, crv: 3 }, ecdsa(p521)],
  ["Ed25519", -19, { kty: 1, crv: 6 }, (cose, data, sig) => ed25519.verify(sig, data, cose.get(-2) as Uint8Array)],
  ["Ed448", -53, { kty: 1, crv: 7 }, (cose, data, sig) => ed448.verify(sig, data, cose.get(-2) as Uint8Array)],
  ["ML-DSA-44", -48, { kty: 7 }, (cose, data, sig) => mlDsaVerifyIndependently(44, cose.get(-1) as Uint8Array, data, sig)],
  ["ML-DSA-65", -49, { kty: 7 }, (cose, data, sig) => mlDsaVerifyIndependently(65, cose.get(-1) as Uint8Array, data, sig)],
  ["ML-DSA-87", -50, { kty: 7 }, (cose, data, sig) => mlDsaVerifyIndependently(87, cose.get(-1) as Uint8Array, data, sig)],
];

describe("registration and sign-in verified by @simplewebauthn/server", () => {
  for (const [name, alg, kty] of [
    ["ES256", -7, 2],
    ["EdDSA", -8, 1],
    ["ES384", -35, 2],
    ["ES512", -36, 2],
    ["RS256", -257, 3],
  ] as const) {
    it(`${name} (${alg}): packed self attestation, then an assertion, counter and all`, async () => {
      device = await TestDevice.create({ profile: profileOffering([alg]) });
      const credential = await registered(device.key, { alg });
      expect(credential.info!.fmt).toBe("packed");
      const cose = decodeCbor(credential.publicKey) as Map<number, unknown>;
      expect([cose.get(1), cose.get(3)]).toEqual([kty, alg]);
      if (alg === -257) expect((cose.get(-1) as Uint8Array).length).toBe(256);
      const { verification } = await signIn(device.key, credential);
      expect((await verification).verified).toBe(true);
    });
  }
});

describe("registration and sign-in checked by independent verifiers", () => {
  for (const [name, alg, shape, verifies] of INDEPENDENT) {
    it(`${name} (${alg}): the COSE key, packed self attestation and the assertion verify; a flipped bit does not`, async () => {
      device = await TestDevice.create({ profile: profileOffering([alg]) });
      const challenge = Buffer.from("algorithm challenge").toString("base64url");
      const created = await device.key.create(
        {
          rp: { id: RP_ID, name: "Example" },
          user: { id: "dXNlcg", name: "user", displayName: "User" },
          challenge,
          // The RP's order decides: an algorithm the device lacks comes first and is passed over.
          pubKeyCredParams: [{ type: "public-key", alg: -47 }, { type: "public-key", alg }],
          attestation: "direct",
        },
        { origin: ORIGIN },
      );
      expect(created.response.publicKeyAlgorithm).toBe(alg);
      const { fmt, attStmt, authData, cose } = parseRegistration(created.response.attestationObject);
      expect(cose.get(1)).toBe(shape.kty);
      expect(cose.get(3)).toBe(alg);
      if (shape.crv !== undefined) expect(cose.get(-1)).toBe(shape.crv);
      expect(fmt).toBe("packed");
      expect(attStmt.get("alg")).toBe(alg);
      const signed = new Uint8Array([...authData, ...sha256(b64u(created.response.clientDataJSON))]);
      const attSig = attStmt.get("sig") as Uint8Array;
      expect(verifies(cose, signed, attSig)).toBe(true);
      const flipped = attSig.slice();
      flipped[flipped.length - 1]! ^= 1;
      expect(verifies(cose, signed, flipped)).toBe(false);

      const got = await device.key.get({ rpId: RP_ID, challenge, allowCredentials: [{ type: "public-key", id: created.id }] }, { origin: ORIGIN });
      const assertionData = new Uint8Array([...b64u(got.response.authenticatorData), ...sha256(b64u(got.response.clientDataJSON))]);
      expect(verifies(cose, assertionData, b64u(got.response.signature))).toBe(true);
    });
  }
});

describe("deterministic mode", () => {
  for (const alg of [-7, -35, -36, -9, -8, -19, -53, -257, -48, -49, -50]) {
    it(`COSE ${alg}: the same seed and inputs give byte-identical registrations and assertions`, async () => {
      const run = async () => {
        const d = await TestDevice.create({ profile: profileOffering([alg]) }, { seed: "fixture seed" });
        try {
          const options = {
            rp: { id: RP_ID, name: "Example" },
            user: { id: "dXNlcg", name: "user", displayName: "User" },
            challenge: "Y2hhbGxlbmdl",
            pubKeyCredParams: [{ type: "public-key" as const, alg }],
            attestation: "direct" as const,
          };
          const created = await d.key.create(options, { origin: ORIGIN });
          const got = await d.key.get({ rpId: RP_ID, challenge: "Y2hhbGxlbmdl", allowCredentials: [{ type: "public-key", id: created.id }] }, { origin: ORIGIN });
          return [created.response.attestationObject, got.response.signature];
        } finally {
          await d.dispose();
        }
      };
      expect(await run()).toEqual(await run());
    });
  }
});

describe("ML-DSA key generation: NIST ACVP known answers (ML-DSA-keyGen-FIPS204)", () => {
  // tcId 1, 26 and 51 of ACVP-Server's gen-val/json-files/ML-DSA-keyGen-FIPS204: the seed (xi) and SHA-256 of the expected pk.
  const vectors: [string, number, string, string][] = [
    ["ML-DSA-44", -48, "4BE7A01A99A5E5BCFE3C06785D8E4EC664082227D86704E9E44862623A05C8B3", "a140495fe1cbeb25d30ecf194ee2823dde1b76bbcbdea8cac50c6365f6803060"],
    ["ML-DSA-65", -49, "8AB6448BF58F897D528A8DE9F8E59329AC929A9CDE7EDF3E27E01BC9EF128A67", "b0cc1d6464e1528a478108d4be94be4aca4c7ae69d9595b1e6b752713442022a"],
    ["ML-DSA-87", -50, "5AC4D695186486C11D21F0300DBDA6F38B8D1FA07A254549B64422D44B1AAC42", "f3181985231f1541993e4a5e676636e76ca97a2d551bff73d832e9ed80217b31"],
  ];
  for (const [name, alg, seed, pkSha256] of vectors) {
    it(`${name}: softkey's key from the seed is NIST's public key; its stored PKCS#8 gives it back`, () => {
      const algorithm = credentialAlgorithm(alg);
      const { keyPair } = algorithm.derive(new Uint8Array(Buffer.from(seed, "hex")));
      const pub = (decodeCbor(keyPair.publicKey) as Map<number, unknown>).get(-1) as Uint8Array;
      expect(createHash("sha256").update(pub).digest("hex")).toBe(pkSha256);
      expect(Buffer.from(algorithm.coseKeyOf(keyPair.privateKey))).toEqual(Buffer.from(keyPair.publicKey));
      // The seed-only PKCS#8: the seed is its last 32 bytes.
      expect(Buffer.from(keyPair.privateKey.subarray(-32)).toString("hex")).toBe(seed.toLowerCase());
    });
  }
});

describe("softkey decode names and checks every algorithm", () => {
  for (const [name, alg] of [
    ["ES256", -7],
    ["EdDSA", -8],
    ["ES384", -35],
    ["ES512", -36],
    ["ESP256", -9],
    ["ESP384", -51],
    ["ESP512", -52],
    ["Ed25519", -19],
    ["Ed448", -53],
    ["RS256", -257],
    ["ML-DSA-44", -48],
    ["ML-DSA-65", -49],
    ["ML-DSA-87", -50],
  ] as const) {
    it(`${name}: the algorithm by name, the self attestation and the assertion verify; a tampered assertion does not`, async () => {
      device = await TestDevice.create({ profile: profileOffering([alg]) });
      const challenge = "ZGVjb2Rl";
      const created = await device.key.create(
        { rp: { id: RP_ID, name: "Example" }, user: { id: "dXNlcg", name: "user", displayName: "User" }, challenge, pubKeyCredParams: [{ type: "public-key", alg }], attestation: "direct" },
        { origin: ORIGIN },
      );
      const decoded = await decodeResponse(JSON.stringify(created));
      expect(decoded.publicKeyAlgorithm).toEqual({ id: alg, name });
      expect(decoded.attestation).toMatchObject({ signatureValid: true });
      const got = await device.key.get({ rpId: RP_ID, challenge, allowCredentials: [{ type: "public-key", id: created.id }] }, { origin: ORIGIN });
      expect(checkAssertion(JSON.stringify(got), JSON.stringify(created)).signature).toMatchObject({ valid: true, algorithm: name });
      const signature = b64u(got.response.signature);
      signature[signature.length - 1]! ^= 1;
      const tampered = { ...got, response: { ...got.response, signature: Buffer.from(signature).toString("base64url") } };
      expect(checkAssertion(JSON.stringify(tampered), JSON.stringify(created)).signature.valid).toBe(false);
    });
  }
});

describe("export and import (softkey bundle) carry every algorithm", () => {
  it("a store with one credential of each algorithm round-trips, and each still signs in from the new store", async () => {
    const all = [-7, -8, -35, -36, -9, -51, -52, -19, -53, -257, -48, -49, -50];
    device = await TestDevice.create({ profile: profileOffering(all) });
    const registrations: string[] = [];
    for (const alg of all) {
      const created = await device.key.create(
        { rp: { id: RP_ID, name: "Example" }, user: { id: Buffer.from(`u${alg}`).toString("base64url"), name: "u", displayName: "U" }, challenge: "Yw", pubKeyCredParams: [{ type: "public-key", alg }] },
        { origin: ORIGIN },
      );
      registrations.push(JSON.stringify(created));
    }
    const scrypt = { N: 1024, r: 8, p: 1 };
    const bundle = (await exportCredentials(device.key, { format: "softkey", passphrase: "bundle", scrypt })).data;
    const target = await TestDevice.create({ profile: profileOffering(all) });
    try {
      const result = await importCredentials(target.key, JSON.stringify(bundle), { format: "softkey", passphrase: "bundle" });
      expect(result.imported).toHaveLength(all.length);
      for (const registration of registrations) {
        const id = (JSON.parse(registration) as { id: string }).id;
        const got = await target.key.get({ rpId: RP_ID, challenge: "Yw", allowCredentials: [{ type: "public-key", id }] }, { origin: ORIGIN });
        // Signed by the imported key, checked against the public key the original registration carried.
        expect(checkAssertion(JSON.stringify(got), registration).signature.valid).toBe(true);
      }
    } finally {
      await target.dispose();
    }
  });
});

describe("full attestation (x5c) for every algorithm: the attestation key signs, X.509 carries its certificate", () => {
  const all: [string, number][] = [
    ["ES256", -7], ["EdDSA", -8], ["ES384", -35], ["ES512", -36], ["ESP256", -9], ["ESP384", -51], ["ESP512", -52],
    ["Ed25519", -19], ["Ed448", -53], ["RS256", -257], ["ML-DSA-44", -48], ["ML-DSA-65", -49], ["ML-DSA-87", -50],
  ];
  it("packed with x5c for each credential algorithm; @simplewebauthn/server verifies the chain and signature where it knows the algorithm", async () => {
    const profile = profileOffering(all.map(([, alg]) => alg));
    const ca = await issueAttestationCa({ aaguid: profile.aaguid });
    device = await TestDevice.create({ profile });
    await device.key.keystore.putSetting(ATTESTATION_CA_SETTING, ca);
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [new Uint8Array(ca.root.certificate)] });
    try {
      for (const [name, alg] of all) {
        const created = await device.key.create(
          { rp: { id: RP_ID, name: "Example" }, user: { id: Buffer.from(name).toString("base64url"), name, displayName: name }, challenge: "eDVj", pubKeyCredParams: [{ type: "public-key", alg }], attestation: "direct" },
          { origin: ORIGIN },
        );
        const { fmt, attStmt, authData } = parseRegistration(created.response.attestationObject);
        expect([name, fmt, attStmt.get("alg"), (attStmt.get("x5c") as unknown[]).length]).toEqual([name, "packed", -7, 2]);
        // The batch certificate's key signed authData || clientDataHash, whatever the credential's algorithm.
        const signed = new Uint8Array([...authData, ...sha256(b64u(created.response.clientDataJSON))]);
        const { verify } = await import("node:crypto");
        expect(verify("sha256", signed, certificatePublicKey((attStmt.get("x5c") as Uint8Array[])[0]!), attStmt.get("sig") as Uint8Array)).toBe(true);
        if ([-7, -8, -35, -36, -257].includes(alg)) {
          const verification = await verifyRegistrationResponse({ response: created, expectedChallenge: "eDVj", expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: false, supportedAlgorithmIDs: [alg] });
          expect([name, verification.verified, verification.registrationInfo?.attestationObject ? "x5c" : ""]).toEqual([name, true, "x5c"]);
        }
      }
    } finally {
      SettingsService.setRootCertificates({ identifier: "packed", certificates: [] });
    }
  });
});
