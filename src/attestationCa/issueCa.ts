/**
 * Issuing a test attestation CA (`softkey ca init`): a self-signed root, an
 * intermediate (pathLen 0), a batch attestation certificate for the store's
 * AAGUID that meets WebAuthn's packed rules (section 8.2.1), the same key
 * certified by the root for fido-u2f (one certificate in x5c), and an
 * enterprise attestation certificate that also names this device's serial
 * number. P-256 keys from WebCrypto; certificates by @peculiar/x509, loaded
 * only here.
 */
import { randomBytes, webcrypto } from "node:crypto";
import { aaguidFromString } from "../authenticator/deviceConfig.js";
import type { AttestationCa, CertifiedKey } from "../crypto/attestation/attestationCa.js";
import { loadX509, type X509Module } from "../crypto/x509.js";

/** id-fido-gen-ce-aaguid (FIDO Metadata, WebAuthn section 8.2.1). */
export const FIDO_GEN_CE_AAGUID_OID = "1.3.6.1.4.1.45724.1.1.4";
/** What WebAuthn requires of the attestation certificate's OU. */
export const ATTESTATION_OU = "Authenticator Attestation";
export const DEFAULT_ATTESTATION_SUBJECT = "C=US, O=softkey, OU=Authenticator Attestation, CN=softkey Test Batch Attestation";

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
const YEAR_MS = 365.25 * 24 * 3600 * 1000;
/** Backdated by a day so that an RP whose clock lags a little does not see a certificate from the future. */
const BACKDATE_MS = 24 * 3600 * 1000;

export class CaSubjectError extends Error {
  override name = "CaSubjectError";
}

export interface IssueCaOptions {
  /** The AAGUID the attestation certificates carry (UUID form). */
  aaguid: string;
  /** Subject of the batch attestation certificate, e.g. "C=US, O=Acme, CN=Acme Key"; OU is added when absent. */
  subject?: string;
  now?: Date;
}

type JsonName = Record<string, string[]>[];

/**
 * The subject as an ordered list of attributes, checked against WebAuthn's
 * packed rules: C two letters, O and CN present, OU "Authenticator
 * Attestation" (added when left out). Throws CaSubjectError naming the problem.
 */
export async function attestationSubject(text: string): Promise<JsonName> {
  const x509 = await loadX509();
  let name: JsonName;
  try {
    name = new x509.Name(text).toJSON();
  } catch (cause) {
    throw new CaSubjectError(`--subject "${text}" is not a distinguished name like "C=US, O=Acme, CN=Acme Key": ${(cause as Error).message}`);
  }
  const values = (type: string) => name.flatMap((rdn) => rdn[type] ?? []);
  const one = (type: string, what: string): string => {
    const found = values(type);
    if (found.length !== 1 || found[0]!.trim() === "") throw new CaSubjectError(`--subject needs exactly one ${type} (${what}), got ${found.length === 0 ? "none" : found.map((v) => `"${v}"`).join(", ")}`);
    return found[0]!;
  };
  if (!/^[A-Z]{2}$/.test(one("C", "a two-letter country code"))) throw new CaSubjectError(`--subject C must be two capital letters (ISO 3166), got "${values("C")[0]}"`);
  one("O", "the vendor");
  one("CN", "the model");
  const ou = values("OU");
  if (ou.length === 0) {
    const cn = name.findIndex((rdn) => "CN" in rdn);
    name.splice(cn, 0, { OU: [ATTESTATION_OU] });
  } else if (ou.length !== 1 || ou[0] !== ATTESTATION_OU) {
    throw new CaSubjectError(`--subject OU must be "${ATTESTATION_OU}" (WebAuthn requires it), got ${ou.map((v) => `"${v}"`).join(", ")}`);
  }
  return name;
}

export async function issueAttestationCa(options: IssueCaOptions): Promise<AttestationCa> {
  const x509 = await loadX509();
  const subject = await attestationSubject(options.subject ?? DEFAULT_ATTESTATION_SUBJECT);
  const aaguid = aaguidFromString(options.aaguid);
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const until = (years: number) => new Date(now.getTime() + years * YEAR_MS);
  const field = (type: string) => subject.flatMap((rdn) => rdn[type] ?? [])[0]!;
  const caName = (cn: string): JsonName => [{ C: [field("C")] }, { O: [field("O")] }, { CN: [cn] }];
  const serialNumber = String(randomBytes(4).readUInt32BE() % 90_000_000 + 10_000_000);
  const enterpriseSubject = subject.map((rdn) => ("CN" in rdn ? { CN: [`${field("CN")} EA Serial ${serialNumber}`] } : rdn));

  const [rootKeys, intermediateKeys, attestationKeys, enterpriseKeys] = await Promise.all([newKeyPair(), newKeyPair(), newKeyPair(), newKeyPair()]);

  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: caName(`${field("O")} softkey Test Attestation Root CA`),
    keys: rootKeys,
    signingAlgorithm: SIGNING,
    serialNumber: serial(),
    notBefore,
    notAfter: until(30),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediate = await x509.X509CertificateGenerator.create({
    subject: caName(`${field("O")} softkey Test Attestation Intermediate CA`),
    issuer: root.subjectName,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING,
    serialNumber: serial(),
    notBefore,
    notAfter: until(25),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const leaf = async (name: JsonName, keys: CryptoKeyPair, issuer: { cert: typeof root; keys: CryptoKeyPair } = { cert: intermediate, keys: intermediateKeys }) =>
    x509.X509CertificateGenerator.create({
      subject: name,
      issuer: issuer.cert.subjectName,
      publicKey: keys.publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: SIGNING,
      serialNumber: serial(),
      notBefore,
      notAfter: until(20),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
        // fido-u2f has no AAGUID (the authenticator data carries zeros), so its certificate names none.
        ...(issuer.cert === root ? [] : [aaguidExtension(x509, aaguid)]),
      ],
    });
  const attestation = await leaf(subject, attestationKeys);
  const u2f = await leaf(subject, attestationKeys, { cert: root, keys: rootKeys });
  const enterprise = await leaf(enterpriseSubject, enterpriseKeys);

  return {
    version: 1,
    aaguid: options.aaguid,
    root: await certified(root, rootKeys),
    intermediate: await certified(intermediate, intermediateKeys),
    attestation: await certified(attestation, attestationKeys),
    u2f: await certified(u2f, attestationKeys),
    enterprise: await certified(enterprise, enterpriseKeys),
    serialNumber,
    createdAt: now.getTime(),
  };
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

function newKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

async function certified(certificate: { rawData: ArrayBuffer }, keys: CryptoKeyPair): Promise<CertifiedKey> {
  return {
    certificate: new Uint8Array(certificate.rawData),
    privateKey: new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
  };
}

/** A positive 16-byte serial number in hex (RFC 5280: at most 20 octets, positive). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString("hex");
}

/** id-fido-gen-ce-aaguid, non-critical; its extnValue is an OCTET STRING wrapping the 16 AAGUID bytes. */
function aaguidExtension(x509: X509Module, aaguid: Uint8Array) {
  return new x509.Extension(FIDO_GEN_CE_AAGUID_OID, false, Uint8Array.of(0x04, 0x10, ...aaguid));
}
