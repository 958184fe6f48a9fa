/**
 * PublicKeyCredential.getClientCapabilities() (WebAuthn L3 section 5.1.7)
 * and isUserVerifyingPlatformAuthenticatorAvailable(), as this client
 * answers them for the authenticators attached to it, with the keys sorted
 * as Chrome sorts them:
 *
 *  - conditionalGet: an authenticator whose provider lists passkeys;
 *    conditionalCreate: a platform authenticator with a provider;
 *  - hybridTransport: an authenticator reached over "hybrid";
 *  - userVerifyingPlatformAuthenticator: a platform authenticator that can
 *    verify the user (built-in UV, or a PIN set);
 *    passkeyPlatformAuthenticator: a platform one that stores discoverable
 *    credentials, or a hybrid one;
 *  - relatedOrigins: this client makes related origin requests;
 *  - signal*: an authenticator's provider takes the signals;
 *  - immediateGet (Chrome's, beside the spec's): as conditionalGet, for a
 *    platform authenticator;
 *  - extension:<identifier>: every client extension input implemented (the
 *    client's support, as Chrome reports it, whatever the key offers).
 *
 * A test may override any entry (WebAuthnClientOptions.capabilities).
 */
import type { ClientContext } from "./context.js";
import { option, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import type { CallOptions } from "./ctap/command.js";
import { extensionIdentifiers } from "./extensions/registry.js";

export async function clientCapabilities(
  authenticators: readonly ClientContext[],
  relatedOrigins: boolean,
  overrides: Readonly<Record<string, boolean>>,
  call: CallOptions,
): Promise<Record<string, boolean>> {
  const platform = await Promise.all(authenticators.filter((a) => a.settings.attachment === "platform").map((a) => infoOf(a, call)));
  const hybrid = authenticators.some((a) => a.settings.transports?.includes("hybrid"));
  const withProvider = authenticators.filter((a) => a.provider);
  const platformProvider = withProvider.some((a) => a.settings.attachment === "platform");
  const entries: Record<string, boolean> = {
    conditionalCreate: platformProvider,
    conditionalGet: withProvider.length > 0,
    hybridTransport: hybrid,
    immediateGet: platformProvider,
    passkeyPlatformAuthenticator: hybrid || platform.some((info) => info !== undefined && option(info, "rk") === true),
    relatedOrigins,
    signalAllAcceptedCredentials: withProvider.length > 0,
    signalCurrentUserDetails: withProvider.length > 0,
    signalUnknownCredential: withProvider.length > 0,
    userVerifyingPlatformAuthenticator: platform.some(userVerifying),
  };
  for (const identifier of extensionIdentifiers()) entries[`extension:${identifier}`] = true;
  Object.assign(entries, overrides);
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** isUserVerifyingPlatformAuthenticatorAvailable(): a platform authenticator that can verify the user. */
export async function userVerifyingPlatformAuthenticatorAvailable(authenticators: readonly ClientContext[], call: CallOptions): Promise<boolean> {
  for (const authenticator of authenticators) {
    if (authenticator.settings.attachment === "platform" && userVerifying(await infoOf(authenticator, call))) return true;
  }
  return false;
}

function userVerifying(info: AuthenticatorInfo | undefined): boolean {
  return info !== undefined && (option(info, "uv") === true || option(info, "clientPin") === true);
}

/** getInfo, or undefined for a device that does not answer it (a U2F key, a broken one). */
async function infoOf(authenticator: ClientContext, call: CallOptions): Promise<AuthenticatorInfo | undefined> {
  try {
    return await authenticator.getInfo(call);
  } catch {
    return undefined;
  }
}
