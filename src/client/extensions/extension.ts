/**
 * A client extension (WebAuthn L3 section 9) as the ceremonies run it, after
 * python-fido2's fido2/ctap2/extensions.py: for each ceremony the extension
 * reads the caller's input and, when it takes part, returns a processor for
 * that one ceremony, which the ceremony consults at fixed points:
 *
 *   create(): parse, plan (getInfo known, rk chosen), excluded, [user
 *             verification], inputs, [authenticatorMakeCredential], outputs
 *   get():    parse, chooseRpId, plan, [user verification], [allowList
 *             narrowed], inputs, [authenticatorGetAssertion], outputs
 *
 * The same points run when the authenticator is a CTAP1/U2F key (../u2f/):
 * its getInfo is then the one a U2F key implies (no options, no
 * extensions), and the hooks that look for credentials do it through
 * `find`, which each protocol implements in its own way.
 *
 * Each point runs over the taking-part processors in registry order
 * (./registry.ts), so which error wins and the order of the output members
 * are the registry's order. Processors keep what they learn (the protocol
 * chosen, a shared secret) between points.
 */
import type { ParsedAuthenticatorData } from "../../ctap/authenticatorData.js";
import type { CtapTransport } from "../../ctap/transport.js";
import type { GetAssertionResponse } from "../ctap/authenticatorGetAssertion.js";
import type { AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import type { MakeCredentialResponse } from "../ctap/authenticatorMakeCredential.js";
import type { CallOptions } from "../ctap/command.js";
import type { CreationOptions, CredentialDescriptor, RequestOptions } from "../optionsJSON.js";
import type { CallerOrigin } from "../origin.js";
import type { PinUvAuthToken } from "../pin/pinUvAuthToken.js";
import type { AuthenticationExtensionsClientOutputs } from "../responseJSON.js";

export interface ClientExtension {
  /** The extension identifier, as WebAuthn names it. */
  readonly name: string;
  /**
   * The client extension inputs it implements, by WebAuthn identifier (credProtect's are
   * credentialProtectionPolicy and enforceCredentialProtectionPolicy): getClientCapabilities()
   * reports `extension:<identifier>` for each.
   */
  readonly identifiers: readonly string[];
  /**
   * create(): parse and check the caller's input before anything reaches the
   * authenticator, throwing the WebAuthnError the spec names; undefined when
   * the extension takes no part in this ceremony.
   */
  create?(request: RegistrationRequest): RegistrationProcessor | undefined;
  /** get(): the same. */
  get?(request: AuthenticationRequest): AuthenticationProcessor | undefined;
}

export interface RegistrationRequest {
  options: CreationOptions;
  caller: CallerOrigin;
}

export interface AuthenticationRequest {
  options: RequestOptions;
  caller: CallerOrigin;
}

/** What an extension needs of the ceremony, decided from getInfo before any PIN or UV. */
export interface ExtensionPlan {
  /** pinUvAuthToken permissions (CTAP 2.2 section 6.5.5.7) the ceremony's token must also carry. */
  permissions?: number;
}

export interface RegistrationPlan extends ExtensionPlan {
  /** The output depends on UV (hmac-secret keeps one PRF with UV, one without): "discouraged" becomes "preferred". */
  preferUv?: boolean;
}

export interface AuthenticationPlan extends ExtensionPlan {
  /** UV is required whatever the RP asked (the token is needed for a follow-up command). */
  requireUv?: boolean;
  /** The request must name the one credential it is for: the inputs differ per credential. */
  oneCredential?: boolean;
}

/** Authenticator extension inputs by CTAP extension identifier ("hmac-secret", "credProtect", ...). */
export type AuthenticatorExtensionInputs = Readonly<Record<string, unknown>>;

/** The authenticator as a hook that talks to it sees it. */
export interface AuthenticatorSession {
  transport: CtapTransport;
  info: AuthenticatorInfo;
  /** The ceremony's pinUvAuthToken, when user verification gave one. */
  token: PinUvAuthToken | undefined;
  ctap: CallOptions;
}

/**
 * The first of `list` the authenticator holds under `rpId`, found without
 * asking the user: silent getAssertion probes on CTAP2, check-only
 * U2F_AUTHENTICATE on CTAP1.
 */
export type CredentialFinder = (rpId: string, list: CredentialDescriptor[]) => Promise<CredentialDescriptor | undefined>;

export interface RegistrationProcessor {
  /** May refuse the ceremony (NotAllowedError) when the authenticator cannot give what is required. */
  plan?(authenticator: { info: AuthenticatorInfo; rk: boolean }): RegistrationPlan | undefined;
  /**
   * Before any PIN or UV: whether the authenticator holds one of excludeCredentials under
   * another identity than the RP ID (appidExclude); the ceremony then collects a touch and
   * ends in InvalidStateError, as for a credential excluded under the RP ID.
   */
  excluded?(probe: { excludeList: CredentialDescriptor[]; find: CredentialFinder }): Promise<boolean>;
  /** After user verification; may call the authenticator (hmac-secret's key agreement). */
  inputs?(session: AuthenticatorSession): Promise<AuthenticatorExtensionInputs> | AuthenticatorExtensionInputs;
  /** The client extension output; may refuse a response that lacks what was required. */
  outputs?(result: RegistrationResult): AuthenticationExtensionsClientOutputs;
}

export interface RegistrationResult {
  response: MakeCredentialResponse;
  authData: ParsedAuthenticatorData;
  /** Whether the client asked for a discoverable credential (the authenticator made one or failed). */
  rk: boolean;
}

export interface AuthenticationProcessor {
  /**
   * Before any PIN or UV, since a token is bound to its RP ID: the RP ID to
   * run the ceremony under instead, or undefined to keep it.
   */
  chooseRpId?(probe: RpIdProbe): Promise<string | undefined>;
  plan?(authenticator: { info: AuthenticatorInfo }): AuthenticationPlan | undefined;
  /** After user verification and once the allowList is final; may call the authenticator. */
  inputs?(
    session: AuthenticatorSession & { allowList: CredentialDescriptor[] },
  ): Promise<AuthenticatorExtensionInputs> | AuthenticatorExtensionInputs;
  /** The client extension output, with any follow-up commands it takes (largeBlob read or write). */
  outputs?(result: AuthenticationResult): Promise<AuthenticationExtensionsClientOutputs> | AuthenticationExtensionsClientOutputs;
}

export interface RpIdProbe {
  rpId: string;
  allowList: CredentialDescriptor[];
  find: CredentialFinder;
}

export interface AuthenticationResult extends AuthenticatorSession {
  /** The assertion the client chose. */
  response: GetAssertionResponse;
  authData: ParsedAuthenticatorData;
}
