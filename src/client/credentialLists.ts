/**
 * Fitting excludeCredentials / allowCredentials to the authenticator's
 * limits (CTAP 2.1 section 6.4 maxCredentialIdLength and
 * maxCredentialCountInList). IDs longer than the limit cannot be this
 * authenticator's and are dropped. A list longer than the limit is probed
 * in batches with silent (up=false) getAssertion calls to find the one
 * credential that matters, as Chrome does; only that one is then sent.
 */
import { Status } from "../ctap/status.js";
import type { CtapTransport } from "../ctap/transport.js";
import type { AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { authenticatorGetAssertion } from "./ctap/authenticatorGetAssertion.js";
import { CtapStatusError, malformed, type CallOptions } from "./ctap/command.js";
import type { CredentialDescriptor } from "./optionsJSON.js";
import { pinUvAuthParam, type PinUvAuthToken } from "./pin/pinUvAuthToken.js";
import { bytesEqual } from "../bytes/equal.js";

export function usableDescriptors(list: CredentialDescriptor[], info: AuthenticatorInfo): CredentialDescriptor[] {
  const max = info.maxCredentialIdLength;
  return max === undefined ? list : list.filter((d) => d.id.length <= max);
}

export function fitsInOneRequest(list: CredentialDescriptor[], info: AuthenticatorInfo): boolean {
  return info.maxCredentialCountInList === undefined || list.length <= info.maxCredentialCountInList;
}

/**
 * The first credential of `list` the authenticator holds for `rpId`, found
 * without user presence. With a pinUvAuthToken the probe is made with it (as
 * Chrome probes exclude lists with its token), so credentials that need UV
 * to be seen (credProtect level 3) are found; an up=false request leaves the
 * token usable for the ceremony that follows.
 */
export async function probeCredentials(
  transport: CtapTransport,
  list: CredentialDescriptor[],
  info: AuthenticatorInfo,
  request: { rpId: string; clientDataHash: Uint8Array },
  call: CallOptions,
  token?: PinUvAuthToken,
): Promise<CredentialDescriptor | undefined> {
  const auth = token
    ? { pinUvAuthParam: pinUvAuthParam(token, request.clientDataHash), pinUvAuthProtocol: token.version }
    : {};
  const batch = info.maxCredentialCountInList ?? list.length;
  for (let start = 0; start < list.length; start += batch) {
    const allowList = list.slice(start, start + batch);
    try {
      const response = await authenticatorGetAssertion(
        transport,
        { ...request, allowList, options: new Map([["up", false]]), ...auth },
        call,
      );
      const id = response.credential?.id ?? (allowList.length === 1 ? allowList[0]!.id : undefined);
      const match = id && allowList.find((d) => bytesEqual(d.id, id));
      if (!match) throw malformed("authenticatorGetAssertion", "the credential returned is not in the allowList");
      return match;
    } catch (error) {
      if (error instanceof CtapStatusError && error.status === Status.CTAP2_ERR_NO_CREDENTIALS) continue;
      throw error;
    }
  }
  return undefined;
}
