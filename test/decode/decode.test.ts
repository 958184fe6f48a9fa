/**
 * `softkey decode`: the pure decoder on responses softkey makes (packed with
 * x5c, fido-u2f, self, none, assertions), and the built binary on files and
 * stdin, text and --json, with garbage giving one line and exit 3.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAuthenticationOptions, generateRegistrationOptions } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import { SOFTKEY_AAGUID } from "../../src/authenticator/deviceConfig.js";
import { type AttestationCa } from "../../src/crypto/attestation/attestationCa.js";
import { ATTESTATION_CA_SETTING } from "../../src/authenticator/settings.js";
import { issueAttestationCa } from "../../src/attestationCa/issueCa.js";
import { decodeResponse, ResponseDecodeError } from "../../src/decode/decodeResponse.js";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../../src/client/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { assertBuilt, expectOneLineError, runCli } from "../cli/run.js";

const origin = "https://login.example.com";
const rpID = "example.com";
const SUBJECT = "C=SE, O=Acme AB, OU=Authenticator Attestation, CN=Acme Key 5";

let dir: string;
let ca: AttestationCa;
let key: Softkey;
let u2fKey: Softkey;
let registration: RegistrationResponseJSON;
let u2fRegistration: RegistrationResponseJSON;
let assertion: AuthenticationResponseJSON;

async function register(k: Softkey, attestationType: "direct" | "none" = "direct", alg = -7) {
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID,
    userName: "alice@example.com",
    userID: new TextEncoder().encode("user-alice"),
    attestationType,
    supportedAlgorithmIDs: [alg],
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    extensions: { credProps: true } as never,
  });
  return k.create(options, { origin });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "softkey-decode-"));
  ca = await issueAttestationCa({ aaguid: SOFTKEY_AAGUID, subject: SUBJECT });
  key = await Softkey.init(join(dir, "store"), "decode", { scrypt: TEST_SCRYPT });
  await key.keystore.putSetting(ATTESTATION_CA_SETTING, ca);
  u2fKey = await Softkey.init(join(dir, "u2f"), "decode", { scrypt: TEST_SCRYPT, attestation: "fido-u2f" });
  await u2fKey.keystore.putSetting(ATTESTATION_CA_SETTING, ca);
  registration = await register(key);
  u2fRegistration = await register(u2fKey);
  const options = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: registration.id }], userVerification: "preferred" });
  assertion = await key.get(options, { origin });
});

afterAll(async () => {
  await key?.close();
  await u2fKey?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("decodeResponse", () => {
  it("takes a packed registration with x5c apart", async () => {
    const d = await decodeResponse(JSON.stringify(registration));
    expect(d.kind).toBe("registration");
    expect(d.clientData).toMatchObject({ type: "webauthn.create", origin, crossOrigin: false });
    expect(typeof d.clientData.challenge).toBe("string");
    // The origin's host is login.example.com; its parent domain example.com is the RP ID.
    expect(d.authenticatorData.rpId).toBe(rpID);
    expect(d.authenticatorData.flags).toMatchObject({ UP: true, UV: true, BE: false, BS: false, AT: true, ED: true });
    expect(d.authenticatorData.signCount).toBe(0);
    expect(d.authenticatorData.extensions).toEqual({ credProtect: 2 });
    expect(d.clientExtensionResults).toEqual({ credProps: { rk: true } });
    const acd = d.authenticatorData.attestedCredentialData!;
    expect(acd.aaguid).toBe(SOFTKEY_AAGUID);
    expect(acd.credentialId).toBe(registration.id);
    expect(acd.publicKey).toMatchObject({ kty: { id: 2, name: "EC2" }, alg: { id: -7, name: "ES256" }, crv: { id: 1, name: "P-256" } });
    expect(acd.publicKey.x).toMatch(/^[0-9a-f]{64}$/);
    expect(acd.publicKey.y).toMatch(/^[0-9a-f]{64}$/);

    const att = d.attestation!;
    expect(att).toMatchObject({ fmt: "packed", alg: { id: -7, name: "ES256" }, signatureValid: true, certificateAaguidMatches: true });
    expect(att.certificates).toHaveLength(2);
    expect(att.certificates[0]).toMatchObject({ subject: SUBJECT, ca: false, aaguid: SOFTKEY_AAGUID });
    expect(att.certificates[1]).toMatchObject({ ca: true, pathLength: 0 });
    expect(att.certificates[0]!.issuer).toBe(att.certificates[1]!.subject);
    expect(d.publicKeyAlgorithm).toEqual({ id: -7, name: "ES256" });
  });

  it("says INVALID when the attestation signature does not verify", async () => {
    const tampered = structuredClone(registration);
    // Flip one bit of the challenge: clientDataHash changes, the signature no longer covers it.
    const clientData = JSON.parse(Buffer.from(tampered.response.clientDataJSON, "base64url").toString());
    clientData.challenge = clientData.challenge.replace(/^./, (c: string) => (c === "A" ? "B" : "A"));
    tampered.response.clientDataJSON = Buffer.from(JSON.stringify(clientData)).toString("base64url");
    const d = await decodeResponse(tampered);
    expect(d.attestation!.signatureValid).toBe(false);
  });

  it("checks fido-u2f (zero AAGUID) and self attestation, and leaves none unchecked", async () => {
    const u2f = await decodeResponse(u2fRegistration);
    expect(u2f.attestation).toMatchObject({ fmt: "fido-u2f", signatureValid: true });
    expect(u2f.attestation!.certificates).toHaveLength(1);
    expect(u2f.authenticatorData.attestedCredentialData!.aaguid).toBe("00000000-0000-0000-0000-000000000000");

    const selfKey = await Softkey.init(join(dir, "self"), "decode", { scrypt: TEST_SCRYPT });
    try {
      const self = await decodeResponse(await register(selfKey, "direct", -8));
      expect(self.attestation).toMatchObject({ fmt: "packed", alg: { name: "EdDSA" }, signatureValid: true, certificates: [] });
      expect(self.authenticatorData.attestedCredentialData!.publicKey).toMatchObject({ kty: { name: "OKP" }, crv: { name: "Ed25519" } });
      const none = await decodeResponse(await register(selfKey, "none"));
      expect(none.attestation!.fmt).toBe("none");
      expect(none.attestation!.signatureValid).toBeUndefined();
    } finally {
      await selfKey.close();
    }
  });

  it("takes an assertion apart: flags, counter, user handle", async () => {
    const d = await decodeResponse(assertion, { rpIds: ["other.example"] });
    expect(d.kind).toBe("authentication");
    expect(d.clientData.type).toBe("webauthn.get");
    expect(d.authenticatorData.rpIdCandidates.slice(0, 2)).toEqual(["other.example", "login.example.com"]);
    expect(d.authenticatorData.rpId).toBe(rpID);
    expect(d.authenticatorData.flags).toMatchObject({ UP: true, AT: false, ED: false });
    expect(d.authenticatorData.signCount).toBeGreaterThan(0);
    expect(d.assertion!.userHandleText).toBe("user-alice");
    expect(d.attestation).toBeUndefined();
  });

  it("refuses what is not a response with a ResponseDecodeError", async () => {
    for (const garbage of ["", "not json", "[]", "{}", '{"response":{}}', JSON.stringify({ response: { clientDataJSON: "!!", attestationObject: "AA" } })]) {
      await expect(decodeResponse(garbage)).rejects.toBeInstanceOf(ResponseDecodeError);
    }
    const broken = structuredClone(registration);
    broken.response.attestationObject = broken.response.attestationObject.slice(0, 40);
    await expect(decodeResponse(broken)).rejects.toThrow(/attestationObject/);
  });
});

describe("softkey decode (the binary)", () => {
  let files: { registration: string; assertion: string; garbage: string };
  beforeAll(() => {
    assertBuilt();
    files = { registration: join(dir, "reg.json"), assertion: join(dir, "auth.json"), garbage: join(dir, "garbage.json") };
    writeFileSync(files.registration, JSON.stringify(registration));
    writeFileSync(files.assertion, JSON.stringify(assertion));
    writeFileSync(files.garbage, "\u0000\u0001 definitely not JSON");
  });

  it("prints a registration readably: flags, counter, AAGUID, key, certificate subject, signature check", async () => {
    const result = await runCli(["decode", files.registration]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^registration /);
    expect(out).toMatch(/origin\s+https:\/\/login\.example\.com/);
    expect(out).toMatch(/rpId\s+example\.com \(SHA-256 matches\)/);
    expect(out).toMatch(/flags\s+0xc5 UP UV AT ED/);
    expect(out).toMatch(/signCount\s+0/);
    expect(out).toMatch(new RegExp(`AAGUID\\s+${SOFTKEY_AAGUID}`));
    expect(out).toMatch(/publicKey\s+kty EC2 \(2\), alg ES256 \(-7\), crv P-256 \(1\)/);
    expect(out).toMatch(/fmt\s+packed/);
    expect(out).toMatch(/signature check\s+VALID/);
    expect(out).toMatch(new RegExp(`x5c\\[0\\] \\(attestation certificate\\)\\n\\s+subject\\s+${SUBJECT}\\n`));
    expect(out).toMatch(/AAGUID extension\s+1d22abe7-f7cc-493e-8732-2b75abc380a7 \(equals authData's AAGUID\)/);
  });

  it("prints an assertion, read from stdin", async () => {
    const result = await runCli(["decode"], { input: JSON.stringify(assertion) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^authentication /);
    expect(result.stdout).toMatch(/flags\s+0x0[15] UP/);
    expect(result.stdout).toMatch(/signCount\s+[1-9]/);
    expect(result.stdout).toMatch(/userHandle\s+\S+ \("user-alice"\)/);
  });

  it("--json gives the same as structured JSON", async () => {
    const result = await runCli(["decode", files.registration, "--json", "--rp", "example.com"]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toEqual(JSON.parse(JSON.stringify(await decodeResponse(registration, { rpIds: ["example.com"] }))));
    expect(json).toMatchObject({
      kind: "registration",
      clientData: { type: "webauthn.create", origin },
      authenticatorData: { rpId: "example.com", signCount: 0, flags: { UP: true, AT: true }, attestedCredentialData: { aaguid: SOFTKEY_AAGUID } },
      attestation: { fmt: "packed", signatureValid: true, certificates: [{ subject: SUBJECT, ca: false }, { ca: true }] },
    });
    const assertionJson = JSON.parse((await runCli(["decode", files.assertion, "--json"])).stdout);
    expect(assertionJson).toMatchObject({ kind: "authentication", assertion: { userHandleText: "user-alice" } });
  });

  it("garbage, an empty stdin or a missing file: one-line error, exit 3", async () => {
    for (const [args, input] of [[["decode", files.garbage], ""], [["decode"], ""], [["decode", "-"], "{}"], [["decode", join(dir, "missing.json")], ""]] as const) {
      const result = await runCli([...args], { input });
      expect(result.code).toBe(3);
      expectOneLineError(result, /cannot (decode|read)/);
    }
  });
});
