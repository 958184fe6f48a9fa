/**
 * Keystore errors. Each has a stable `code` so the CLI and the authenticator
 * core can branch on the kind of failure without parsing messages.
 */
import { StoreIntegrityError } from "../authenticator/store.js";

export type KeystoreErrorCode =
  | "STORE_NOT_FOUND"
  | "STORE_EXISTS"
  | "STORE_LOCKED"
  | "STORE_CLOSED"
  | "STORE_FORMAT"
  | "STORE_OPEN_FAILED"
  | "WRONG_PASSPHRASE"
  | "INTEGRITY"
  | "CREDENTIAL_NOT_FOUND";

export class KeystoreError extends Error {
  override name = "KeystoreError";
  constructor(
    readonly code: KeystoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StoreNotFoundError extends KeystoreError {
  override name = "StoreNotFoundError";
  constructor(readonly dir: string) {
    super("STORE_NOT_FOUND", `no softkey store at ${dir}: run softkey init`);
  }
}

export class StoreExistsError extends KeystoreError {
  override name = "StoreExistsError";
  constructor(readonly dir: string, options?: { cause?: unknown }) {
    super("STORE_EXISTS", `a softkey store already exists at ${dir}`, options);
  }
}

/** Another process (or another handle in this one) holds LevelDB's LOCK. */
export class StoreLockedError extends KeystoreError {
  override name = "StoreLockedError";
  constructor(readonly dir: string, options?: { cause?: unknown }) {
    super("STORE_LOCKED", `store ${dir} is in use by another process`, options);
  }
}

export class StoreClosedError extends KeystoreError {
  override name = "StoreClosedError";
  constructor(readonly dir: string) {
    super("STORE_CLOSED", `the store ${dir} is closed: open it again to use it`);
  }
}

/** The metadata record is of an unknown version or malformed. */
export class StoreFormatError extends KeystoreError {
  override name = "StoreFormatError";
  constructor(readonly dir: string, detail: string, options?: { cause?: unknown }) {
    super("STORE_FORMAT", `store ${dir}: ${detail}`, options);
  }
}

/** The passphrase does not unwrap the data key. Raised before anything is written. */
export class WrongPassphraseError extends KeystoreError {
  override name = "WrongPassphraseError";
  constructor(readonly dir: string) {
    super("WRONG_PASSPHRASE", `wrong passphrase for store ${dir}`);
  }
}

/**
 * A record failed authenticated decryption: edited, swapped with another
 * record, or corrupt. Only that record is affected; the rest of the store still
 * loads. It is the core's StoreIntegrityError, so the core answers INTEGRITY_FAILURE.
 */
export class IntegrityError extends StoreIntegrityError {
  override name = "IntegrityError";
  /** As KeystoreError's: the CLI maps it to its exit code. */
  readonly code = "INTEGRITY" as const;

  static forCredential(recordKey: string, credentialId: Uint8Array, what: string, cause?: unknown): IntegrityError {
    const id = Buffer.from(credentialId).toString("base64url");
    return new IntegrityError(recordKey, credentialId, `${what} of credential ${id} failed integrity check (tampered with or corrupt)`, { cause });
  }

  static forRecord(recordKey: string, what: string, cause?: unknown): IntegrityError {
    return new IntegrityError(recordKey, undefined, `${what} failed integrity check (tampered with or corrupt)`, { cause });
  }
}

export class CredentialNotFoundError extends KeystoreError {
  override name = "CredentialNotFoundError";
  constructor(readonly credentialId: Uint8Array) {
    super("CREDENTIAL_NOT_FOUND", `no credential ${Buffer.from(credentialId).toString("base64url")} in the store`);
  }
}
