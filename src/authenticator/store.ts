/**
 * What the authenticator core needs from storage. The keystore implements it;
 * the core never sees LevelDB or the encryption (as passkey-rs injects its
 * credential store).
 */
import type { SettingName } from "./settings.js";

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
  /**
   * Hidden by the credential provider after a WebAuthn signal (signalUnknownCredential,
   * signalAllAcceptedCredentials): kept, but out of every ceremony until a signal lists it again.
   * The store the core is given leaves hidden credentials out (src/provider/visibleCredentials.ts).
   */
  hidden?: boolean;
}

/** Device-wide counters: "global" (a device that counts signatures across credentials), "creations" (deterministic mode). */
export type DeviceCounterName = "global" | "creations";

/**
 * A stored record failed its integrity check (tampered with, swapped or corrupt). The core
 * answers CTAP2_ERR_INTEGRITY_FAILURE; only that record is affected.
 */
export class StoreIntegrityError extends Error {
  override name = "StoreIntegrityError";
  /**
   * @param recordKey the store's key of the record that failed
   * @param credentialId set when the record belongs to a credential
   */
  constructor(
    readonly recordKey: string,
    readonly credentialId: Uint8Array | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface CredentialScan {
  credentials: CredentialRecord[];
  /** Records that failed authentication; the core skips them and reports them. */
  corrupted: { credentialId: Uint8Array; error: StoreIntegrityError }[];
}

export interface CredentialStore {
  /**
   * Store a credential, replacing any with the same ID. With `newId`, the ID was just made (random,
   * or derived from a seed and a counter that never repeats): no record can hold it, and the store
   * need not look for one.
   */
  putCredential(record: CredentialRecord, initialSignCount?: number, options?: { newId?: boolean }): Promise<void>;
  getCredential(rpIdHash: Uint8Array, credentialId: Uint8Array): Promise<CredentialRecord | undefined>;
  /** A credential by ID alone, whatever its RP. */
  findCredential(credentialId: Uint8Array): Promise<CredentialRecord | undefined>;
  scanCredentials(rpIdHash?: Uint8Array): Promise<CredentialScan>;
  /** The discoverable credential of this RP whose user handle is `userId`, if any (makeCredential replaces it). */
  findDiscoverable(rpIdHash: Uint8Array, userId: Uint8Array): Promise<CredentialRecord | undefined>;
  /** Rewrite an existing credential's record (new user information); its counter is untouched. */
  updateCredential(record: CredentialRecord): Promise<void>;
  deleteCredential(credentialId: Uint8Array): Promise<boolean>;
  countCredentials(): Promise<{ total: number; discoverable: number }>;
  /** A value strictly greater than any returned before for this credential, durable before it is returned. */
  nextSignCount(credentialId: Uint8Array): Promise<number>;
  /** The same for a device-wide counter: "global" (a device that counts across credentials), "creations". */
  nextDeviceCount(name: DeviceCounterName): Promise<number>;
  /** authenticatorReset: every credential and setting goes, except the settings named in `keep`. */
  resetAuthenticator(options?: { keep?: readonly SettingName[] }): Promise<void>;
  /** Small named records sealed like credentials: PIN state, authenticator config, large blobs. */
  getSetting<T>(name: SettingName): Promise<T | undefined>;
  putSetting(name: SettingName, value: unknown): Promise<void>;
}
