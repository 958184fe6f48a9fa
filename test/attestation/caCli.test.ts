/**
 * `softkey ca init | show | export` through the built binary, and a relying
 * party (@simplewebauthn/server) that trusts exactly the exported root and
 * metadata statement accepting what `softkey create` attests.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRegistrationOptions, MetadataService, SettingsService, verifyRegistrationResponse } from "@simplewebauthn/server";
import { assertBuilt, expectOneLineError, runCli, type RunOptions } from "../cli/run.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";
const PASSPHRASE = "ca test";

let tmp: string;
let store: string;

function softkey(args: string[], options: RunOptions = {}, dir = store) {
  return runCli(["--store", dir, ...args], { ...options, env: { SOFTKEY_PASSPHRASE: PASSPHRASE, ...options.env } });
}

/** `softkey create` with direct attestation; returns the response and its challenge. */
async function create() {
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID: RP_ID,
    userName: "alice",
    attestationType: "direct",
    supportedAlgorithmIDs: [-7],
    authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" },
  });
  const file = path.join(tmp, "reg-options.json");
  await writeFile(file, JSON.stringify(options));
  const result = await softkey(["create", "--origin", ORIGIN, "--options", file]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const response = JSON.parse(result.stdout);
  return {
    response,
    verify: () =>
      verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: false }),
  };
}

async function exportTrust(dir: string) {
  const result = await softkey(["ca", "export", "--out", dir]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return {
    rootPem: await readFile(path.join(dir, "root.pem"), "utf8"),
    metadata: JSON.parse(await readFile(path.join(dir, "metadata.json"), "utf8")) as Record<string, unknown>,
  };
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-ca-cli-"));
  store = path.join(tmp, "keystore");
  expect((await softkey(["init", "--kdf-cost", "10"])).code).toBe(0);
});

afterAll(async () => {
  await MetadataService.initialize({ mdsServers: [], statements: [], verificationMode: "permissive" });
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey ca", () => {
  it("show and export without a CA: one-line error, exit 6", async () => {
    for (const args of [["ca", "show"], ["ca", "export", "--out", path.join(tmp, "none")]]) {
      const result = await softkey(args);
      expect(result.code).toBe(6);
      expectOneLineError(result, /no attestation CA.*softkey ca init/);
    }
  });

  it("init rejects a subject WebAuthn would reject: one-line error, exit 3", async () => {
    for (const [subject, pattern] of [
      ["C=USA, O=Acme, CN=Key", /two capital letters/],
      ["C=US, CN=Key", /exactly one O/],
      ["C=US, O=Acme, OU=Sales, CN=Key", /OU must be "Authenticator Attestation"/],
    ] as const) {
      const result = await softkey(["ca", "init", "--subject", subject]);
      expect(result.code).toBe(3);
      expectOneLineError(result, pattern);
    }
  });

  it("init creates the CA; a second init without --force is refused (exit 6); show lists its certificates", async () => {
    const first = await softkey(["ca", "init", "--subject", "C=SE, O=Acme AB, CN=Acme Key 5"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("OU=Authenticator Attestation, CN=Acme Key 5");

    const again = await softkey(["ca", "init"]);
    expect(again.code).toBe(6);
    expectOneLineError(again, /already has an attestation CA.*--force/);

    const show = await softkey(["ca", "show", "--json"]);
    expect(show.code).toBe(0);
    const description = JSON.parse(show.stdout);
    const info = JSON.parse((await softkey(["info", "--json"])).stdout);
    expect(description).toMatchObject({ aaguid: info.aaguid, matchesDevice: true });
    const { root, intermediate, attestation, u2f, enterprise } = description.certificates;
    expect(root).toMatchObject({ ca: true });
    expect(root.subject).toBe(root.issuer);
    expect(intermediate).toMatchObject({ ca: true, pathLength: 0, issuer: root.subject });
    expect(attestation).toMatchObject({ ca: false, aaguid: info.aaguid, issuer: intermediate.subject, subject: "C=SE, O=Acme AB, OU=Authenticator Attestation, CN=Acme Key 5" });
    expect(u2f).toMatchObject({ ca: false, issuer: root.subject });
    expect(enterprise.subject).toContain(`EA Serial ${description.serialNumber}`);
    expect(attestation.sha256).toMatch(/^[0-9a-f]{64}$/);

    const text = await softkey(["ca", "show"]);
    expect(text.stdout).toContain("Acme Key 5");
    expect(text.stdout).toContain(attestation.sha256);
  });

  it("export writes root.pem and a metadata statement; an RP trusting exactly those accepts `softkey create`", async () => {
    const { rootPem, metadata } = await exportTrust(path.join(tmp, "trust"));
    const info = JSON.parse((await softkey(["info", "--json"])).stdout);
    expect(metadata).toMatchObject({
      aaguid: info.aaguid,
      protocolFamily: "fido2",
      schema: 3,
      attestationTypes: ["basic_full"],
      tcDisplay: [],
      publicKeyAlgAndEncodings: ["cose"],
      authenticationAlgorithms: ["secp256r1_ecdsa_sha256_raw", "ed25519_eddsa_sha512_raw"],
    });
    for (const key of ["description", "authenticatorVersion", "upv", "userVerificationDetails", "keyProtection", "matcherProtection", "attachmentHint"]) {
      expect(metadata).toHaveProperty(key);
    }
    const getInfo = metadata.authenticatorGetInfo as Record<string, unknown>;
    expect(getInfo).toMatchObject({ versions: info.getInfo.versions, aaguid: info.aaguid.replace(/-/g, "") });
    expect(new X509Certificate(rootPem).raw.toString("base64")).toBe((metadata.attestationRootCertificates as string[])[0]);

    const { response, verify } = await create();
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [rootPem] });
    const byRoot = await verify();
    expect(byRoot.verified).toBe(true);
    expect(byRoot.registrationInfo!.fmt).toBe("packed");
    expect(byRoot.registrationInfo!.aaguid).toBe(metadata.aaguid);
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [] });

    await MetadataService.initialize({ mdsServers: [], statements: [metadata as never], verificationMode: "strict" });
    try {
      expect((await verify()).verified).toBe(true);
    } finally {
      await MetadataService.initialize({ mdsServers: [], statements: [], verificationMode: "permissive" });
    }
    expect(response.response.transports).toEqual(["usb"]);
  });

  it("init --enterprise-rp-id makes the device enterprise attestation capable (ep false until enabled)", async () => {
    const eaStore = path.join(tmp, "enterprise");
    const init = await softkey(["init", "--kdf-cost", "10", "--enterprise-rp-id", "corp.example", "--enterprise-rp-id", "hr.corp.example"], {}, eaStore);
    expect(init.code).toBe(0);
    const info = JSON.parse((await softkey(["info", "--json"], {}, eaStore)).stdout);
    expect(info.getInfo.options.ep).toBe(false);
    const plain = JSON.parse((await softkey(["info", "--json"])).stdout);
    expect(plain.getInfo.options).not.toHaveProperty("ep");
  });

  it("init --force replaces the CA: new credentials chain to the new root only", async () => {
    const old = await exportTrust(path.join(tmp, "old"));
    const forced = await softkey(["ca", "init", "--force"]);
    expect(forced.code).toBe(0);
    const fresh = await exportTrust(path.join(tmp, "new"));
    expect(fresh.rootPem).not.toBe(old.rootPem);

    const { verify } = await create();
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [old.rootPem] });
    await expect(verify()).rejects.toThrow(/could not be chained|trust anchor/);
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [fresh.rootPem] });
    expect((await verify()).verified).toBe(true);
    SettingsService.setRootCertificates({ identifier: "packed", certificates: [] });
  });
});
