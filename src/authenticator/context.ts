/**
 * Everything a command handler may use: the injected store, presence policy,
 * clock and randomness (as OpenSK injects its environment), the device
 * configuration, and the session: the volatile state a real key keeps in RAM.
 */
import { createHash, randomBytes } from "node:crypto";
import type { UserPresence } from "../presence/presence.js";
import type { CredentialRecord } from "./store.js";
import type { AuthenticatorConfig } from "./deviceConfig.js";
import type { CredentialStore } from "./store.js";
import { randomKeyFactory, type CredentialKeyFactory, type SigningKey } from "../crypto/credentialKeys.js";
import { Session } from "./session.js";

export interface AuthenticatorContext {
  readonly config: AuthenticatorConfig;
  readonly store: CredentialStore;
  readonly presence: UserPresence;
  readonly now: () => number;
  readonly randomBytes: (length: number) => Uint8Array;
  /** New credentials' IDs and key pairs, and parsing stored keys: random, or derived from a seed (deterministicKeys.ts). */
  readonly keys: CredentialKeyFactory;
  readonly log: (message: string) => void;
  /** What the key keeps in RAM between commands (session.ts). */
  readonly session: Session;
  readonly signingKeys: SigningKeys;
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
    session: new Session(now),
    signingKeys: new SigningKeys(keys.load),
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

/**
 * Parsed private keys, so repeated signing skips PKCS#8 parsing. The cache sits behind the
 * store: it is keyed by the stored record's key bytes, so a credential the store drops,
 * replaces or forgets takes its parsed key with it, and nobody outside has to clear it.
 */
export class SigningKeys {
  private readonly keys = new WeakMap<Uint8Array, SigningKey>();
  constructor(private readonly load: CredentialKeyFactory["load"]) {}

  get(record: CredentialRecord): SigningKey {
    let key = this.keys.get(record.privateKey);
    if (!key) {
      key = this.load(record.privateKey, record.publicKey, record.alg);
      this.keys.set(record.privateKey, key);
    }
    return key;
  }
}
