/**
 * The JSON forms of a new or asserted credential (WebAuthn L3 section 5.1,
 * RegistrationResponseJSON / AuthenticationResponseJSON), what
 * PublicKeyCredential.toJSON() gives a page and what
 * @simplewebauthn/server's verify functions take.
 */
import type { AuthenticatorAttachment, Base64URLString } from "./optionsJSON.js";

/**
 * The largeBlob output (WebAuthn L3 section 10.1.5): `supported` at
 * registration, `blob` (base64url) or `written` at authentication.
 */
export interface LargeBlobOutputJSON {
  supported?: boolean;
  blob?: string;
  written?: boolean;
}

export type AuthenticatorTransport = "usb" | "nfc" | "ble" | "smart-card" | "hybrid" | "internal";

export interface AuthenticationExtensionsClientOutputs {
  credProps?: { rk?: boolean };
  /** WebAuthn L3 section 10.1.5: `supported` at registration, `blob` or `written` at authentication. */
  largeBlob?: LargeBlobOutputJSON;
  /** Chrome's older name for creating an hmac-secret credential. */
  hmacCreateSecret?: boolean;
  /**
   * Further outputs; `prf` is a PrfOutputJSON (WebAuthn L3 section 10.1.4: `enabled` at
   * registration, `results` as base64url, as PublicKeyCredential.toJSON() gives them). It is not
   * declared here so that these responses stay assignable to @simplewebauthn/server's types,
   * which describe prf results as BufferSource.
   */
  [extension: string]: unknown;
}

export interface AuthenticatorAttestationResponseJSON {
  clientDataJSON: Base64URLString;
  attestationObject: Base64URLString;
  authenticatorData: Base64URLString;
  transports: AuthenticatorTransport[];
  /** SubjectPublicKeyInfo DER; absent when the client cannot express the key's algorithm as SPKI. */
  publicKey?: Base64URLString;
  publicKeyAlgorithm: number;
}

export interface RegistrationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  type: "public-key";
  response: AuthenticatorAttestationResponseJSON;
  authenticatorAttachment: AuthenticatorAttachment;
  clientExtensionResults: AuthenticationExtensionsClientOutputs;
}

export interface AuthenticatorAssertionResponseJSON {
  clientDataJSON: Base64URLString;
  authenticatorData: Base64URLString;
  signature: Base64URLString;
  userHandle?: Base64URLString;
}

export interface AuthenticationResponseJSON {
  id: Base64URLString;
  rawId: Base64URLString;
  type: "public-key";
  response: AuthenticatorAssertionResponseJSON;
  authenticatorAttachment: AuthenticatorAttachment;
  clientExtensionResults: AuthenticationExtensionsClientOutputs;
}
