/**
 * Enterprise attestation (CTAP 2.1 section 7.1) through raw CTAP2 bytes: "ep"
 * in getInfo, authenticatorConfig enableEnterpriseAttestation, makeCredential's
 * enterpriseAttestation 1 (vendor-facilitated, listed RP IDs only) and 2
 * (platform-managed), epAtt, and reset disabling it.
 */
import "reflect-metadata";
import { verify, X509Certificate } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { SOFTKEY_AAGUID } from "../../src/authenticator/deviceConfig.js";
import { type AttestationCa } from "../../src/crypto/attestation/attestationCa.js";
import { ATTESTATION_CA_SETTING } from "../../src/authenticator/settings.js";
import { issueAttestationCa } from "../../src/attestationCa/issueCa.js";
import { concat, makeCredentialParams, openTestKey, sha256, type TestKey } from "../helpers/ctap.js";

const MC = 0x01;
const INFO = 0x04;
const RESET = 0x07;
const CONFIG = 0x0d;
const ENABLE_EA = 0x01;

let ca: AttestationCa;
beforeAll(async () => {
  ca = await issueAttestationCa({ aaguid: SOFTKEY_AAGUID, subject: "C=US, O=Acme, CN=Acme Key" });
});

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

async function open(enterpriseRpIds: string[] | undefined) {
  const clock = { now: 1_700_000_000_000 };
  // No built-in UV and no PIN: nothing protects authenticatorConfig, so it needs no token.
  key = await openTestKey({ presence: { uv: "off" }, config: { enterpriseRpIds }, now: () => clock.now });
  await key.store.putSetting(ATTESTATION_CA_SETTING, ca);
  return key;
}

async function ep(k: TestKey): Promise<boolean | undefined> {
  const { body } = await k.call(INFO);
  return (body!.get(4) as Map<string, boolean>).get("ep");
}

async function makeCredential(k: TestKey, rpId: string, enterpriseAttestation?: number) {
  const clientDataHash = sha256(`client data for ${rpId}`);
  const params = makeCredentialParams({ rpId, clientDataHash });
  if (enterpriseAttestation !== undefined) params.set(0x0a, enterpriseAttestation);
  const { status, body } = await k.call(MC, params);
  if (status !== Status.CTAP2_OK) return { status };
  const authData = body!.get(2) as Uint8Array;
  const attStmt = body!.get(3) as Map<string, unknown>;
  const x5c = attStmt.get("x5c") as Uint8Array[];
  // The statement verifies with x5c[0]'s key over authData || clientDataHash.
  const leaf = new X509Certificate(Buffer.from(x5c[0]!));
  const signed = concat(authData, clientDataHash);
  expect(verify("sha256", signed, leaf.publicKey, attStmt.get("sig") as Uint8Array)).toBe(true);
  return { status, epAtt: body!.get(4), subject: leaf.subject, leaf: Buffer.from(x5c[0]!) };
}

async function enable(k: TestKey) {
  return (await k.call(CONFIG, new Map<number, unknown>([[1, ENABLE_EA]]))).status;
}

describe("enterprise attestation", () => {
  it("is absent from a device not configured for it: no ep, the subcommand and the parameter are INVALID_PARAMETER", async () => {
    const k = await open(undefined);
    expect(await ep(k)).toBeUndefined();
    expect(await enable(k)).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    expect((await makeCredential(k, "example.com", 1)).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
  });

  it("starts disabled (ep false, requests INVALID_PARAMETER) until authenticatorConfig enables it", async () => {
    const k = await open(["corp.example"]);
    expect(await ep(k)).toBe(false);
    expect((await makeCredential(k, "corp.example", 1)).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    expect(await enable(k)).toBe(Status.CTAP2_OK);
    expect(await ep(k)).toBe(true);
  });

  it("vendor-facilitated: epAtt and the device's enterprise certificate for listed RP IDs only; platform-managed for any", async () => {
    const k = await open(["corp.example"]);
    expect(await enable(k)).toBe(Status.CTAP2_OK);
    const enterpriseCert = Buffer.from(ca.enterprise.certificate);
    const batchCert = Buffer.from(ca.attestation.certificate);

    const listed = await makeCredential(k, "corp.example", 1);
    expect(listed.status).toBe(Status.CTAP2_OK);
    expect(listed.epAtt).toBe(true);
    expect(listed.leaf!.equals(enterpriseCert)).toBe(true);
    expect(listed.subject).toContain(`EA Serial ${ca.serialNumber}`);

    const unlisted = await makeCredential(k, "example.com", 1);
    expect(unlisted.status).toBe(Status.CTAP2_OK);
    expect(unlisted.epAtt).toBeUndefined();
    expect(unlisted.leaf!.equals(batchCert)).toBe(true);

    const platform = await makeCredential(k, "example.com", 2);
    expect(platform.epAtt).toBe(true);
    expect(platform.leaf!.equals(enterpriseCert)).toBe(true);

    expect((await makeCredential(k, "corp.example", 3)).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
    const plain = await makeCredential(k, "corp.example");
    expect(plain.epAtt).toBeUndefined();
    expect(plain.leaf!.equals(batchCert)).toBe(true);
  });

  it("authenticatorReset disables it again; the CA stays", async () => {
    const k = await open([]);
    expect(await enable(k)).toBe(Status.CTAP2_OK);
    expect((await k.call(RESET)).status).toBe(Status.CTAP2_OK);
    expect(await ep(k)).toBe(false);
    expect((await makeCredential(k, "example.com", 2)).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    expect(await enable(k)).toBe(Status.CTAP2_OK);
    expect((await makeCredential(k, "example.com", 2)).epAtt).toBe(true);
  });
});
