/** The WebAuthn client (the browser's role): public API. */
export { WebAuthnClient } from "./client.js";
export type {
  AttachedAuthenticator,
  AuthenticatorOptions,
  WebAuthnClientOptions,
  CreateCallOptions,
  GetCallOptions,
  PinSource,
  SignalCallOptions,
} from "./client.js";
export type { AccountSelector, CredentialCandidate, SelectCredential } from "./accountChoice.js";
export { parseAccountSelector } from "./accountChoice.js";
export type { MediatedSignIn } from "./mediation.js";
export type {
  CredentialProvider,
  ProviderAccount,
  UnknownCredentialSignal,
  AllAcceptedCredentialsSignal,
  CurrentUserDetailsSignal,
} from "./provider.js";
export type { RelatedOriginsOptions, WellKnownFetcher, WellKnownRequest, WellKnownResponse } from "./relatedOrigins.js";
export type { SignalName } from "./signals.js";
export { PageMessage } from "./pageMessages.js";
export { WebAuthnError } from "./errors.js";
export type { WebAuthnErrorName } from "./errors.js";
export type { AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
export type {
  AuthenticationExtensionsClientInputs,
  CreationOptionsInput,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RequestOptionsInput,
} from "./optionsJSON.js";
export type {
  AuthenticationExtensionsClientOutputs,
  AuthenticationResponseJSON,
  AuthenticatorAssertionResponseJSON,
  AuthenticatorAttestationResponseJSON,
  AuthenticatorTransport,
  LargeBlobOutputJSON,
  RegistrationResponseJSON,
} from "./responseJSON.js";
export { parseAuthenticatorData } from "../ctap/authenticatorData.js";
export type { ParsedAuthenticatorData } from "../ctap/authenticatorData.js";
export { coseToSpki } from "./cosePublicKey.js";
export { toBase64Url, fromBase64Url } from "../bytes/base64url.js";
export { setPin, changePin, getPinRetries, getUvRetries, getPinStatus } from "./pin/index.js";
export type { PinCallOptions, PinRetries, PinStatus } from "./pin/index.js";
export type { PrfOutputJSON, PrfResultsJSON } from "./extensions/prf.js";
