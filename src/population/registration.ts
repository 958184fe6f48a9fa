/**
 * A population user's registration: navigator.credentials.create() and the
 * authenticator's makeCredential in one step, with nothing stored. The same
 * rules as softkey's own client and core where they apply (origin and RP ID,
 * attachment, algorithms, excludeCredentials, attestation conveyance); the
 * bytes are what a real authenticator returns, so RPs verify them as such.
 *
 * One user holds one credential per RP account: the credential is a function
 * of the seed, the user, the RP ID, the RP's user handle and whether it is
 * discoverable. Registering the same account again makes the same credential,
 * so an RP that lists it in excludeCredentials gets InvalidStateError, as
 * from a key that holds it.
 */
import { toBase64Url } from "../bytes/base64url.js";
import { conveyAttestation } from "../client/attestation.js";
import { collectClientData } from "../client/clientData.js";
import { coseToSpki } from "../client/cosePublicKey.js";
import { WebAuthnError } from "../client/errors.js";
import { parseCreationOptionsJSON } from "../client/optionsJSON.js";
import type { AuthenticationExtensionsClientOutputs, RegistrationResponseJSON } from "../client/responseJSON.js";
import { encodeAuthenticatorData } from "../ctap/authenticatorData.js";
import { decodeCbor, encodeCanonical, type CborMap } from "../ctap/cbor.js";
import { Status } from "../ctap/status.js";
import { noneAttestation } from "../crypto/attestation/none.js";
import { packedSelfAttestation } from "../crypto/attestation/packed.js";
import type { PopulationCore } from "./core.js";

export interface PopulationCreateCall {
  /** The page's origin, as a browser would put it into clientDataJSON. */
  origin: string;
  topOrigin?: string;
  /** The user registering (0 to size - 1). */
  user: number;
}

export function createCredential(core: PopulationCore, input: unknown, call: PopulationCreateCall): RegistrationResponseJSON {
  const options = parseCreationOptionsJSON(input);
  const rp = core.resolveCall(call.origin, call.topOrigin, options.rp.id);
  const user = core.checkUser(call.user);
  if (options.authenticatorAttachment && options.authenticatorAttachment !== core.attachment) {
    throw new WebAuthnError("NotAllowedError", `the RP asked for a ${options.authenticatorAttachment} authenticator; this population is ${core.attachment}`);
  }
  if (!options.pubKeyCredParams.some((param) => param.alg === core.alg)) {
    throw new WebAuthnError("NotSupportedError", `the population's credentials are ${core.algorithm} (COSE ${core.alg}), which pubKeyCredParams does not list`, {
      ctapStatus: Status.CTAP2_ERR_UNSUPPORTED_ALGORITHM,
    });
  }
  // CTAP 2.2 section 6.1.2 step 7: a credential in excludeList that this user's authenticator holds for this RP.
  for (const descriptor of options.excludeCredentials) {
    if (core.lookup(rp, descriptor.id)?.source.user === user) {
      throw new WebAuthnError("InvalidStateError", "the user already holds a credential from excludeCredentials (CTAP2_ERR_CREDENTIAL_EXCLUDED)", {
        ctapStatus: Status.CTAP2_ERR_CREDENTIAL_EXCLUDED,
      });
    }
  }
  // "preferred" makes a discoverable credential, as a passkey provider does.
  const discoverable = options.residentKey !== "discouraged";
  const userVerified = options.userVerification !== "discouraged";
  const entry = core.credential(rp, { discoverable, alg: core.alg, user, ...accountField(core, user, options.user.id, discoverable) });
  const keyPair = core.keyPair(rp, entry);

  const authData = encodeAuthenticatorData({
    rpIdHash: rp.rpIdHash,
    userPresent: true,
    userVerified,
    backupEligible: core.backupEligible,
    backupState: core.backupState,
    signCount: core.signCount(),
    attestedCredentialData: { aaguid: core.aaguid, credentialId: entry.id, credentialPublicKey: keyPair.publicKey },
  });
  const { clientDataJSON, clientDataHash } = collectClientData("webauthn.create", options.challenge, rp.origin, rp.topOrigin);
  const statement =
    core.attestation === "self" ? packedSelfAttestation({ authData, clientDataHash, credentialKey: keyPair.privateKey, alg: core.alg }) : noneAttestation();
  const conveyed = conveyAttestation({ ...statement, authData }, options.attestation, "keep");
  const attestationObject = encodeCanonical(
    new Map<string, unknown>([
      ["fmt", conveyed.fmt],
      ["attStmt", conveyed.attStmt],
      ["authData", conveyed.authData],
    ]),
  );
  const clientExtensionResults: AuthenticationExtensionsClientOutputs = {};
  // credProps (WebAuthn L3 section 10.1.3) is the client's own knowledge; other extensions this population does not support get no output.
  if (options.extensions.credProps === true) clientExtensionResults.credProps = { rk: discoverable };
  const spki = coseToSpki(decodeCbor(keyPair.publicKey) as CborMap);
  const id = toBase64Url(entry.id);
  return {
    id,
    rawId: id,
    type: "public-key",
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      attestationObject: toBase64Url(attestationObject),
      authenticatorData: toBase64Url(conveyed.authData),
      transports: [...core.transports],
      ...(spki ? { publicKey: toBase64Url(spki) } : {}),
      publicKeyAlgorithm: core.alg,
    },
    authenticatorAttachment: core.attachment,
    clientExtensionResults,
  };
}

function accountField(core: PopulationCore, user: number, userHandle: Uint8Array, discoverable: boolean): { account?: Uint8Array } {
  const account = core.accountOf(user, userHandle, discoverable);
  return account ? { account } : {};
}
