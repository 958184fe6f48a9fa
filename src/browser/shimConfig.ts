/**
 * What the page shim is told at install: the binding names, and what
 * PublicKeyCredential's feature questions answer in a document softkey is
 * not (or no longer) attached to. Attached documents ask Node instead, which
 * derives the answers from the client's authenticators (./staticRequests.ts).
 */
import { extensionIdentifiers } from "../client/extensions/registry.js";
import type { ShimConfig } from "./serialization.js";

const DEFAULT_BINDING = "__softkeyPlaywright";

export interface ShimOptions {
  bindingName?: string;
  userVerifyingPlatformAuthenticator?: boolean;
  capabilities?: Record<string, boolean>;
  cdpChannel?: boolean;
  /** Every document, frames included, sends its calls through the fast channel (adapters without a binding of their own). */
  fastFrames?: boolean;
}

export function shimConfig(options: ShimOptions): ShimConfig {
  const uvpaa = options.userVerifyingPlatformAuthenticator ?? false;
  const binding = options.bindingName ?? DEFAULT_BINDING;
  return {
    binding,
    userVerifyingPlatformAuthenticator: uvpaa,
    capabilities: {
      conditionalCreate: false,
      conditionalGet: false,
      hybridTransport: false,
      passkeyPlatformAuthenticator: uvpaa,
      relatedOrigins: false,
      signalAllAcceptedCredentials: false,
      signalCurrentUserDetails: false,
      signalUnknownCredential: false,
      userVerifyingPlatformAuthenticator: uvpaa,
      ...Object.fromEntries(extensionIdentifiers().map((id) => [`extension:${id}`, true])),
      ...options.capabilities,
    },
    ...(options.cdpChannel !== false ? { fast: { binding: `${binding}Cdp`, reply: `${binding}CdpReply`, ...(options.fastFrames ? { frames: true } : {}) } } : {}),
  };
}
