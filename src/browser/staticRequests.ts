/**
 * The PublicKeyCredential statics a page calls, answered in Node for the
 * attached client: getClientCapabilities() and
 * isUserVerifyingPlatformAuthenticatorAvailable() as the client derives them
 * from its authenticators (with attach()'s overrides on top), and the three
 * signal methods, run through the Softkey so its store acts on them as a
 * credential provider would. A signal resolves undefined or rejects with
 * TypeError / SecurityError, as in Chrome; what changed is never told.
 */
import { WebAuthnError, type WebAuthnClient } from "../client/index.js";
import type { Softkey } from "../softkey.js";
import type { WireRequest } from "./serialization.js";

export type StaticRequest = Extract<WireRequest, { op: "static" }>;

export interface StaticContext {
  softkey: Softkey;
  client: WebAuthnClient;
  /** The calling document's origin, as the browser reports it ("null" when opaque). */
  origin: string;
  /** Whether the calling document is same-origin with every frame above it. */
  sameOriginWithAncestors: boolean;
  userVerifyingPlatformAuthenticator?: boolean;
  capabilities?: Record<string, boolean>;
}

export async function answerStatic(request: StaticRequest, context: StaticContext): Promise<unknown> {
  const { client, userVerifyingPlatformAuthenticator: uvpaa } = context;
  switch (request.name) {
    case "getClientCapabilities": {
      const derived = await client.getClientCapabilities();
      const answer = { ...derived, ...(uvpaa === undefined ? {} : { userVerifyingPlatformAuthenticator: uvpaa, passkeyPlatformAuthenticator: uvpaa }), ...context.capabilities };
      return Object.fromEntries(Object.entries(answer).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    case "isUserVerifyingPlatformAuthenticatorAvailable":
      return uvpaa ?? (await client.isUserVerifyingPlatformAuthenticatorAvailable());
    default:
      if (!context.sameOriginWithAncestors) {
        throw new WebAuthnError("NotAllowedError", "a cross-origin frame may not signal about the relying party's credentials");
      }
      if (request.origin !== context.origin) {
        throw new WebAuthnError("NotAllowedError", `the calling document's origin "${request.origin}" is opaque or is not its frame's origin "${context.origin}"`);
      }
      await context.softkey.signal(request.name, request.options, { origin: context.origin, client });
      return undefined;
  }
}
