/**
 * Attestation with a test CA, end to end: softkey's WebAuthn client and core
 * over a real store, checked by @simplewebauthn/server with the CA's root as
 * its only trust anchor (SettingsService) or through the metadata statement
 * (MetadataService); certificate fields checked independently with
 * @peculiar/x509.
 */
import "reflect-metadata";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { generateRegistrationOptions, MetadataService, SettingsService, verifyRegistrationResponse } from "@simplewebauthn/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Softkey, type InitOptions } from "../../src/softkey.js";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { SOFTKEY_AAGUID } from "../../src/authenticator/deviceConfig.js";
import { type AttestationCa } from "../../src/crypto/attestation/attestationCa.js";
import { ATTESTATION_CA_SETTING } from "../../src/authenticator/settings.js";
import { issueAttestationCa } from "../../src/attestationCa/issueCa.js";
import { metadataStatement } from "../../src/attestationCa/metadataStatement.js";
import { toPem } from "../../src/attestationCa/describeCa.js";
import type { RegistrationResponseJSON } from "../../src/client/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";

const origin = "https://login.example.com";
const rpID = "example.com";
const AAGUID_OID = "1.3.6.1.4.1.45724.1.1.4";

let ca: AttestationCa;
let otherCa: AttestationCa;
beforeAll(async () => {
  [ca, otherCa] = await Promise.all([
    issueAttestationCa({ aaguid: SOFTKEY_AAGUID, subject: "C=SE, O=Acme AB, CN=Acme Key 5 NFC" }),
    issueAttestationCa({ aaguid: SOFTKEY_AAGUID }),
  ]);
});

const open: { key: Softkey; dir: string }[] = [];
afterEach(async () => {
  for (const { key, dir } of open.splice(0)) {
    await key.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
  SettingsService.setRootCertificates({ identifier: "packed", certificates: [] });
  SettingsService.setRootCertificates({ identifier: "fido-u2f", certificates: [] });
});
afterAll(async () => {
  await MetadataService.initialize({ mdsServers: [], statements: [], verificationMode: "permissive" });
});

async function newKey(init: InitOptions = {}, withCa: AttestationCa | null = ca, log?: (m: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), "softkey-att-"));
  const key = await Softkey.init(join(dir, "store"), "attestation", { scrypt: TEST_SCRYPT, ...init }, { log });
  open.push({ key, dir });
  if (withCa) await key.keystore.putSetting(ATTESTATION_CA_SETTING, withCa);
  return key;
}

async function register(key: Softkey, alg = -7, attestationType: "direct" | "none" | "enterprise" = "direct") {
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID,
    userName: "alice@example.com",
    attestationType,
    supportedAlgorithmIDs: [alg],
    authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" },
  });
  const response = await key.create(options, { origin });
  const verify = () =>
    verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
      supportedAlgorithmIDs: [alg],
    });
  return { response, verify, attestation: attestationObject(response) };
}

function attestationObject(response: RegistrationResponseJSON) {
  const object = decodeCbor(Buffer.from(response.response.attestationObject, "base64url")) as Map<string, unknown>;
  const authData = object.get("authData") as Uint8Array;
  return {
    fmt: object.get("fmt") as string,
    attStmt: object.get("attStmt") as Map<string, unknown>,
    aaguid: Buffer.from(authData.subarray(37, 53)).toString("hex"),
  };
}

const pemOf = (der: Uint8Array) => toPem(der);
const hexAaguid = SOFTKEY_AAGUID.replace(/-/g, "");

describe("packed attestation with an x5c chain", () => {
  it("verifies with @simplewebauthn/server with the CA's root as the only trust anchor", async () => {
    const key = await newKey();
    const { verify, attestation } = await register(key);
    expect(attestation.fmt).toBe("packed");
    expect(attestation.attStmt.get("alg")).toBe(-7);
    const x5c = attestation.attStmt.get("x5c") as Uint8Array[];
    // x5c = [attestation certificate, intermediate], unaltered by the client for "direct".
    expect(x5c.map((c) => Buffer.from(c).toString("hex"))).toEqual(
      [ca.attestation.certificate, ca.intermediate.certificate].map((c) => Buffer.from(c).toString("hex")),
    );
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [pemOf(ca.root.certificate)] });
    const result = await verify();
    expect(result.verified).toBe(true);
    expect(result.registrationInfo!.fmt).toBe("packed");
    expect(result.registrationInfo!.aaguid).toBe(SOFTKEY_AAGUID);
  });

  it("fails when the RP trusts a different root", async () => {
    const key = await newKey();
    const { verify } = await register(key);
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [pemOf(otherCa.root.certificate)] });
    await expect(verify()).rejects.toThrow(/could not be chained|trust anchor/);
  });

  it("verifies through the exported metadata statement (MetadataService, strict), whose AAGUID is the credential's", async () => {
    const key = await newKey();
    const info = decodeCbor((await key.authenticator.transact(Uint8Array.of(0x04))).subarray(1)) as Map<number, unknown>;
    const statement = metadataStatement({ aaguid: SOFTKEY_AAGUID, getInfo: info, rootCertificate: ca.root.certificate });
    expect(statement).toMatchObject({ aaguid: SOFTKEY_AAGUID, protocolFamily: "fido2", schema: 3, attestationTypes: ["basic_full"], tcDisplay: [] });
    expect((statement.authenticatorGetInfo as { aaguid: string }).aaguid).toBe(hexAaguid);
    await MetadataService.initialize({ mdsServers: [], statements: [statement as never], verificationMode: "strict" });
    try {
      const { verify } = await register(key);
      const result = await verify();
      expect(result.verified).toBe(true);
      expect(result.registrationInfo!.aaguid).toBe(statement.aaguid);

      // The same statement with another CA's root: the chain does not lead there.
      const wrong = { ...statement, attestationRootCertificates: [Buffer.from(otherCa.root.certificate).toString("base64")] };
      await MetadataService.initialize({ mdsServers: [], statements: [wrong as never], verificationMode: "strict" });
      await expect((await register(key)).verify()).rejects.toThrow(/could not be chained|trust anchor/);
    } finally {
      await MetadataService.initialize({ mdsServers: [], statements: [], verificationMode: "permissive" });
    }
  });

  it("issues certificates that meet WebAuthn's packed rules (checked with @peculiar/x509)", async () => {
    const leaf = new x509.X509Certificate(ca.attestation.certificate);
    const intermediate = new x509.X509Certificate(ca.intermediate.certificate);
    const root = new x509.X509Certificate(ca.root.certificate);
    expect(leaf.subjectName.getField("OU")).toEqual(["Authenticator Attestation"]);
    expect(leaf.subjectName.getField("C")).toEqual(["SE"]);
    expect(leaf.subjectName.getField("O")).toEqual(["Acme AB"]);
    expect(leaf.subjectName.getField("CN")).toEqual(["Acme Key 5 NFC"]);
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    const aaguidExt = leaf.extensions.find((e) => e.type === AAGUID_OID)!;
    expect(aaguidExt.critical).toBe(false);
    // extnValue is an OCTET STRING (0x04, length 16) wrapping the AAGUID.
    expect(Buffer.from(aaguidExt.value).toString("hex")).toBe(`0410${hexAaguid}`);
    expect(leaf.notAfter.getTime() - Date.now()).toBeGreaterThan(10 * 365 * 24 * 3600 * 1000);
    // X.509 v3: the TBSCertificate starts with the explicit [0] version tag holding INTEGER 2.
    expect(Buffer.from(ca.attestation.certificate).includes(Buffer.from("a003020102", "hex"))).toBe(true);

    const intermediateConstraints = intermediate.getExtension(x509.BasicConstraintsExtension)!;
    expect(intermediateConstraints.ca).toBe(true);
    expect(intermediateConstraints.pathLength).toBe(0);
    expect(root.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    expect(await root.isSelfSigned()).toBe(true);
    expect(await leaf.verify({ publicKey: intermediate.publicKey, signatureOnly: true })).toBe(true);
    expect(await intermediate.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
    expect(leaf.publicKey.algorithm).toMatchObject({ name: "ECDSA", namedCurve: "P-256" });
  });

  it("the client's conveyance 'none' strips the statement; packed without a CA is self attestation", async () => {
    const key = await newKey();
    const stripped = await register(key, -7, "none");
    expect(stripped.attestation.fmt).toBe("none");
    expect((await stripped.verify()).verified).toBe(true);

    const selfKey = await newKey({}, null);
    const self = await register(selfKey);
    expect(self.attestation.fmt).toBe("packed");
    expect(self.attestation.attStmt.has("x5c")).toBe(false);
    expect((await self.verify()).verified).toBe(true);
  });

  it("a device set to 'none' stays none with a CA; a CA for another AAGUID is not used", async () => {
    const noneKey = await newKey({ attestation: "none" });
    expect((await register(noneKey)).attestation.fmt).toBe("none");

    const logs: string[] = [];
    const otherAaguid = await newKey({ aaguid: "11111111-2222-3333-4444-555555555555" }, ca, (m) => logs.push(m));
    const { attestation, verify } = await register(otherAaguid);
    expect(attestation.fmt).toBe("packed");
    expect(attestation.attStmt.has("x5c")).toBe(false);
    expect((await verify()).verified).toBe(true);
    expect(logs.join("\n")).toMatch(/issued for AAGUID/);
  });
});

describe("fido-u2f attestation", () => {
  it("verifies for ES256 with an all-zero AAGUID and one certificate", async () => {
    const key = await newKey({ attestation: "fido-u2f" });
    const { attestation, verify } = await register(key, -7);
    expect(attestation.fmt).toBe("fido-u2f");
    expect(attestation.aaguid).toBe("0".repeat(32));
    expect([...attestation.attStmt.keys()].sort()).toEqual(["sig", "x5c"]);
    expect((attestation.attStmt.get("x5c") as Uint8Array[]).length).toBe(1);
    // Its one certificate is issued by the root itself, so the same root.pem is the trust anchor.
    SettingsService.setRootCertificates({ identifier: "fido-u2f", certificates: [pemOf(ca.root.certificate)] });
    const result = await verify();
    expect(result.verified).toBe(true);
    expect(result.registrationInfo!.fmt).toBe("fido-u2f");
    SettingsService.setRootCertificates({ identifier: "fido-u2f", certificates: [pemOf(otherCa.root.certificate)] });
    await expect(verify()).rejects.toThrow(/could not be chained|trust anchor/);
  });

  it("falls back to packed with x5c for EdDSA, and to packed self without a CA", async () => {
    const key = await newKey({ attestation: "fido-u2f" });
    const eddsa = await register(key, -8);
    expect(eddsa.attestation.fmt).toBe("packed");
    expect(eddsa.attestation.aaguid).toBe(hexAaguid);
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [pemOf(ca.root.certificate)] });
    expect((await eddsa.verify()).verified).toBe(true);

    const noCa = await newKey({ attestation: "fido-u2f" }, null);
    const self = await register(noCa, -7);
    expect(self.attestation.fmt).toBe("packed");
    expect(self.attestation.attStmt.has("x5c")).toBe(false);
    expect((await self.verify()).verified).toBe(true);
  });
});

describe("deterministic mode", () => {
  it("gives byte-identical packed x5c and fido-u2f attestation objects for the same seed, CA and request", async () => {
    for (const attestation of ["packed", "fido-u2f"] as const) {
      const objects: string[] = [];
      for (let run = 0; run < 2; run++) {
        const dir = mkdtempSync(join(tmpdir(), "softkey-att-"));
        const key = await Softkey.init(join(dir, "store"), "attestation", { scrypt: TEST_SCRYPT, attestation }, { seed: "fixture seed" });
        open.push({ key, dir });
        await key.keystore.putSetting(ATTESTATION_CA_SETTING, ca);
        const response = await key.create(
          {
            rp: { id: rpID, name: "Example" },
            user: { id: "dXNlcg", name: "alice", displayName: "Alice" },
            challenge: "Y2hhbGxlbmdlLWNoYWxsZW5nZS0xMjM0",
            pubKeyCredParams: [{ type: "public-key", alg: -7 }],
            attestation: "direct",
          },
          { origin },
        );
        objects.push(response.response.attestationObject);
      }
      expect(attestationObject({ response: { attestationObject: objects[0]! } } as never).attStmt.has("x5c")).toBe(true);
      expect(objects[1]).toBe(objects[0]);
    }
  });
});

describe("the CA in the store", () => {
  it("is sealed: no private key's PKCS#8 bytes (nor its certificates) appear in any store file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "softkey-att-"));
    try {
      const store = join(dir, "store");
      const key = await Softkey.init(store, "attestation", { scrypt: TEST_SCRYPT });
      const issued = await issueAttestationCa({ aaguid: SOFTKEY_AAGUID });
      await key.keystore.putSetting(ATTESTATION_CA_SETTING, issued);
      await key.close();
      const reopened = await Softkey.open(store, { passphrase: "attestation" });
      const stored = (await reopened.keystore.getSetting<AttestationCa>(ATTESTATION_CA_SETTING))!;
      await reopened.close();
      expect(Buffer.from(stored.attestation.privateKey).equals(Buffer.from(issued.attestation.privateKey))).toBe(true);

      const files = readdirSync(store).map((name) => join(store, name)).filter((file) => statSync(file).isFile());
      const contents = files.map((file) => readFileSync(file));
      // The scan sees the records themselves: the setting's key is stored in the clear beside its sealed value.
      expect(contents.some((c) => c.includes(Buffer.from(`s!${ATTESTATION_CA_SETTING}`)))).toBe(true);
      const secrets = [issued.root, issued.intermediate, issued.attestation, issued.u2f, issued.enterprise].flatMap((c) => [
        Buffer.from(c.privateKey),
        // The 32-byte private scalar inside the PKCS#8, on its own.
        Buffer.from(c.privateKey).subarray(Buffer.from(c.privateKey).indexOf(Buffer.from("0420", "hex")) + 2).subarray(0, 32),
      ]);
      for (const secret of [...secrets, Buffer.from(issued.attestation.certificate)]) {
        for (const content of contents) expect(content.includes(secret)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("survives authenticatorReset, as the device settings do", async () => {
    const key = await newKey();
    await register(key);
    expect((await key.listCredentials()).credentials).toHaveLength(1);
    const status = await key.authenticator.transact(Uint8Array.of(0x07));
    expect(status[0]).toBe(0);
    expect((await key.listCredentials()).credentials).toHaveLength(0);
    expect(await key.keystore.getSetting(ATTESTATION_CA_SETTING)).toBeDefined();
    const { attestation } = await register(key);
    expect((attestation.attStmt.get("x5c") as Uint8Array[]).length).toBe(2);
  });
});
