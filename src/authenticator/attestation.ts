/**
 * Which attestation a new credential gets (makeCredential step 19), and the
 * AAGUID its authenticator data carries:
 *
 * - an enterprise attestation that was granted: packed with the enterprise
 *   certificate (it names this device's serial number), epAtt true;
 * - "none": no statement;
 * - "fido-u2f" with an attestation CA and an ES256 credential: fido-u2f with the
 *   root-issued U2F certificate of the batch key, and an all-zero AAGUID as a U2F key registered through
 *   CTAP1 would have; other algorithms fall back to packed;
 * - "packed" with an attestation CA: full attestation, x5c = [batch, intermediate];
 * - "packed" without one: self attestation.
 *
 * A CA issued for another AAGUID than the device's would fail every RP's
 * check of id-fido-gen-ce-aaguid, so it is not used (the log says why).
 */
import type { AuthenticatorContext } from "./context.js";
import { aaguidToString, type AttestationFormatName } from "./deviceConfig.js";
import { CoseAlgorithm } from "../ctap/cose.js";
import { isAttestationCa, type AttestationCa, type CertifiedKey } from "../crypto/attestation/attestationCa.js";
import { ATTESTATION_CA_SETTING } from "./settings.js";
import { noneAttestation } from "../crypto/attestation/none.js";
import { packedFullAttestation, packedSelfAttestation, type AttestationSigner } from "../crypto/attestation/packed.js";
import { fidoU2fAttestation } from "../crypto/attestation/fidoU2f.js";
import type { AttestationStatement } from "../crypto/attestation/types.js";
import type { SigningKey } from "../crypto/credentialKeys.js";

export interface NewCredential {
  authData: Uint8Array;
  clientDataHash: Uint8Array;
  rpIdHash: Uint8Array;
  credentialId: Uint8Array;
  /** CBOR COSE_Key. */
  credentialPublicKey: Uint8Array;
  credentialKey: SigningKey;
  alg: number;
}

export interface AttestationPlan {
  /** The AAGUID for the authenticator data. */
  aaguid: Uint8Array;
  /** makeCredential's epAtt: an enterprise attestation is returned. */
  enterprise: boolean;
  attest(credential: NewCredential): AttestationStatement;
}

const ZERO_AAGUID = new Uint8Array(16);

export async function planAttestation(
  ctx: AuthenticatorContext,
  request: { alg: number; enterprise: boolean; format?: AttestationFormatName },
): Promise<AttestationPlan> {
  const { config } = ctx;
  // The platform's attestationFormatsPreference (CTAP 2.2), when it named one the device makes; else the profile's.
  const format = request.format ?? config.attestationFormat;
  const ca = await loadAttestationCa(ctx);
  const caForAaguid = ca && ca.aaguid === aaguidToString(config.aaguid) ? ca : undefined;
  if (ca && !caForAaguid && (format !== "none" || request.enterprise)) {
    ctx.log(`attestation CA was issued for AAGUID ${ca.aaguid}, not ${aaguidToString(config.aaguid)}: not used (run softkey ca init --force)`);
  }
  const packedFull = (certified: CertifiedKey, enterprise: boolean): AttestationPlan => {
    const signer = signerOf(ctx, certified, caForAaguid!);
    return { aaguid: config.aaguid, enterprise, attest: (c) => packedFullAttestation(c, signer) };
  };

  if (request.enterprise) {
    if (caForAaguid) return packedFull(caForAaguid.enterprise, true);
    ctx.log("enterprise attestation needs an attestation CA (softkey ca init): regular attestation instead");
  }
  if (format === "none") return { aaguid: config.aaguid, enterprise: false, attest: () => noneAttestation() };
  if (format === "fido-u2f" && ca && request.alg === CoseAlgorithm.ES256) {
    // fido-u2f carries one certificate, so its own, issued by the root; no AAGUID to match.
    const signer: AttestationSigner = { privateKey: ctx.keys.load(ca.u2f.privateKey), x5c: [ca.u2f.certificate] };
    return { aaguid: ZERO_AAGUID, enterprise: false, attest: (c) => fidoU2fAttestation(c, signer) };
  }
  if (caForAaguid) return packedFull(caForAaguid.attestation, false);
  if (format === "fido-u2f" && !ca) ctx.log("fido-u2f attestation needs an attestation CA (softkey ca init): packed self attestation instead");
  return { aaguid: config.aaguid, enterprise: false, attest: (c) => packedSelfAttestation(c) };
}

/** The store's attestation CA, if any. A value that is not one is ignored (and logged). */
export async function loadAttestationCa(ctx: AuthenticatorContext): Promise<AttestationCa | undefined> {
  const value = await ctx.store.getSetting<unknown>(ATTESTATION_CA_SETTING);
  if (value === undefined) return undefined;
  if (isAttestationCa(value)) return value;
  ctx.log(`setting "${ATTESTATION_CA_SETTING}" is not an attestation CA: ignored`);
  return undefined;
}

/** Parsed as credential keys are (ctx.keys), so deterministic mode signs attestations with RFC 6979 too. */
function signerOf(ctx: AuthenticatorContext, certified: CertifiedKey, ca: AttestationCa): AttestationSigner {
  return { privateKey: ctx.keys.load(certified.privateKey), x5c: [certified.certificate, ca.intermediate.certificate] };
}
