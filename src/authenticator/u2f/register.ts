/**
 * U2F_REGISTER (INS 0x01), FIDO U2F raw message formats v1.2 section 4.
 *
 * Request data: challenge parameter (32) || application parameter (32).
 * Response: 0x05 || user public key (65, uncompressed P-256) || key handle
 * length (1) || key handle || attestation certificate (DER) || signature, the
 * attestation key's ECDSA (SHA-256, DER) over
 * 0x00 || application || challenge || key handle || user public key.
 *
 * The new credential is stored like a CTAP2 one (non-discoverable, ES256) with
 * rpIdHash = the application parameter, so CTAP2 getAssertion finds it under
 * rpId = the AppID whose SHA-256 that is (the WebAuthn appid extension), and
 * its key handle is its credential ID. The RP ID itself is unknown: rpId holds
 * the application parameter's hex and `u2f: true` says why.
 */
import type { AuthenticatorContext } from "../context.js";
import { CoseAlgorithm } from "../../ctap/cose.js";
import { signWithCredentialKey } from "../../crypto/credentialKeys.js";
import { uncompressedPoint } from "../../crypto/attestation/fidoU2f.js";
import type { CredentialRecord } from "../store.js";
import { ApduError, StatusWord, type CommandApdu } from "../../ctap/apdu.js";
import { u2fAttestation } from "./attestationCertificate.js";
import type { U2fUserPresence } from "./userPresence.js";

/** The legacy reserved byte that starts a registration response. */
const REGISTER_RESPONSE_RESERVED = 0x05;

export async function u2fRegister(ctx: AuthenticatorContext, apdu: CommandApdu, presence: U2fUserPresence): Promise<Uint8Array> {
  if (apdu.data.length !== 64) {
    throw new ApduError(StatusWord.SW_WRONG_LENGTH, `U2F_REGISTER carries 64 bytes (challenge and application), got ${apdu.data.length}`);
  }
  const challenge = apdu.data.slice(0, 32);
  const application = apdu.data.slice(32, 64);
  const appHex = Buffer.from(application).toString("hex");
  const present = await presence.test(ctx, { purpose: "u2fRegister", rpId: applicationLabel(application), key: `register:${appHex}` });
  if (!present) throw new ApduError(StatusWord.SW_CONDITIONS_NOT_SATISFIED, "waiting for user presence");

  const attestation = await u2fAttestation(ctx);
  const { id, keyPair } = await ctx.keys.create({ alg: CoseAlgorithm.ES256, rpId: appHex, userId: new Uint8Array(0) });
  const userPublicKey = uncompressedPoint(keyPair.publicKey);
  const signed = Buffer.concat([Uint8Array.of(0x00), application, challenge, id, userPublicKey]);
  const signature = signWithCredentialKey(CoseAlgorithm.ES256, attestation.privateKey, signed);

  const record: CredentialRecord = {
    id,
    rpId: appHex,
    rpIdHash: application,
    discoverable: false,
    alg: CoseAlgorithm.ES256,
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    createdAt: ctx.now(),
    backupEligible: ctx.config.backupEligible,
    backupState: ctx.config.backupState,
    u2f: true,
  };
  await ctx.store.putCredential(record, 0, { newId: true });
  ctx.log(`U2F_REGISTER ${applicationLabel(application)} (${attestation.source} attestation)`);
  return Buffer.concat([Uint8Array.of(REGISTER_RESPONSE_RESERVED), userPublicKey, Uint8Array.of(id.length), id, attestation.certificate, signature]);
}

/** What a prompt or log line calls an application parameter: its first 8 bytes in hex. */
export function applicationLabel(application: Uint8Array): string {
  return `U2F application ${Buffer.from(application.subarray(0, 8)).toString("hex")}...`;
}
