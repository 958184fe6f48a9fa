/**
 * The test attestation CA a store may hold (`softkey ca init`): a root, an
 * intermediate it signs, and the certificates the authenticator attests with,
 * each with its P-256 private key. It is one setting in the keystore, sealed
 * with AES-256-GCM under the data key like every record: the private keys are
 * never on disk in the clear.
 */

export interface CertifiedKey {
  /** X.509 certificate, DER. */
  certificate: Uint8Array;
  /** P-256 private key, PKCS#8 DER; secret. */
  privateKey: Uint8Array;
}

export interface AttestationCa {
  version: 1;
  /** The AAGUID (UUID form) the attestation certificates carry in id-fido-gen-ce-aaguid. */
  aaguid: string;
  root: CertifiedKey;
  intermediate: CertifiedKey;
  /** The batch attestation certificate (packed x5c[0]), issued by the intermediate. */
  attestation: CertifiedKey;
  /**
   * The same attestation key certified for fido-u2f / CTAP1, where x5c holds exactly one
   * certificate: issued by the root itself (as U2F keys' are), without the AAGUID extension.
   */
  u2f: CertifiedKey;
  /**
   * The enterprise attestation certificate: the batch subject plus this
   * device's serial number, so it identifies one authenticator (CTAP 2.1
   * section 7.1), and its own key.
   */
  enterprise: CertifiedKey;
  /** The device serial number in the enterprise certificate's subject. */
  serialNumber: string;
  /** When it was made (ms since the epoch). */
  createdAt: number;
}

export function isAttestationCa(value: unknown): value is AttestationCa {
  if (typeof value !== "object" || value === null) return false;
  const ca = value as Partial<AttestationCa>;
  return (
    ca.version === 1 &&
    typeof ca.aaguid === "string" &&
    typeof ca.serialNumber === "string" &&
    isCertifiedKey(ca.root) &&
    isCertifiedKey(ca.intermediate) &&
    isCertifiedKey(ca.attestation) &&
    isCertifiedKey(ca.u2f) &&
    isCertifiedKey(ca.enterprise)
  );
}

function isCertifiedKey(value: unknown): value is CertifiedKey {
  const key = value as Partial<CertifiedKey> | undefined;
  return typeof key === "object" && key !== null && key.certificate instanceof Uint8Array && key.privateKey instanceof Uint8Array;
}
