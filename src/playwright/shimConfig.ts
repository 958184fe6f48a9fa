/**
 * What the page shim is told at install: the binding names and what
 * PublicKeyCredential's feature questions answer, from attach()'s options.
 */
import type { ShimConfig } from "./serialization.js";

const DEFAULT_BINDING = "__softkeyPlaywright";

export interface ShimOptions {
  bindingName?: string;
  userVerifyingPlatformAuthenticator?: boolean;
  capabilities?: Record<string, boolean>;
  cdpChannel?: boolean;
}

export function shimConfig(options: ShimOptions): ShimConfig {
  const uvpaa = options.userVerifyingPlatformAuthenticator ?? false;
  const binding = options.bindingName ?? DEFAULT_BINDING;
  return {
    binding,
    userVerifyingPlatformAuthenticator: uvpaa,
    capabilities: {
      conditionalCreate: false,
      conditionalGet: true,
      hybridTransport: false,
      passkeyPlatformAuthenticator: uvpaa,
      userVerifyingPlatformAuthenticator: uvpaa,
      relatedOrigins: false,
      signalAllAcceptedCredentials: false,
      signalCurrentUserDetails: false,
      signalUnknownCredential: false,
      "extension:credProps": true,
      "extension:credProtect": true,
      "extension:hmacCreateSecret": true,
      "extension:largeBlob": true,
      "extension:prf": true,
      ...options.capabilities,
    },
    ...(options.cdpChannel !== false ? { fast: { binding: `${binding}Cdp`, reply: `${binding}CdpReply` } } : {}),
  };
}
