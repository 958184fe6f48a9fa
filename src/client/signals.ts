/**
 * The signal methods (WebAuthn L3 section 5.1.10, "Signal Credential Changes to the
 * Authenticator"): PublicKeyCredential.signalUnknownCredential,
 * signalAllAcceptedCredentials and signalCurrentUserDetails. The client
 * checks the options (base64url, else TypeError) and the RP ID (the
 * asynchronous RP ID validation, related origins included, else
 * SecurityError), then hands the signal to the credential provider of every
 * attached authenticator that has one, which acts on it as the spec's
 * authenticator actions say. As in the spec, the promise says only that
 * the options were well formed: whether anything changed is never told.
 */
import { fromBase64Url, isBase64Url } from "../bytes/base64url.js";
import type { ClientRuntime } from "./context.js";
import { WebAuthnError } from "./errors.js";
import { parseCallerOrigin } from "./origin.js";
import type { CredentialProvider } from "./provider.js";
import { determineRpId } from "./relatedOrigins.js";

export type SignalName = "signalUnknownCredential" | "signalAllAcceptedCredentials" | "signalCurrentUserDetails";

/** Where a signal comes from: the calling page's origin. */
export interface SignalCallOptions {
  origin: string;
  signal?: AbortSignal;
}

export async function signalCredentials(runtime: ClientRuntime, name: SignalName, input: unknown, call: SignalCallOptions): Promise<void> {
  const options = object(input);
  const rpId = text(options.rpId, "rpId");
  let act: (provider: CredentialProvider) => Promise<void>;
  switch (name) {
    case "signalUnknownCredential": {
      const credentialId = base64url(options.credentialId, "credentialId");
      act = (p) => p.unknownCredential({ rpId, credentialId });
      break;
    }
    case "signalAllAcceptedCredentials": {
      const list = options.allAcceptedCredentialIds;
      if (!Array.isArray(list)) throw new WebAuthnError("TypeError", "allAcceptedCredentialIds is required and must be an array");
      const allAcceptedCredentialIds = list.map((id, i) => base64url(id, `allAcceptedCredentialIds[${i}]`));
      const userId = base64url(options.userId, "userId");
      act = (p) => p.allAcceptedCredentials({ rpId, userId, allAcceptedCredentialIds });
      break;
    }
    case "signalCurrentUserDetails": {
      const userId = base64url(options.userId, "userId");
      const details = { rpId, userId, name: text(options.name, "name"), displayName: text(options.displayName, "displayName") };
      act = (p) => p.currentUserDetails(details);
      break;
    }
  }
  const caller = parseCallerOrigin(call.origin, runtime.settings);
  await determineRpId(rpId, caller, runtime.settings.relatedOrigins, call.signal);
  // The authenticator actions run after the promise's answer is known; a provider that fails changes nothing the caller may learn.
  await Promise.all(runtime.authenticators.flatMap((a) => (a.provider ? [act(a.provider).catch(() => undefined)] : [])));
}

function object(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new WebAuthnError("TypeError", "the signal's options must be an object");
  return value as Record<string, unknown>;
}

function text(value: unknown, label: string): string {
  if (typeof value !== "string") throw new WebAuthnError("TypeError", `${label} is required and must be a string`);
  return value;
}

function base64url(value: unknown, label: string): Uint8Array {
  const encoded = text(value, label);
  if (!isBase64Url(encoded)) throw new WebAuthnError("TypeError", `Invalid base64url string for ${label}.`);
  return fromBase64Url(encoded);
}
