/** The attestation CA as `softkey ca show` and `ca init` present it: no private key in here. */
import type { AttestationCa } from "../crypto/attestation/attestationCa.js";
import { describeCertificate, type CertificateInfo } from "../crypto/attestation/certificateInfo.js";

export interface CaDescription {
  aaguid: string;
  /** False when the device now reports another AAGUID: the core then does not attest with this CA. */
  matchesDevice: boolean;
  serialNumber: string;
  createdAt: string;
  certificates: { root: CertificateInfo; intermediate: CertificateInfo; attestation: CertificateInfo; u2f: CertificateInfo; enterprise: CertificateInfo };
}

export async function describeCa(ca: AttestationCa, deviceAaguid: string): Promise<CaDescription> {
  const [root, intermediate, attestation, u2f, enterprise] = await Promise.all(
    [ca.root, ca.intermediate, ca.attestation, ca.u2f, ca.enterprise].map((c) => describeCertificate(c.certificate)),
  );
  return {
    aaguid: ca.aaguid,
    matchesDevice: ca.aaguid === deviceAaguid,
    serialNumber: ca.serialNumber,
    createdAt: new Date(ca.createdAt).toISOString(),
    certificates: { root: root!, intermediate: intermediate!, attestation: attestation!, u2f: u2f!, enterprise: enterprise! },
  };
}

/** DER to PEM (RFC 7468), 64 columns. */
export function toPem(der: Uint8Array, label = "CERTIFICATE"): string {
  const body = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
