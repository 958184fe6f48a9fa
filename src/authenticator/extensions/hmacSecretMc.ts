/**
 * hmac-secret-mc (CTAP 2.2 section 12.7): hmac-secret's outputs at
 * makeCredential, so WebAuthn's prf can answer at create(). It takes the same
 * input map as hmac-secret at getAssertion and answers, in the authenticator
 * data, the encrypted HMAC-SHA-256(CredRandom, salt) of each salt under the
 * CredRandom the new credential just got (WithUV when the UV flag is set).
 * Without "hmac-secret": true in the same request there is no CredRandom, and
 * so no output (python-fido2 and Chrome always send both).
 */
import type { AuthenticatorExtension } from "./extension.js";
import { CtapError, Status } from "../../ctap/status.js";
import { hmacSecretOutputs } from "./hmacSecret.js";

export const hmacSecretMc: AuthenticatorExtension = {
  name: "hmac-secret-mc",
  since: "FIDO_2_2",

  makeCredential(input, { ctx, record, userVerified }) {
    if (!(input instanceof Map)) throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "hmac-secret-mc must be a map");
    const output = hmacSecretOutputs(ctx, record, input, userVerified, "hmac-secret-mc");
    return output === undefined ? undefined : { output };
  },
};
