/**
 * A credential provider: what stands behind a platform authenticator in a
 * browser (Google Password Manager, iCloud Keychain) and keeps account
 * metadata beside the keys. The client asks it what WebAuthn leaves to the
 * platform rather than to CTAP: which passkeys it can offer at once
 * (immediate mediation), and the signal methods' authenticator actions
 * (WebAuthn L3 section 5.1.10, "Signal Credential Changes to the Authenticator"). softkey's
 * Softkey provides one over its store; a bare CTAP device has none, and
 * Chrome sends no signals to security keys either.
 */

/** One discoverable credential as the provider's account list shows it: no secret. */
export interface ProviderAccount {
  credentialId: Uint8Array;
  userHandle: Uint8Array;
  userName?: string;
  userDisplayName?: string;
}

export interface UnknownCredentialSignal {
  rpId: string;
  credentialId: Uint8Array;
}

export interface AllAcceptedCredentialsSignal {
  rpId: string;
  userId: Uint8Array;
  allAcceptedCredentialIds: Uint8Array[];
}

export interface CurrentUserDetailsSignal {
  rpId: string;
  userId: Uint8Array;
  name: string;
  displayName: string;
}

export interface CredentialProvider {
  /** The discoverable credentials it would offer for `rpId` now (hidden ones left out), most recent first. */
  accounts(rpId: string): Promise<ProviderAccount[]>;
  /** unknownCredentialId: remove or hide that credential. */
  unknownCredential(signal: UnknownCredentialSignal): Promise<void>;
  /** allAcceptedCredentialIds: hide the user's credentials not listed, and show again the listed ones it hid. */
  allAcceptedCredentials(signal: AllAcceptedCredentialsSignal): Promise<void>;
  /** currentUserDetails: the user's credentials take this name and display name. */
  currentUserDetails(signal: CurrentUserDetailsSignal): Promise<void>;
}
