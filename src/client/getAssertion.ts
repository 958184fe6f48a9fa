/**
 * navigator.credentials.get({ publicKey }): WebAuthn L3 section 5.1.4
 * ("Use an Existing Credential to Make an Assertion") for the
 * authenticators attached to this client. Options, origins, the mediation's
 * rules and extension inputs first; then the RP ID (with related origin
 * requests), the authenticator (by hints, and the one that holds a
 * credential of allowCredentials), and the assertion on it over CTAP2
 * (./getAssertionCtap2.ts) or, for a U2F key, CTAP1 (./u2f/).
 */
import { toBase64Url } from "../bytes/base64url.js";
import { bytesEqual } from "../bytes/equal.js";
import { parseAccountSelector, type AccountSelector, type SelectCredential } from "./accountChoice.js";
import { chooseAuthenticator, orderByHints, type ChosenAuthenticator } from "./authenticatorChoice.js";
import { runCallCeremony } from "./ceremony.js";
import { collectClientData } from "./clientData.js";
import type { CeremonyCallOptions, ClientContext, ClientRuntime } from "./context.js";
import { probeCredentials, usableDescriptors } from "./credentialLists.js";
import { option } from "./ctap/authenticatorGetInfo.js";
import type { GetAssertionResponse } from "./ctap/authenticatorGetAssertion.js";
import { malformed, type CallOptions } from "./ctap/command.js";
import { WebAuthnError } from "./errors.js";
import { authenticationProcessors, clientOutputs } from "./extensions/registry.js";
import { getAssertionOverCtap2 } from "./getAssertionCtap2.js";
import { checkImmediateGet, getMediation, noImmediateCredentials, type GetMediation } from "./mediation.js";
import { parseCallOrigins } from "./origin.js";
import { parseRequestOptionsJSON, type CredentialDescriptor, type RequestOptions } from "./optionsJSON.js";
import { determineRpId } from "./relatedOrigins.js";
import { checkedAuthenticatorData } from "./responseChecks.js";
import type { AuthenticationExtensionsClientOutputs, AuthenticationResponseJSON } from "./responseJSON.js";
import { authenticateOverU2f } from "./u2f/u2fAuthentication.js";
import { u2fFinder } from "./u2f/u2fRegistration.js";

export type { AccountSelector, CredentialCandidate, SelectCredential } from "./accountChoice.js";

export interface GetCallOptions extends CeremonyCallOptions {
  /** Which of several discoverable credentials answers (credential ID, user name, user handle); default the most recent. */
  account?: AccountSelector;
  /** The account chooser as a function, when `account` is not enough. */
  selectCredential?: SelectCredential;
  /** CredentialRequestOptions `uiMode` (the draft's spelling of immediate mediation): "immediate". */
  uiMode?: string;
}

export async function getAssertion(runtime: ClientRuntime, input: unknown, call: GetCallOptions): Promise<AuthenticationResponseJSON> {
  const options = parseRequestOptionsJSON(input);
  const { settings } = runtime;
  const { caller, top } = parseCallOrigins(call, settings);
  const mediation = getMediation(call);
  if (mediation === "immediate") checkImmediateGet(options.allowCredentials.length, call);
  // The call's own choice wins; a call with its own chooser function is not preempted by the client's account.
  const account = parseAccountSelector(call.account) ?? (call.selectCredential ? undefined : runtime.account);
  // Extension inputs are checked before anything reaches an authenticator.
  const extensions = authenticationProcessors({ options, caller });
  const { clientDataJSON, clientDataHash } = collectClientData("webauthn.get", options.challenge, caller.origin, top?.origin);

  return runCallCeremony(options.timeout ?? settings.defaultTimeoutMs, call, async (ctap) => {
    const rpId = await determineRpId(options.rpId, caller, settings.relatedOrigins, ctap.signal);
    const candidates = await candidatesFor(runtime.authenticators, options, mediation, rpId);
    const fits = (c: ChosenAuthenticator) => canAnswer(c, options, rpId, clientDataHash, ctap);
    const { device, protocol } = await chooseAuthenticator(orderByHints(candidates, options.hints), fits, ctap);
    const run = {
      device,
      info: protocol.info,
      options,
      rpId,
      clientDataHash,
      extensions,
      mediation,
      ctap,
      ...(account ? { account } : {}),
      ...(call.selectCredential ? { selectCredential: call.selectCredential } : {}),
    };
    const assertion = protocol.kind === "u2f" ? await authenticateOverU2f(run, protocol.ctap1) : await getAssertionOverCtap2(run);
    const { response, allowList, token } = assertion;
    const parsed = checkedAuthenticatorData(response.authData, assertion.rpId, "authenticatorGetAssertion", device.settings.passThroughBrokenResponses);
    const session = { transport: device.transport, info: protocol.info, token, ctap };
    const clientExtensionResults = await clientOutputs(extensions, { ...session, response, authData: parsed });
    return toJSON(response, allowList, clientDataJSON, device.settings.attachment, clientExtensionResults);
  });
}

/**
 * Who may answer: every attached authenticator for a modal get; for
 * immediate mediation only platform authenticators whose provider holds a
 * passkey for the RP now (security keys never count, as in Chrome), and it
 * fails at once without one; for conditional mediation the authenticators
 * whose provider can list a passkey to offer.
 */
async function candidatesFor(
  authenticators: readonly ClientContext[],
  options: RequestOptions,
  mediation: GetMediation,
  rpId: string,
): Promise<readonly ClientContext[]> {
  if (mediation === "modal") return authenticators;
  const offering: ClientContext[] = [];
  for (const authenticator of authenticators) {
    if (!authenticator.provider || (mediation === "immediate" && authenticator.settings.attachment !== "platform")) continue;
    const accounts = await authenticator.provider.accounts(rpId);
    const allowed = options.allowCredentials;
    if (accounts.some((a) => allowed.length === 0 || allowed.some((d) => bytesEqual(d.id, a.credentialId)))) offering.push(authenticator);
  }
  if (offering.length > 0) return offering;
  if (mediation === "immediate") throw noImmediateCredentials(rpId);
  throw new WebAuthnError("NotAllowedError", `conditional mediation: no attached authenticator's provider has a passkey for ${rpId} to offer`);
}

/**
 * Whether an authenticator can answer: it holds one of allowCredentials (a
 * silent probe finds it, or, for a credential only UV makes visible
 * (credProtect level 3), its provider lists it), or it stores discoverable
 * credentials.
 */
async function canAnswer(
  { device, protocol }: ChosenAuthenticator,
  options: RequestOptions,
  rpId: string,
  clientDataHash: Uint8Array,
  call: CallOptions,
): Promise<boolean> {
  const allowed = options.allowCredentials;
  if (protocol.kind === "u2f") return allowed.length > 0 && (await u2fFinder(protocol.ctap1, call)(rpId, allowed)) !== undefined;
  const { info } = protocol;
  if (allowed.length > 0) {
    if ((await probeCredentials(device.transport, usableDescriptors(allowed, info), info, { rpId, clientDataHash }, call)) !== undefined) return true;
    const accounts = device.provider ? await device.provider.accounts(rpId) : [];
    return accounts.some((a) => allowed.some((d) => bytesEqual(d.id, a.credentialId)));
  }
  if (option(info, "rk") !== true) return false;
  return device.provider ? (await device.provider.accounts(rpId)).length > 0 : true;
}

function toJSON(
  response: GetAssertionResponse,
  allowList: CredentialDescriptor[],
  clientDataJSON: Uint8Array,
  attachment: AuthenticationResponseJSON["authenticatorAttachment"],
  clientExtensionResults: AuthenticationExtensionsClientOutputs,
): AuthenticationResponseJSON {
  const command = "authenticatorGetAssertion";
  // The credential may be omitted when the allowList had exactly one entry (CTAP 2.2 section 6.2).
  const credentialId = response.credential?.id ?? (allowList.length === 1 ? allowList[0]!.id : undefined);
  if (!credentialId) throw malformed(command, "the response names no credential");
  if (allowList.length > 0 && !allowList.some((d) => bytesEqual(d.id, credentialId))) {
    throw malformed(command, "the credential returned is not in allowCredentials");
  }
  if (allowList.length === 0 && !response.user) {
    throw malformed(command, "a discoverable credential's assertion must carry its user handle");
  }
  const id = toBase64Url(credentialId);
  return {
    id,
    rawId: id,
    type: "public-key",
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      authenticatorData: toBase64Url(response.authData),
      signature: toBase64Url(response.signature),
      ...(response.user ? { userHandle: toBase64Url(response.user.id) } : {}),
    },
    authenticatorAttachment: attachment,
    clientExtensionResults,
  };
}
