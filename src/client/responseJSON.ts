/**
 * The JSON forms of a new or asserted credential (WebAuthn L3 section 5.1,
 * RegistrationResponseJSON / AuthenticationResponseJSON), what
 * PublicKeyCredential.toJSON() gives a page and what
 * @simplewebauthn/server's verify functions take.
 */
import type { AuthenticatorAttachment, Base64URLString } from "./optionsJSON.js";

export type AuthenticatorTransport = "usb" | "nfc" | "ble" | "smart-card" | "hybrid" | "internal";

export interface AuthenticationExtensionsClientOutputs {
  credProps?: { rk?: boolean };
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
