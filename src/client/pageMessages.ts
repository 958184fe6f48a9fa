/**
 * What a page sees when a ceremony fails: Chrome's DOMException messages
 * (third_party/blink/.../authentication_credentials_container.cc,
 * AuthenticatorStatusToDOMException, and the checks around it), word for
 * word, so a page under test reads what it would read in Chrome. The
 * specific reason stays in WebAuthnError.message, for softkey's events and
 * logs; the README's "Errors the page sees" table lists the mapping.
 *
 *  - NotAllowedError: one generic message for every refusal (no credential,
 *    the user said no, UV impossible, timeout, a broken response), so a site
 *    cannot tell which; Chrome names only a few page-caused refusals
 *    (immediate mediation, Permissions Policy, an opaque origin).
 *  - InvalidStateError: the excluded-credential message.
 *  - SecurityError: the RP ID message, or its related-origin variants.
 *  - NotSupportedError, TypeError, EncodingError, SyntaxError: about the
 *    page's own input, which Chrome does describe: the specific message.
 */
export const PageMessage = {
  notAllowed: "The operation either timed out or was not allowed. See: https://www.w3.org/TR/webauthn-2/#sctn-privacy-considerations-client.",
  credentialExcluded:
    "The user attempted to register an authenticator that contains one of the credentials already registered with the relying party.",
  invalidDomain: "This is an invalid domain.",
  invalidProtocol:
    "Public-key credentials are only available to HTTPS origins with valid certificates, HTTP origins that fall under 'localhost', " +
    "or pages served from an extension. See https://chromium.googlesource.com/chromium/src/+/main/content/browser/webauth/origins.md for details",
  opaqueDomain: "The current origin is an opaque origin and hence not allowed to access 'PublicKeyCredential' objects.",
  badRelyingPartyId: "The relying party ID is not a registrable domain suffix of, nor equal to the current domain.",
  relatedOriginFetchFailed:
    "The relying party ID is not a registrable domain suffix of, nor equal to the current domain. Subsequently, an attempt to fetch " +
    "the .well-known/webauthn resource of the claimed RP ID failed.",
  relatedOriginWrongContentType:
    "The relying party ID is not a registrable domain suffix of, nor equal to the current domain. Subsequently, the " +
    ".well-known/webauthn resource of the claimed RP ID had the wrong content-type. (It should be application/json.)",
  relatedOriginJsonParseError:
    "The relying party ID is not a registrable domain suffix of, nor equal to the current domain. Subsequently, fetching the " +
    ".well-known/webauthn resource of the claimed RP ID resulted in a JSON parse error.",
  relatedOriginNoMatch:
    "The relying party ID is not a registrable domain suffix of, nor equal to the current domain. Subsequently, fetching the " +
    ".well-known/webauthn resource of the claimed RP ID was successful, but no listed origin matched the caller.",
  relatedOriginNoMatchHitLimits:
    "The relying party ID is not a registrable domain suffix of, nor equal to the current domain. Subsequently, fetching the " +
    ".well-known/webauthn resource of the claimed RP ID was successful, but no listed origin matched the caller. Note that a " +
    "match may have been found but the limit on the number of eTLD+1 labels was reached, causing some entries to be ignored.",
  algorithmUnsupported: "None of the algorithms specified in `pubKeyCredParams` are supported by this device.",
  immediateNotFound: "No immediate discoverable credentials are found.",
  immediateWithAllowCredentials: "An allowCredentials is not allowed with immediate mediation.",
  immediateNeedsActivation: "A user activation is required to request immediate credentials.",
  immediateWithConditional: "Immediate uiMode is not compatible with conditional mediation",
  crossOriginCreateNeedsActivation: "A user activation is required to create a credential in a cross-origin iframe.",
  paymentOnlyAtCreate: "The 'payment' extension is only valid when creating a credential",
} as const;

/** The page's message when the error gave none of its own. */
export function defaultPageMessage(name: string, message: string): string {
  switch (name) {
    case "NotAllowedError":
      return PageMessage.notAllowed;
    case "InvalidStateError":
      return PageMessage.credentialExcluded;
    case "SecurityError":
      return PageMessage.badRelyingPartyId;
    default:
      return message;
  }
}
