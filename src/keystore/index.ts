/** The keystore's public surface: the store, its options and results, its errors and its record types. */
export {
  Keystore,
  type CorruptedCredential,
  type CreateOptions,
  type CredentialCounts,
  type KeystoreOpenOptions,
  type KeystoreOptions,
  type ScanResult,
  type StoreIntegrityInfo,
} from "./store.js";
export { DEFAULT_SCRYPT } from "./envelope.js";
export { MAX_RESERVATION } from "./signCounter.js";
export {
  CredentialNotFoundError,
  IntegrityError,
  KeystoreError,
  StoreClosedError,
  StoreExistsError,
  StoreFormatError,
  StoreLockedError,
  StoreNotFoundError,
  WrongPassphraseError,
  type KeystoreErrorCode,
} from "./errors.js";
export type { ScryptParams } from "./records.js";
export type { CredentialRecord, StoredUser } from "../authenticator/store.js";
