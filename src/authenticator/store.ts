/**
 * What the authenticator core needs from storage. The keystore implements it;
 * the core never sees LevelDB or the encryption (as passkey-rs injects its
 * credential store).
 */
import type { CredentialRecord } from "../keystore/records.js";
import type { DeviceCounterName } from "../keystore/store.js";

export interface CredentialScan {
  credentials: CredentialRecord[];
  /** Records that failed authentication; the core skips them and reports them. */
  corrupted: { credentialId: Uint8Array; error: Error }[];
}

export interface CredentialStore {
  putCredential(record: CredentialRecord, initialSignCount?: number): Promise<void>;
  getCredential(rpIdHash: Uint8Array, credentialId: Uint8Array): Promise<CredentialRecord | undefined>;
  /** A credential by ID alone, whatever its RP. */
  findCredential(credentialId: Uint8Array): Promise<CredentialRecord | undefined>;
  scanCredentials(rpIdHash?: Uint8Array): Promise<CredentialScan>;
  /** Rewrite an existing credential's record (new user information); its counter is untouched. */
  updateCredential(record: CredentialRecord): Promise<void>;
  deleteCredential(credentialId: Uint8Array): Promise<boolean>;
  countCredentials(): Promise<{ total: number; discoverable: number }>;
  /** A value strictly greater than any returned before for this credential, durable before it is returned. */
  nextSignCount(credentialId: Uint8Array): Promise<number>;
  /** The same for a device-wide counter: "global" (a device that counts across credentials), "creations". */
  nextDeviceCount(name: DeviceCounterName): Promise<number>;
  /** authenticatorReset: every credential and setting goes, except the settings named in `keep`. */
  resetAuthenticator(options?: { keep?: string[] }): Promise<void>;
  /** Small named records sealed like credentials: PIN state, authenticator config, large blobs. */
  getSetting<T>(name: string): Promise<T | undefined>;
  putSetting(name: string, value: unknown): Promise<void>;
}
