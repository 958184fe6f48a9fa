/**
 * navigator.credentials.get({ publicKey }) for one roaming authenticator:
 * WebAuthn L3 section 5.1.4 ("Use an Existing Credential to Make an
 * Assertion"). With an empty allowCredentials the authenticator looks for
 * discoverable credentials; when it finds several it reports
 * numberOfCredentials and the client fetches the rest with
 * authenticatorGetNextAssertion, then picks one as a browser's account
 * chooser would (the first, unless `selectCredential` says otherwise).
 */
import { toBase64Url } from "../bytes/base64url.js";
import { runCallCeremony } from "./ceremony.js";
import { collectClientData } from "./clientData.js";
import type { CeremonyCallOptions, ClientContext } from "./context.js";
import { fitsInOneRequest, probeCredentials, usableDescriptors } from "./credentialLists.js";
import { bytesEqual } from "../bytes/equal.js";
import {
  authenticatorGetAssertion,
  authenticatorGetNextAssertion,
  type GetAssertionResponse,
} from "./ctap/authenticatorGetAssertion.js";
import { malformed } from "./ctap/command.js";
import { Status } from "../ctap/status.js";
import { WebAuthnError } from "./errors.js";
import { parseCallOrigins, resolveRpId } from "./origin.js";
import { parseRequestOptionsJSON, type CredentialDescriptor } from "./optionsJSON.js";
import { authenticationUvRequirement } from "./requirements.js";
import { checkedAuthenticatorData } from "./responseChecks.js";
import type { AuthenticationExtensionsClientOutputs, AuthenticationResponseJSON } from "./responseJSON.js";
import { Permission } from "../ctap/permissions.js";
import { authenticationProcessors, authenticatorInputs, clientOutputs, permissionsOf } from "./extensions/registry.js";
import { pinUvAuthParam } from "./pin/pinUvAuthToken.js";
import { uvDisposition, verifyUser } from "./userVerification.js";

/** One discoverable credential offered to the account chooser. */
export interface CredentialCandidate {
  /** base64url credential ID. */
  credentialId: string;
  /** base64url user handle. */
  userHandle: string;
  userName?: string;
  userDisplayName?: string;
}

/** Picks one of several discoverable credentials; returns its index. Throwing cancels (NotAllowedError). */
export type SelectCredential = (candidates: readonly CredentialCandidate[]) => number | Promise<number>;

export interface GetCallOptions extends CeremonyCallOptions {
  selectCredential?: SelectCredential;
}

export async function getAssertion(
  client: ClientContext,
  input: unknown,
  call: GetCallOptions,
): Promise<AuthenticationResponseJSON> {
  const options = parseRequestOptionsJSON(input);
  const { settings } = client;
  const { caller, top } = parseCallOrigins(call, settings);
  // The AppID replaces it when the credential is known only under the AppID (appid extension).
  let rpId = resolveRpId(options.rpId, caller);
  // Extension inputs are checked before anything reaches the authenticator.
  const extensions = authenticationProcessors({ options, caller });
  const { clientDataJSON, clientDataHash } = collectClientData("webauthn.get", options.challenge, caller.origin, top?.origin);

  return runCallCeremony(options.timeout ?? settings.defaultTimeoutMs, call, async (ctap) => {
    const info = await client.getInfo(ctap);

    let allowList = usableDescriptors(options.allowCredentials, info);
    if (options.allowCredentials.length > 0 && allowList.length === 0) {
      throw noCredentials("no ID in allowCredentials fits this authenticator's maxCredentialIdLength");
    }
    // Before any PIN token: a token is bound to the RP ID it is asked for (appid, WebAuthn L3 section 10.1.1).
    for (const extension of extensions) {
      const replacement = await extension.chooseRpId?.({ transport: client.transport, info, ctap, rpId, allowList, clientDataHash });
      if (replacement !== undefined) rpId = replacement;
    }
    const plans = extensions.map((e) => e.plan?.({ info }));
    let requirement = authenticationUvRequirement(options.userVerification, info, allowList.length === 0);
    if (plans.some((p) => p?.requireUv === true)) requirement = "required";
    const disposition = uvDisposition(requirement, info, client.pinAvailable);
    const permissions = Permission.ga | permissionsOf(plans);
    const { uvOption, token } = await verifyUser(client, info, disposition, { permissions, rpId }, ctap);

    // Inputs that differ per credential (prf's evalByCredential) need the one credential known before the request.
    const oneCredential = plans.some((p) => p?.oneCredential === true) && allowList.length > 1;
    if (!fitsInOneRequest(allowList, info) || oneCredential) {
      const held = await probeCredentials(client.transport, allowList, info, { rpId, clientDataHash }, ctap, token);
      if (!held) throw noCredentials("the authenticator holds none of allowCredentials");
      allowList = [held];
    }

    const session = { transport: client.transport, info, token, ctap };
    const extensionInputs = await authenticatorInputs(extensions, { ...session, allowList });
    const first = await authenticatorGetAssertion(
      client.transport,
      {
        rpId,
        clientDataHash,
        allowList,
        extensions: extensionInputs,
        options: new Map([["uv", uvOption]]),
        ...(token ? { pinUvAuthParam: pinUvAuthParam(token, clientDataHash), pinUvAuthProtocol: token.version } : {}),
      },
      ctap,
    );
    const responses = [first];
    // CTAP 2.1 6.2: numberOfCredentials comes only for discoverable lookups that matched several.
    for (let i = 1; i < (first.numberOfCredentials ?? 1); i++) {
      responses.push(await authenticatorGetNextAssertion(client.transport, ctap));
    }
    const chosen = await choose(responses, call.selectCredential);
    const parsed = checkedAuthenticatorData(chosen.authData, rpId, "authenticatorGetAssertion", settings.passThroughBrokenResponses);

    const clientExtensionResults = await clientOutputs(extensions, { ...session, response: chosen, authData: parsed });
    return toJSON(chosen, allowList, clientDataJSON, settings.attachment, clientExtensionResults);
  });
}

async function choose(
  responses: GetAssertionResponse[],
  select: SelectCredential | undefined,
): Promise<GetAssertionResponse> {
  // A single match, or one the user already picked on the authenticator, needs no chooser.
  if (responses.length === 1 || responses[0]!.userSelected || !select) return responses[0]!;
  const candidates = responses.map((r) => {
    if (!r.credential || !r.user) {
      throw malformed("authenticatorGetNextAssertion", "a discoverable assertion lacks its credential or user");
    }
    return {
      credentialId: toBase64Url(r.credential.id),
      userHandle: toBase64Url(r.user.id),
      ...(r.user.name !== undefined ? { userName: r.user.name } : {}),
      ...(r.user.displayName !== undefined ? { userDisplayName: r.user.displayName } : {}),
    };
  });
  let index: number;
  try {
    index = await select(candidates);
  } catch (cause) {
    throw new WebAuthnError("NotAllowedError", "credential selection was cancelled", { cause });
  }
  const picked = Number.isInteger(index) ? responses[index] : undefined;
  if (!picked) {
    throw new WebAuthnError("NotAllowedError", `selectCredential returned ${index}, not an index below ${responses.length}`);
  }
  return picked;
}

function toJSON(
  response: GetAssertionResponse,
  allowList: CredentialDescriptor[],
  clientDataJSON: Uint8Array,
  attachment: AuthenticationResponseJSON["authenticatorAttachment"],
  clientExtensionResults: AuthenticationExtensionsClientOutputs,
): AuthenticationResponseJSON {
  const command = "authenticatorGetAssertion";
  // The credential may be omitted when the allowList had exactly one entry (CTAP 2.1 6.2).
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

function noCredentials(detail: string): WebAuthnError {
  return new WebAuthnError("NotAllowedError", `authenticatorGetAssertion: ${detail}`, {
    ctapStatus: Status.CTAP2_ERR_NO_CREDENTIALS,
  });
}
