/**
 * A population user's sign-in: navigator.credentials.get() and the
 * authenticator's getAssertion in one step, with nothing stored.
 *
 * With allowCredentials, the first ID that unwraps as one of this
 * population's credentials for the RP ID (and, when a user is named, as one
 * of that user's) signs, as a key answers for the first credential it holds
 * (CTAP 2.2 section 6.2.2); none gives NotAllowedError, as a browser reports
 * CTAP2_ERR_NO_CREDENTIALS. With an empty list the sign-in is discoverable:
 * the named user's discoverable credential for the RP ID, made with the
 * population's user handle unless the caller names the RP's.
 */
import { fromBase64Url, toBase64Url } from "../bytes/base64url.js";
import { collectClientData } from "../client/clientData.js";
import { WebAuthnError } from "../client/errors.js";
import { parseRequestOptionsJSON } from "../client/optionsJSON.js";
import type { AuthenticationResponseJSON } from "../client/responseJSON.js";
import { encodeAuthenticatorData } from "../ctap/authenticatorData.js";
import { Status } from "../ctap/status.js";
import { signWithCredentialKey } from "../crypto/credentialKeys.js";
import { PopulationError, type CredentialEntry, type PopulationCore, type ResolvedCall } from "./core.js";

export interface PopulationGetCall {
  origin: string;
  topOrigin?: string;
  /** The user signing in. Needed for a discoverable sign-in; with allowCredentials it restricts the answer to that user's credentials. */
  user?: number;
  /** The RP's user handle (base64url or bytes) of a discoverable credential registered under it; default the population's own. */
  userHandle?: string | Uint8Array;
}

export function getAssertion(core: PopulationCore, input: unknown, call: PopulationGetCall): AuthenticationResponseJSON {
  const options = parseRequestOptionsJSON(input);
  const rp = core.resolveCall(call.origin, call.topOrigin, options.rpId);
  const user = call.user === undefined ? undefined : core.checkUser(call.user);
  const entry = options.allowCredentials.length > 0 ? fromAllowList(core, rp, options.allowCredentials, user) : discoverable(core, rp, user, call.userHandle);
  const { source } = entry;

  const authData = encodeAuthenticatorData({
    rpIdHash: rp.rpIdHash,
    userPresent: true,
    userVerified: options.userVerification !== "discouraged",
    backupEligible: core.backupEligible,
    backupState: core.backupState,
    signCount: core.signCount(),
  });
  const { clientDataJSON, clientDataHash } = collectClientData("webauthn.get", options.challenge, rp.origin, rp.topOrigin);
  const signed = new Uint8Array(authData.length + clientDataHash.length);
  signed.set(authData, 0);
  signed.set(clientDataHash, authData.length);
  const signature = signWithCredentialKey(source.alg, core.signingKey(rp, entry), signed);
  const id = toBase64Url(entry.id);
  return {
    id,
    rawId: id,
    type: "public-key",
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      authenticatorData: toBase64Url(authData),
      signature: toBase64Url(signature),
      // A discoverable credential gives its user handle back (CTAP 2.2 section 6.2.2, `user`); a non-discoverable one has none to give.
      ...(source.discoverable ? { userHandle: toBase64Url(core.userHandleOf(entry)) } : {}),
    },
    authenticatorAttachment: core.attachment,
    clientExtensionResults: {},
  };
}

function fromAllowList(core: PopulationCore, rp: ResolvedCall, allowList: { id: Uint8Array }[], user: number | undefined): CredentialEntry {
  for (const descriptor of allowList) {
    const entry = core.lookup(rp, descriptor.id);
    if (entry && (user === undefined || entry.source.user === user)) return entry;
  }
  const whose = user === undefined ? "this population's" : `user ${user}'s`;
  throw new WebAuthnError("NotAllowedError", `authenticatorGetAssertion: no credential in allowCredentials is ${whose} for RP ID "${rp.rpId}" (CTAP2_ERR_NO_CREDENTIALS)`, {
    ctapStatus: Status.CTAP2_ERR_NO_CREDENTIALS,
  });
}

function discoverable(core: PopulationCore, rp: ResolvedCall, user: number | undefined, userHandle: string | Uint8Array | undefined): CredentialEntry {
  if (user === undefined) {
    throw new PopulationError("allowCredentials is empty (a discoverable sign-in): say which user signs in");
  }
  let account: Uint8Array | undefined;
  if (userHandle !== undefined) {
    const handle = typeof userHandle === "string" ? decodeUserHandle(userHandle) : userHandle;
    if (handle.length < 1 || handle.length > 64) throw new PopulationError(`userHandle must be 1 to 64 bytes, got ${handle.length}`);
    account = core.accountOf(user, handle, true);
  }
  return core.credential(rp, { discoverable: true, alg: core.alg, user, ...(account ? { account } : {}) });
}

function decodeUserHandle(text: string): Uint8Array {
  try {
    return fromBase64Url(text);
  } catch {
    throw new PopulationError("userHandle must be base64url, as user.id is in the RP's creation options");
  }
}
