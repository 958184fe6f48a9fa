/**
 * U2F_AUTHENTICATE (INS 0x02), FIDO U2F raw message formats v1.2 section 5.
 *
 * Request data: challenge parameter (32) || application parameter (32) ||
 * key handle length (1) || key handle. P1 is the control byte:
 *   0x07 check-only: SW_CONDITIONS_NOT_SATISFIED if the key handle is ours for
 *        this application, SW_WRONG_DATA otherwise; nothing is signed;
 *   0x03 enforce-user-presence-and-sign: user presence byte 0x01;
 *   0x08 dont-enforce-user-presence-and-sign: user presence byte 0x00
 *        (what CTAP 2.1 section 10.3 maps getAssertion up=false onto).
 * Response: user presence (1) || counter (4, big-endian) || signature, the
 * credential key's ECDSA (SHA-256, DER) over
 * application || user presence || counter || challenge.
 *
 * The key handle is a credential ID, and the application parameter an
 * rpIdHash: a U2F credential and a CTAP2 ES256 credential whose RP ID hashes
 * to the application parameter both answer, as on real keys. A credential
 * with credProtect userVerificationRequired does not (U2F cannot verify the
 * user; OpenSK filters the same way). The counter is the keystore's, by the
 * device's counter mode, so it never goes backwards.
 */
import type { AuthenticatorContext } from "../context.js";
import { nextSignCount } from "../signCount.js";
import { CredProtect } from "../../ctap/credProtect.js";
import { credProtectLevel } from "../extensions/credProtectLevel.js";
import { CoseAlgorithm } from "../../ctap/cose.js";
import { signWithCredentialKey } from "../../crypto/credentialKeys.js";
import type { CredentialRecord } from "../store.js";
import { ApduError, AuthenticateControl, StatusWord, type CommandApdu } from "../../ctap/apdu.js";
import { applicationLabel } from "./register.js";
import type { U2fUserPresence } from "./userPresence.js";

export { AuthenticateControl };

export async function u2fAuthenticate(ctx: AuthenticatorContext, apdu: CommandApdu, presence: U2fUserPresence): Promise<Uint8Array> {
  const { data } = apdu;
  if (data.length < 65 || data.length !== 65 + data[64]!) {
    throw new ApduError(StatusWord.SW_WRONG_LENGTH, `U2F_AUTHENTICATE carries 65 bytes and the key handle, got ${data.length}`);
  }
  const control = apdu.p1;
  if (!Object.values(AuthenticateControl).includes(control as never)) {
    throw new ApduError(StatusWord.SW_WRONG_DATA, `unknown control byte 0x${control.toString(16).padStart(2, "0")}`);
  }
  const challenge = data.subarray(0, 32);
  const application = data.subarray(32, 64);
  const keyHandle = data.subarray(65);

  const record = await findCredential(ctx, application, keyHandle);
  if (!record) throw new ApduError(StatusWord.SW_WRONG_DATA, "the key handle is not this key's for this application");
  if (control === AuthenticateControl.checkOnly) {
    // The answer U2F defines for "yes, this key handle is mine".
    throw new ApduError(StatusWord.SW_CONDITIONS_NOT_SATISFIED, "check-only: the key handle is this key's");
  }
  let userPresence = 0x00;
  if (control === AuthenticateControl.enforceUserPresenceAndSign) {
    const rpId = record.u2f ? applicationLabel(application) : record.rpId;
    const key = `authenticate:${Buffer.from(application).toString("hex")}:${Buffer.from(keyHandle).toString("hex")}`;
    if (!(await presence.test(ctx, { purpose: "u2fAuthenticate", rpId, key }))) {
      throw new ApduError(StatusWord.SW_CONDITIONS_NOT_SATISFIED, "waiting for user presence");
    }
    userPresence = 0x01;
  }

  const counter = await nextSignCount(ctx, record.id);
  const presenceAndCounter = new Uint8Array(5);
  presenceAndCounter[0] = userPresence;
  new DataView(presenceAndCounter.buffer).setUint32(1, counter >>> 0, false);
  const signed = Buffer.concat([application, presenceAndCounter, challenge]);
  const signature = signWithCredentialKey(CoseAlgorithm.ES256, ctx.signingKeys.get(record), signed);
  return Buffer.concat([presenceAndCounter, signature]);
}

/** The credential `keyHandle` names for this application, if U2F may use it. */
async function findCredential(ctx: AuthenticatorContext, application: Uint8Array, keyHandle: Uint8Array): Promise<CredentialRecord | undefined> {
  if (keyHandle.length === 0) return undefined;
  let record: CredentialRecord | undefined;
  try {
    record = await ctx.store.getCredential(application, keyHandle);
  } catch (error) {
    ctx.log(`skipping credential: ${(error as Error).message}`);
    return undefined;
  }
  if (!record || record.alg !== CoseAlgorithm.ES256) return undefined;
  if (credProtectLevel(record) >= CredProtect.userVerificationRequired) return undefined;
  return record;
}
