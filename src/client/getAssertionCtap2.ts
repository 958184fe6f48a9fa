/**
 * An authentication on a CTAP2 authenticator: the part of WebAuthn L3
 * section 5.1.4 that talks to it. With an empty allowList the authenticator
 * looks for discoverable credentials; when it finds several it reports
 * numberOfCredentials and the client fetches the rest with
 * authenticatorGetNextAssertion, then the account chooser picks one
 * (./accountChoice.ts). Conditional and immediate requests use
 * discoverable credentials only (section 5.1.4: non-discoverable ones take
 * no part), allowCredentials then filtering the accounts offered.
 */
import { bytesEqual } from "../bytes/equal.js";
import { Permission } from "../ctap/permissions.js";
import { Status } from "../ctap/status.js";
import { chooseAssertion, narrowAllowList, type AccountSelector, type SelectCredential } from "./accountChoice.js";
import type { ClientContext } from "./context.js";
import { fitsInOneRequest, probeCredentials, usableDescriptors } from "./credentialLists.js";
import type { AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import {
  authenticatorGetAssertion,
  authenticatorGetNextAssertion,
  type GetAssertionResponse,
} from "./ctap/authenticatorGetAssertion.js";
import type { CallOptions } from "./ctap/command.js";
import { WebAuthnError } from "./errors.js";
import type { AuthenticationProcessor, CredentialFinder } from "./extensions/extension.js";
import { authenticatorInputs, permissionsOf } from "./extensions/registry.js";
import type { GetMediation } from "./mediation.js";
import type { CredentialDescriptor, RequestOptions } from "./optionsJSON.js";
import { pinUvAuthParam, type PinUvAuthToken } from "./pin/pinUvAuthToken.js";
import { authenticationUvRequirement } from "./requirements.js";
import { uvDisposition, verifyUser } from "./userVerification.js";

export interface AssertionRun {
  device: ClientContext;
  info: AuthenticatorInfo;
  options: RequestOptions;
  rpId: string;
  clientDataHash: Uint8Array;
  extensions: AuthenticationProcessor[];
  mediation: GetMediation;
  ctap: CallOptions;
  account?: AccountSelector;
  selectCredential?: SelectCredential;
}

export interface Assertion {
  response: GetAssertionResponse;
  /** The allowList the request went out with (what the credential returned must be one of). */
  allowList: CredentialDescriptor[];
  /** The RP ID the authenticator signed for (the AppID when the appid extension applied). */
  rpId: string;
  token: PinUvAuthToken | undefined;
}

export async function getAssertionOverCtap2(run: AssertionRun): Promise<Assertion> {
  const { device, info, options, clientDataHash, extensions, ctap } = run;
  const discoverableOnly = run.mediation !== "modal";
  let allowList = discoverableOnly ? [] : narrowAllowList(usableDescriptors(options.allowCredentials, info), run.account);
  if (!discoverableOnly && options.allowCredentials.length > 0 && allowList.length === 0) {
    throw noCredentials("no ID in allowCredentials fits this authenticator's maxCredentialIdLength");
  }
  // Before any PIN token: a token is bound to the RP ID it is asked for (appid, WebAuthn L3 section 10.1.1).
  const find: CredentialFinder = (rpId, list) => probeCredentials(device.transport, list, info, { rpId, clientDataHash }, ctap);
  const rpId = await chooseRpId(extensions, run.rpId, allowList, find);
  const plans = extensions.map((e) => e.plan?.({ info }));
  let requirement = authenticationUvRequirement(options.userVerification, info, allowList.length === 0);
  if (plans.some((p) => p?.requireUv === true)) requirement = "required";
  const disposition = uvDisposition(requirement, info, device.pinAvailable);
  const permissions = Permission.ga | permissionsOf(plans);
  const { uvOption, token } = await verifyUser(device, info, disposition, { permissions, rpId }, ctap);

  // Inputs that differ per credential (prf's evalByCredential) need the one credential known before the request.
  const oneCredential = plans.some((p) => p?.oneCredential === true) && allowList.length > 1;
  if (!fitsInOneRequest(allowList, info) || oneCredential) {
    const held = await probeCredentials(device.transport, allowList, info, { rpId, clientDataHash }, ctap, token);
    if (!held) throw noCredentials("the authenticator holds none of allowCredentials");
    allowList = [held];
  }

  const extensionInputs = await authenticatorInputs(extensions, { transport: device.transport, info, token, ctap, allowList });
  const first = await authenticatorGetAssertion(
    device.transport,
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
  let responses = [first];
  // CTAP 2.2 section 6.2: numberOfCredentials comes only for discoverable lookups that matched several.
  for (let i = 1; i < (first.numberOfCredentials ?? 1); i++) {
    responses.push(await authenticatorGetNextAssertion(device.transport, ctap));
  }
  if (discoverableOnly && options.allowCredentials.length > 0) {
    responses = responses.filter((r) => r.credential && options.allowCredentials.some((d) => bytesEqual(d.id, r.credential!.id)));
    if (responses.length === 0) throw noCredentials("no discoverable credential of allowCredentials is on the authenticator");
  }
  const response = await chooseAssertion(responses, run);
  return { response, allowList, rpId, token };
}

/** The appid extension may move the ceremony to the AppID; the others keep the RP ID. */
export async function chooseRpId(
  extensions: readonly AuthenticationProcessor[],
  rpId: string,
  allowList: CredentialDescriptor[],
  find: CredentialFinder,
): Promise<string> {
  let chosen = rpId;
  for (const extension of extensions) {
    const replacement = await extension.chooseRpId?.({ rpId, allowList, find });
    if (replacement !== undefined) chosen = replacement;
  }
  return chosen;
}

export function noCredentials(detail: string): WebAuthnError {
  return new WebAuthnError("NotAllowedError", `authenticatorGetAssertion: ${detail}`, {
    ctapStatus: Status.CTAP2_ERR_NO_CREDENTIALS,
  });
}
