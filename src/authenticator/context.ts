/**
 * Everything a command handler may use: the injected store, presence policy,
 * clock and randomness (as OpenSK injects its environment), the device
 * configuration, and the volatile state a real key keeps in RAM.
 */
import { createHash, randomBytes, type KeyObject } from "node:crypto";
import type { UserPresence } from "../presence/presence.js";
import type { CredentialRecord } from "../keystore/records.js";
import type { AuthenticatorConfig } from "./deviceConfig.js";
import type { CredentialStore } from "./store.js";
import type { CborMap } from "../ctap/cbor.js";
import { randomKeyFactory, type CredentialKeyFactory } from "../crypto/credentialKeys.js";
import { PinRuntime } from "./pin/pinState.js";

/** Pending credentials of a getAssertion that getNextAssertion hands out one by one. */
export interface AssertionQueue {
  credentials: CredentialRecord[];
  clientDataHash: Uint8Array;
  userPresent: boolean;
  userVerified: boolean;
  /** A discoverable lookup that found more than one account: the platform shows a chooser. */
  severalAccounts: boolean;
  /** The request's extension inputs, applied to every credential handed out. */
  extensions?: CborMap;
  pinUvAuthProtocol?: number;
  expiresAt: number;
}

/**
 * What credentialManagement's enumerateRPsGetNextRP / enumerateCredentialsGetNextCredential
 * hand out next (CTAP 2.1 section 6.8): the remaining responses, ready to send.
 */
export interface CredentialEnumeration {
  /** The subCommand that continues it. */
  next: number;
  pending: Map<number, unknown>[];
  expiresAt: number;
}

/** State that a power cycle (process restart) clears, as on a real key. */
export interface VolatileState {
  poweredUpAt: number;
  assertionQueue?: AssertionQueue;
  credentialEnumeration?: CredentialEnumeration;
  /** Key agreement keys, the pinUvAuthToken and the mismatch run of ClientPIN. */
  pin: PinRuntime;
}

export interface AuthenticatorContext {
  readonly config: AuthenticatorConfig;
  readonly store: CredentialStore;
  readonly presence: UserPresence;
  readonly now: () => number;
  readonly randomBytes: (length: number) => Uint8Array;
  /** New credentials' IDs and key pairs, and parsing stored keys: random, or derived from a seed (deterministicKeys.ts). */
  readonly keys: CredentialKeyFactory;
  readonly log: (message: string) => void;
  readonly state: VolatileState;
  /** Parsed private keys by credential ID, so repeated signing skips PKCS#8 parsing. */
  readonly keyCache: KeyCache;
  rpIdHash(rpId: string): Uint8Array;
}

export interface ContextOptions {
  config: AuthenticatorConfig;
  store: CredentialStore;
  presence: UserPresence;
  now?: () => number;
  randomBytes?: (length: number) => Uint8Array;
  keys?: CredentialKeyFactory;
  log?: (message: string) => void;
}

export function createContext(options: ContextOptions): AuthenticatorContext {
  const now = options.now ?? Date.now;
  const rpIdHashes = new Map<string, Uint8Array>();
  const keys = options.keys ?? randomKeyFactory;
  return {
    config: options.config,
    store: options.store,
    presence: options.presence,
    now,
    randomBytes: options.randomBytes ?? ((n) => new Uint8Array(randomBytes(n))),
    keys,
    log: options.log ?? (() => {}),
    state: { poweredUpAt: now(), pin: new PinRuntime() },
    keyCache: new KeyCache(4096, keys.load),
    rpIdHash(rpId: string): Uint8Array {
      let hash = rpIdHashes.get(rpId);
      if (!hash) {
        hash = new Uint8Array(createHash("sha256").update(rpId).digest());
        if (rpIdHashes.size > 1024) rpIdHashes.clear();
        rpIdHashes.set(rpId, hash);
      }
      return hash;
    },
  };
}

/** A bounded map from credential ID to its parsed private key; oldest entries go first. */
export class KeyCache {
  private readonly keys = new Map<string, KeyObject>();
  constructor(
    private readonly capacity: number,
    private readonly load: (pkcs8: Uint8Array) => KeyObject,
  ) {}

  get(record: CredentialRecord): KeyObject {
    const id = Buffer.from(record.id).toString("hex");
    let key = this.keys.get(id);
    if (!key) {
      key = this.load(record.privateKey);
      if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(id, key);
    }
    return key;
  }

  forget(credentialId: Uint8Array): void {
    this.keys.delete(Buffer.from(credentialId).toString("hex"));
  }

  clear(): void {
    this.keys.clear();
  }
}
