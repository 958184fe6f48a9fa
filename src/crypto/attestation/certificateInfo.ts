/**
 * The facts of an X.509 certificate that matter for attestation, for people
 * to read (`softkey decode`, `softkey ca show`). Parsing is @peculiar/x509's,
 * loaded on first use.
 */
import { createHash, verify, X509Certificate as NodeX509Certificate, type KeyObject } from "node:crypto";
import { loadX509 } from "../x509.js";

export const FIDO_GEN_CE_AAGUID_OID = "1.3.6.1.4.1.45724.1.1.4";

export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** Hex, as the certificate carries it. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** basicConstraints CA; false when the extension is absent. */
  ca: boolean;
  pathLength?: number;
  /** id-fido-gen-ce-aaguid as a UUID, when present; a value that is not an OCTET STRING of 16 bytes is shown in hex. */
  aaguid?: string;
  publicKey: string;
  /** SHA-256 of the DER, hex. */
  sha256: string;
}

export async function describeCertificate(der: Uint8Array): Promise<CertificateInfo> {
  const x509 = await loadX509();
  const cert = new x509.X509Certificate(der);
  const info: CertificateInfo = {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    ca: false,
    publicKey: describePublicKey(certificatePublicKey(der)),
    sha256: createHash("sha256").update(der).digest("hex"),
  };
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  if (constraints) {
    info.ca = constraints.ca;
    if (constraints.pathLength !== undefined) info.pathLength = constraints.pathLength;
  }
  const aaguid = cert.extensions.find((ext) => ext.type === FIDO_GEN_CE_AAGUID_OID);
  if (aaguid) info.aaguid = aaguidExtensionValue(new Uint8Array(aaguid.value));
  return info;
}

/** The certificate's public key, through node's own X.509 parser. */
export function certificatePublicKey(der: Uint8Array): KeyObject {
  return new NodeX509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength)).publicKey;
}

/** Verify `signature` over `data` with the certificate's key (ECDSA/RSA with SHA-256, or EdDSA). */
export function verifyWithCertificate(der: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const key = certificatePublicKey(der);
  return verify(key.asymmetricKeyType === "ed25519" ? null : "sha256", data, key, signature);
}

function aaguidExtensionValue(value: Uint8Array): string {
  if (value.length === 18 && value[0] === 0x04 && value[1] === 0x10) {
    const hex = Buffer.from(value.subarray(2)).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return `malformed: ${Buffer.from(value).toString("hex")}`;
}

function describePublicKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ec":
      return `EC ${details.namedCurve === "prime256v1" ? "P-256" : (details.namedCurve ?? "")}`.trim();
    case "rsa":
      return `RSA ${details.modulusLength ?? ""}`.trim();
    default:
      return key.asymmetricKeyType ?? "unknown";
  }
}
