/**
 * What the keystore holds. The keystore knows nothing of CTAP: these are plain
 * records, and the authenticator core decides what goes in them.
 */

/** The user entity of a discoverable credential (WebAuthn PublicKeyCredentialUserEntity). */
export interface StoredUser {
  id: Uint8Array;
  name?: string;
  displayName?: string;
}

/** One credential: a key pair bound to one relying party. */
export interface CredentialRecord {
  /** The credential ID given to the relying party. */
  id: Uint8Array;
  rpId: string;
  /** SHA-256 of rpId; the store groups credentials of one RP by it. */
  rpIdHash: Uint8Array;
  rpName?: string;
  user?: StoredUser;
  /** Discoverable (resident) credential: found without an allowList. */
  discoverable: boolean;
  /** COSE algorithm identifier (-7 ES256, -8 EdDSA). */
  alg: number;
  /** PKCS#8 DER private key. Secret: only ever written sealed. */
  privateKey: Uint8Array;
  /** The credential public key as a CBOR-encoded COSE_Key. */
  publicKey: Uint8Array;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Backup eligible (BE) and backup state (BS), WebAuthn L3 section 6.1.3: a synced passkey has both. Absent is false. */
  backupEligible?: boolean;
  backupState?: boolean;
  /** Extension state kept with the credential (credProtect level, hmac-secret keys, credBlob...). */
  extensions?: Record<string, unknown>;
  /** Made by CTAP1/U2F_REGISTER: rpIdHash is the U2F application parameter, rpId only its hex (the RP ID is unknown). */
  u2f?: boolean;
}

/** scrypt parameters, recorded in the store's metadata so that a store opens with the cost it was made with. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
