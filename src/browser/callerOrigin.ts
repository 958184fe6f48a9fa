/**
 * Which origin a page's WebAuthn call runs for, decided from what the browser says about the
 * calling document, never from what the page says: the one rule every browser adapter (Playwright
 * today, others later) applies. An adapter supplies CallerFacts: the calling document's origin and
 * its ancestors' as the browser reports them, and the browser's answers on Permissions Policy and
 * user activation; `callerOrigins` turns them into the origin and top-level origin of the ceremony,
 * or the DOMException Chrome rejects with.
 *
 * The rules, in Chrome's order (third_party/blink/renderer/modules/credentialmanagement/
 * authentication_credentials_container.cc, then content/browser/webauth/
 * webauth_request_security_checker.cc):
 *
 * 1. The 'publickey-credentials-create' / '-get' feature must be enabled in the document
 *    (Permissions Policy; both default to 'self', so a cross-origin frame needs the embedder's
 *    `allow`, and a header may switch either off anywhere). Else NotAllowedError.
 * 2. create() in a document that is not same-origin with all its ancestors needs transient user
 *    activation (WebAuthn L3 section 5.1.3, the step on sameOriginWithAncestors). Else NotAllowedError.
 * 3. An opaque origin (sandboxed frames, data: URLs) may not use WebAuthn: NotAllowedError (L3
 *    section 5.1.3 and 5.1.4, "If callerOrigin is an opaque origin"; Chrome's OPAQUE_DOMAIN).
 * 4. The ceremony runs for the document's own origin; when it is not same-origin with all its
 *    ancestors, clientDataJSON says crossOrigin: true with the top-level origin (L3 section 5.8.1).
 *
 * Where the browser cannot answer (an adapter without access to the policy or the activation), the
 * call is refused rather than guessed, except that a document same-origin with all its ancestors
 * keeps the default 'self' policy.
 */
import { WebAuthnError } from "../client/errors.js";

export type WebAuthnFeature = "publickey-credentials-create" | "publickey-credentials-get";

export interface CallerFacts {
  /** The calling document's serialized origin, as the browser reports it; "null" when opaque. */
  origin: string;
  /**
   * The origins of the documents of its ancestor frames, parent first, the top-level document's
   * last; empty for a top-level document. Undefined where the browser could not say.
   */
  ancestorOrigins: readonly (string | undefined)[];
  /** The browser's Permissions Policy answer for the calling document; undefined when it has none to give. */
  allowsFeature(feature: WebAuthnFeature): Promise<boolean | undefined>;
  /** Whether the calling frame has transient user activation; undefined when the browser cannot say. */
  hasTransientActivation(): Promise<boolean | undefined>;
}

export interface CallerOrigins {
  origin: string;
  /** Set when the document is not same-origin with all its ancestors: the top-level document's origin. */
  topOrigin?: string;
}

/** Chrome's words, so a page sees the message it would see there. */
const notEnabled = (feature: WebAuthnFeature) =>
  `The '${feature}' feature is not enabled in this document. Permissions Policy may be used to delegate Web Authentication capabilities to cross-origin child frames.`;
const NEEDS_ACTIVATION = "A user activation is required to create a credential in a cross-origin iframe.";
const OPAQUE = "The current origin is an opaque origin and hence not allowed to access 'PublicKeyCredential' objects.";

export const OPAQUE_ORIGIN = "null";

export async function callerOrigins(facts: CallerFacts, ceremony: "create" | "get"): Promise<CallerOrigins> {
  const feature: WebAuthnFeature = ceremony === "create" ? "publickey-credentials-create" : "publickey-credentials-get";
  const { origin, ancestorOrigins } = facts;
  if (ancestorOrigins.some((ancestor) => ancestor === undefined)) {
    throw new WebAuthnError("NotAllowedError", "softkey cannot tell the origin of every frame above this document, so it cannot tell whether it is cross-origin");
  }
  const opaque = origin === OPAQUE_ORIGIN;
  // An opaque origin is same-origin with nothing, not even an identical-looking "null"; a top-level document has no ancestors to differ from.
  const sameOriginWithAncestors = ancestorOrigins.length === 0 || (!opaque && ancestorOrigins.every((ancestor) => ancestor === origin));

  const allowed = await facts.allowsFeature(feature);
  if (allowed === false || (allowed === undefined && !sameOriginWithAncestors)) {
    throw new WebAuthnError("NotAllowedError", allowed === false ? notEnabled(feature) : `softkey cannot tell whether '${feature}' is delegated to this cross-origin frame in this browser`);
  }
  if (ceremony === "create" && !sameOriginWithAncestors && (await facts.hasTransientActivation()) !== true) {
    throw new WebAuthnError("NotAllowedError", NEEDS_ACTIVATION);
  }
  if (opaque) throw new WebAuthnError("NotAllowedError", OPAQUE);
  if (sameOriginWithAncestors) return { origin };
  return { origin, topOrigin: ancestorOrigins.at(-1)! };
}
