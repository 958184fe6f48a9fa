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
 * probes before any user interaction: up=false getAssertion on CTAP2,
 * check-only U2F_AUTHENTICATE on a U2F key.
 */
import { getDomain } from "tldts";
import { Status } from "../../ctap/status.js";
import { CtapStatusError } from "../ctap/command.js";
import { WebAuthnError } from "../errors.js";
import type { CredentialDescriptor } from "../optionsJSON.js";
import type { CallerOrigin } from "../origin.js";
import { PageMessage } from "../pageMessages.js";
import type { ClientExtension, CredentialFinder } from "./extension.js";

const PSL = { allowPrivateDomains: true, extractHostname: false } as const;

export const appidExtension: ClientExtension = {
  name: "appid",
  identifiers: ["appid"],
  create({ options }) {
    // Chrome refuses it here rather than ignoring it: it names a U2F credential to sign in with.
    if (options.extensions.appid !== undefined) {
      throw new WebAuthnError(
        "NotSupportedError",
        "The 'appid' extension is only valid when requesting an assertion for a pre-existing credential that was registered using the legacy FIDO U2F API.",
      );
    }
    return undefined;
  },
  get({ options, caller }) {
    const appId = parseAppIdInput(options.extensions, caller);
    if (appId === undefined) return undefined;
    let used = false;
    return {
      async chooseRpId({ rpId, allowList, find }) {
        used = await appIdApplies(allowList, { rpId, appId }, find);
        return used ? appId : undefined;
      },
      outputs: () => ({ appid: used }),
    };
  },
};

/** The AppID this caller may use, from the `appid` extension input; undefined when there is none. */
export function parseAppIdInput(extensions: Record<string, unknown>, caller: CallerOrigin, name = "appid"): string | undefined {
  const value = extensions[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new WebAuthnError("TypeError", `extensions.${name} must be a string (a FIDO AppID URL)`);
  // FIDO AppID 3.1.2: an empty AppID is the caller's FacetID (its origin).
  if (value === "") return caller.origin;
  const refuse = (why: string) =>
    new WebAuthnError("SecurityError", `extensions.${name} "${value}" is not allowed for origin "${caller.origin}": ${why}`, {
      pageMessage: PageMessage.invalidDomain,
    });
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    // Chrome checks this in the renderer, before any origin rule: a SyntaxError.
    throw new WebAuthnError("SyntaxError", `extensions.${name} "${value}" is neither empty nor a valid URL`, { cause });
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
  allowList: CredentialDescriptor[],
  request: { rpId: string; appId: string },
  find: CredentialFinder,
): Promise<boolean> {
  // Discoverable credentials are never U2F credentials; an AppID equal to the RP ID changes nothing.
  if (allowList.length === 0 || request.appId === request.rpId) return false;
  try {
    if (await find(request.rpId, allowList)) return false;
    return (await find(request.appId, allowList)) !== undefined;
  } catch (error) {
    if (error instanceof CtapStatusError && error.status !== Status.CTAP2_ERR_NO_CREDENTIALS) return false;
    throw error;
  }
}
