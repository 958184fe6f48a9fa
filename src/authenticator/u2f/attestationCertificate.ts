/**
 * The attestation key and certificate of U2F_REGISTER (FIDO U2F raw message
 * formats v1.2, section 4.3: "attestation certificate ... in X.509 DER").
 *
 * - With the store's attestation CA (`softkey ca init`): its U2F certificate,
 *   the batch attestation key certified by the root itself without an AAGUID
 *   (attestationCa.ts), as fido-u2f attestation through CTAP2 uses it.
 * - Without one: a self-signed certificate, made on the first registration
 *   and kept sealed in the store as the setting U2F_ATTESTATION_SETTING,
 *   which authenticatorReset keeps (softkey.ts lists it in
 *   authenticator/settings.ts), as a real key's attestation key survives a reset.
 */
import { webcrypto } from "node:crypto";
import type { SigningKey } from "../../crypto/credentialKeys.js";
import type { AuthenticatorContext } from "../context.js";
import { loadAttestationCa } from "../attestation.js";
import type { CertifiedKey } from "../../crypto/attestation/attestationCa.js";
import { loadX509 } from "../../crypto/x509.js";
import { Setting } from "../settings.js";

/** The store setting holding the self-signed U2F attestation certificate and key. */
export const U2F_ATTESTATION_SETTING = Setting.u2fAttestation.name;

export const U2F_SELF_SIGNED_SUBJECT = "C=US, O=softkey, OU=Authenticator Attestation, CN=softkey U2F Self-Signed Attestation";

/** id-fido-u2f-ce-transports (FIDO U2F Authenticator Transports Extension v1.2). */
export const FIDO_U2F_TRANSPORTS_OID = "1.3.6.1.4.1.45724.2.1.1";

export interface U2fAttestation {
  /** X.509, DER. */
  certificate: Uint8Array;
  privateKey: SigningKey;
  source: "attestation CA" | "self-signed";
}

export async function u2fAttestation(ctx: AuthenticatorContext): Promise<U2fAttestation> {
  const ca = await loadAttestationCa(ctx);
  // Parsed through ctx.keys, so deterministic mode signs with RFC 6979 here too.
  if (ca) return { certificate: ca.u2f.certificate, privateKey: ctx.keys.load(ca.u2f.privateKey), source: "attestation CA" };
  let stored = await ctx.store.getSetting<unknown>(U2F_ATTESTATION_SETTING);
  if (!isCertifiedKey(stored)) {
    if (stored !== undefined) ctx.log(`setting "${U2F_ATTESTATION_SETTING}" is not a certificate and key: made anew`);
    stored = await selfSignedU2fCertificate(ctx.config.transports);
    await ctx.store.putSetting(U2F_ATTESTATION_SETTING, stored);
    ctx.log("U2F: made a self-signed attestation certificate (softkey ca init gives a CA-issued one)");
  }
  const certified = stored as CertifiedKey;
  return { certificate: certified.certificate, privateKey: ctx.keys.load(certified.privateKey), source: "self-signed" };
}

/** A new P-256 key and a self-signed certificate for it, valid for 20 years. */
export async function selfSignedU2fCertificate(transports: readonly string[] = ["usb"], now = new Date()): Promise<CertifiedKey> {
  const x509 = await loadX509();
  const algorithm = { name: "ECDSA", namedCurve: "P-256" } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, 16 octets (RFC 5280)
  const transportBits = u2fTransportsExtension(transports);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: U2F_SELF_SIGNED_SUBJECT,
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    serialNumber: Buffer.from(serial).toString("hex"),
    // Backdated a day, so a relying party whose clock lags does not see a certificate from the future.
    notBefore: new Date(now.getTime() - 24 * 3600 * 1000),
    notAfter: new Date(now.getTime() + 20 * 365.25 * 24 * 3600 * 1000),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...(transportBits ? [new x509.Extension(FIDO_U2F_TRANSPORTS_OID, false, transportBits)] : []),
    ],
  });
  return {
    certificate: new Uint8Array(certificate.rawData),
    privateKey: new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
  };
}

/**
 * The transports extension's value: a DER BIT STRING with bit 1 Bluetooth LE,
 * bit 2 USB, bit 3 NFC (bit 0 is classic Bluetooth, bit 4 USB internal).
 * Undefined when none of the device's transports has a bit.
 */
export function u2fTransportsExtension(transports: readonly string[]): Uint8Array | undefined {
  const bitOf: Record<string, number> = { ble: 1, usb: 2, nfc: 3 };
  const bits = transports.map((t) => bitOf[t]).filter((bit): bit is number => bit !== undefined);
  if (bits.length === 0) return undefined;
  let byte = 0;
  for (const bit of bits) byte |= 0x80 >> bit;
  // DER named bit lists drop trailing zero bits: the unused bits are those after the last one set.
  const unused = 7 - Math.max(...bits);
  return Uint8Array.of(0x03, 0x02, unused, byte);
}

function isCertifiedKey(value: unknown): value is CertifiedKey {
  const key = value as Partial<CertifiedKey> | undefined;
  return typeof key === "object" && key !== null && key.certificate instanceof Uint8Array && key.privateKey instanceof Uint8Array;
}
