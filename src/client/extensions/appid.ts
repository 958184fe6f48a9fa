/**
 * FIDO AppID extension, appid (WebAuthn L3 section 10.1.1): lets an RP that
 * registered credentials through the U2F JavaScript API sign in with them
 * through WebAuthn. A U2F credential is bound to SHA-256(AppID) (its
 * application parameter), not to SHA-256(RP ID), so the client asks the
 * authenticator under the RP ID first and, when none of allowCredentials is
 * known there, under the AppID: the AppID then replaces the RP ID in
 * authenticatorGetAssertion (so authData's rpIdHash is SHA-256(AppID)), while
 * clientData keeps the caller's origin. The output `appid` says which was used.
 *
 * Which callers may use which AppID follows the FIDO AppID and Facet
 * specification v1.2, section 3.1.2, in the simplified form browsers apply
 * (Chrome fetches no Trusted Facet List): an empty AppID is the caller's
 * origin; an AppID that is not https is allowed only when it equals the
 * caller's origin; an https AppID needs an https caller on the same host or
 * the same registrable domain (Public Suffix List, private registries included).
 *
 * Like Chrome, the client finds out where the credentials live with silent
 * (up=false) getAssertion probes, before any user interaction.
 */
import { getDomain } from "tldts";
import { Status } from "../../ctap/status.js";
import type { CtapTransport } from "../../ctap/transport.js";
import type { AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { CtapStatusError, type CallOptions } from "../ctap/command.js";
import { probeCredentials } from "../credentialLists.js";
import { WebAuthnError } from "../errors.js";
import type { CredentialDescriptor } from "../optionsJSON.js";
import type { CallerOrigin } from "../origin.js";
import type { ClientExtension } from "./extension.js";

const PSL = { allowPrivateDomains: true, extractHostname: false } as const;

export const appidExtension: ClientExtension = {
  name: "appid",
  get({ options, caller }) {
    const appId = parseAppIdInput(options.extensions, caller);
    if (appId === undefined) return undefined;
    let used = false;
    return {
      async chooseRpId({ transport, info, ctap, rpId, allowList, clientDataHash }) {
        used = await appIdApplies(transport, allowList, info, { rpId, appId, clientDataHash }, ctap);
        return used ? appId : undefined;
      },
      outputs: () => ({ appid: used }),
    };
  },
};

/** The AppID this caller may use, from the `appid` extension input; undefined when there is none. */
export function parseAppIdInput(extensions: Record<string, unknown>, caller: CallerOrigin): string | undefined {
  const value = extensions.appid;
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new WebAuthnError("TypeError", "extensions.appid must be a string (a FIDO AppID URL)");
  // FIDO AppID 3.1.2: an empty AppID is the caller's FacetID (its origin).
  if (value === "") return caller.origin;
  const refuse = (why: string) =>
    new WebAuthnError("SecurityError", `extensions.appid "${value}" is not allowed for origin "${caller.origin}": ${why}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new WebAuthnError("SecurityError", `extensions.appid "${value}" is not a URL`, { cause });
  }
  if (url.protocol !== "https:") {
    if (value === caller.origin) return value;
    throw refuse("an AppID that is not https must equal the caller's origin");
  }
  if (caller.scheme !== "https") throw refuse("an https AppID needs an https caller");
  if (url.hostname === caller.host) return value;
  const site = getDomain(url.hostname, PSL);
  if (site !== null && !caller.isIpAddress && site === getDomain(caller.host, PSL)) return value;
  throw refuse("it must be on the caller's host or registrable domain");
}

/**
 * Whether the ceremony should run under the AppID: none of `allowList` is
 * known under `rpId`, and one is under `appId`. Any refusal of a silent probe
 * (other than "no credentials") leaves the RP ID in charge.
 */
export async function appIdApplies(
  transport: CtapTransport,
  allowList: CredentialDescriptor[],
  info: AuthenticatorInfo,
  request: { rpId: string; appId: string; clientDataHash: Uint8Array },
  call: CallOptions,
): Promise<boolean> {
  // Discoverable credentials are never U2F credentials; an AppID equal to the RP ID changes nothing.
  if (allowList.length === 0 || request.appId === request.rpId) return false;
  const { clientDataHash } = request;
  try {
    if (await probeCredentials(transport, allowList, info, { rpId: request.rpId, clientDataHash }, call)) return false;
    return (await probeCredentials(transport, allowList, info, { rpId: request.appId, clientDataHash }, call)) !== undefined;
  } catch (error) {
    if (error instanceof CtapStatusError && error.status !== Status.CTAP2_ERR_NO_CREDENTIALS) return false;
    throw error;
  }
}
