/**
 * What every ceremony of a population shares: its settings, its secrets, the
 * users (handles and names derived from the seed and the index), and three
 * bounded caches (callers and RP IDs already vetted, credentials already
 * unwrapped with their parsed keys), so memory stays flat however many users
 * the population has.
 */
import { createHash, createHmac, type KeyObject } from "node:crypto";
import { toBase64Url } from "../bytes/base64url.js";
import { bytesEqual } from "../bytes/equal.js";
import { parseCallOrigins, resolveRpId } from "../client/origin.js";
import type { AuthenticatorTransport } from "../client/responseJSON.js";
import { CoseAlgorithm } from "../ctap/cose.js";
import { BoundedCache } from "./boundedCache.js";
import { accountFor, decodeSource, encodeSource, unwrapCredentialId, wrapCredentialId, type CredentialSource } from "./credentialId.js";
import { deriveKeyPair, derivePublicKey, deriveSigningKey } from "./credentialKey.js";
import { derivePopulationSecrets, type PopulationSecrets } from "./secrets.js";
import { COUNTER_MODES, populationSignCount, type PopulationCounterMode } from "./signCount.js";

export const MAX_POPULATION_SIZE = 2 ** 32;
export const DEFAULT_KEY_CACHE = 1024;
const CALLER_CACHE = 256;
const USER_HANDLE_LENGTH = 32;
const ALGORITHM_NAMES = { ES256: CoseAlgorithm.ES256, EdDSA: CoseAlgorithm.EdDSA } as const;
export type PopulationAlgorithm = keyof typeof ALGORITHM_NAMES;

export interface PopulationOptions {
  /** The secret every generator of this population shares (at least 16 bytes). Never log it. */
  seed: string | Uint8Array;
  /** Users 0 to size - 1 (at most 2^32). */
  size: number;
  /** The credentials' algorithm; default ES256. */
  algorithm?: PopulationAlgorithm;
  /** Signature counters: "zero" (default, as synced passkeys) or "clock" (see signCount.ts). */
  counter?: PopulationCounterMode;
  /** "none" (default) or "self": packed self attestation, conveyed as the RP's `attestation` asks (WebAuthn L3 section 5.1.3). */
  attestation?: "none" | "self";
  /** AAGUID in new credentials (UUID form); default all zeros. */
  aaguid?: string;
  /** The BE and BS flags (WebAuthn L3 section 6.1): a synced passkey sets both. BS needs BE. */
  backupEligible?: boolean;
  backupState?: boolean;
  /** The authenticatorAttachment reported; default "cross-platform". An RP asking for the other is refused, as a browser refuses. */
  attachment?: "cross-platform" | "platform";
  /** Transports in registration responses; default ["usb"] for cross-platform, ["hybrid", "internal"] for platform. */
  transports?: AuthenticatorTransport[];
  /** User names are PREFIX + index ("user42"); default "user". */
  userNamePrefix?: string;
  /** Accept IP-address origins, which browsers refuse (see client/origin.ts). */
  allowIpAddressOrigins?: boolean;
  /** How many users' parsed keys to keep; default 1024 (about 6 KiB each). */
  keyCacheSize?: number;
  /** Milliseconds since the epoch, for the clock counter; default Date.now. */
  now?: () => number;
}

/** A caller error (not the RP's): a user index out of range, a discoverable sign-in without a user. */
export class PopulationError extends RangeError {
  override name = "PopulationError";
}

/** An origin vetted for an RP ID, with what a ceremony needs of both. */
export interface ResolvedCall {
  origin: string;
  topOrigin?: string;
  rpId: string;
  rpIdHash: Uint8Array;
}

/** A credential of the population, its key parsed on first use. */
export interface CredentialEntry {
  id: Uint8Array;
  source: CredentialSource;
  encodedSource: Uint8Array;
  privateKey?: KeyObject;
  /** In the cache: its parsed key is kept. */
  cached?: boolean;
  userHandle?: Uint8Array;
}

export class PopulationCore {
  readonly size: number;
  readonly alg: number;
  readonly algorithm: PopulationAlgorithm;
  readonly counter: PopulationCounterMode;
  readonly attestation: "none" | "self";
  readonly aaguid: Uint8Array;
  readonly backupEligible: boolean;
  readonly backupState: boolean;
  readonly attachment: "cross-platform" | "platform";
  readonly transports: AuthenticatorTransport[];
  readonly userNamePrefix: string;
  readonly keyCacheSize: number;
  private readonly secrets: PopulationSecrets;
  private readonly allowIpAddressOrigins: boolean;
  private readonly now: () => number;
  private readonly callers = new BoundedCache<string, ResolvedCall>(CALLER_CACHE);
  private readonly credentials: BoundedCache<string, CredentialEntry>;
  /** Credentials asked for once lately, by cache key: the doorkeeper of `credentials`. */
  private readonly seenOnce: BoundedCache<string, true>;

  constructor(options: PopulationOptions) {
    const size = options.size;
    if (!Number.isInteger(size) || size < 1 || size > MAX_POPULATION_SIZE) throw new PopulationError(`population size must be an integer from 1 to 2^32, got ${size}`);
    this.size = size;
    this.algorithm = options.algorithm ?? "ES256";
    if (!(this.algorithm in ALGORITHM_NAMES)) throw new PopulationError(`algorithm must be ES256 or EdDSA, got ${String(this.algorithm)}`);
    this.alg = ALGORITHM_NAMES[this.algorithm];
    this.counter = options.counter ?? "zero";
    if (!COUNTER_MODES.includes(this.counter)) throw new PopulationError(`counter must be ${COUNTER_MODES.join(" or ")}, got ${String(this.counter)}`);
    this.attestation = options.attestation ?? "none";
    if (this.attestation !== "none" && this.attestation !== "self") throw new PopulationError(`attestation must be none or self, got ${String(this.attestation)}`);
    this.aaguid = parseAaguid(options.aaguid);
    this.backupEligible = options.backupEligible ?? false;
    this.backupState = options.backupState ?? false;
    // WebAuthn L3 section 6.1: BS may be set only when BE is.
    if (this.backupState && !this.backupEligible) throw new PopulationError("backupState needs backupEligible: a credential cannot be backed up without being eligible");
    this.attachment = options.attachment ?? "cross-platform";
    if (this.attachment !== "cross-platform" && this.attachment !== "platform") throw new PopulationError(`attachment must be cross-platform or platform, got ${String(this.attachment)}`);
    this.transports = [...(options.transports ?? (this.attachment === "platform" ? ["hybrid", "internal"] : ["usb"]))].sort();
    this.userNamePrefix = options.userNamePrefix ?? "user";
    this.keyCacheSize = options.keyCacheSize ?? DEFAULT_KEY_CACHE;
    this.credentials = new BoundedCache(this.keyCacheSize);
    this.seenOnce = new BoundedCache(4 * this.keyCacheSize);
    this.allowIpAddressOrigins = options.allowIpAddressOrigins ?? false;
    this.now = options.now ?? Date.now;
    this.secrets = derivePopulationSecrets(options.seed);
  }

  checkUser(user: unknown): number {
    if (typeof user !== "number" || !Number.isInteger(user) || user < 0 || user >= this.size) {
      throw new PopulationError(`user must be an integer from 0 to ${this.size - 1} (the population has ${this.size} users), got ${JSON.stringify(user)}`);
    }
    return user;
  }

  /** User `user`'s handle (user.id): 32 bytes from the seed, the same on every generator. */
  userHandle(user: number): Uint8Array {
    const index = new Uint8Array(4);
    new DataView(index.buffer).setUint32(0, user);
    return new Uint8Array(createHmac("sha256", this.secrets.userHandles).update(index).digest().subarray(0, USER_HANDLE_LENGTH));
  }

  userName(user: number): string {
    return `${this.userNamePrefix}${user}`;
  }

  userDisplayName(user: number): string {
    return `User ${user}`;
  }

  signCount(): number {
    return populationSignCount(this.counter, this.now());
  }

  /** The caller's origin vetted, and the RP ID it may claim (WebAuthn L3 sections 5.1.3 and 5.1.4); remembered once vetted. */
  resolveCall(origin: unknown, topOrigin: unknown, requestedRpId: string | undefined): ResolvedCall {
    const cacheKey = typeof origin === "string" && (topOrigin === undefined || typeof topOrigin === "string") ? `${origin}\n${String(topOrigin)}\n${String(requestedRpId)}` : undefined;
    const known = cacheKey === undefined ? undefined : this.callers.get(cacheKey);
    if (known) return known;
    const { caller, top } = parseCallOrigins({ origin, ...(topOrigin !== undefined ? { topOrigin } : {}) }, { allowIpAddressOrigins: this.allowIpAddressOrigins });
    const rpId = resolveRpId(requestedRpId, caller);
    const resolved: ResolvedCall = {
      origin: caller.origin,
      ...(top !== undefined && top.origin !== caller.origin ? { topOrigin: top.origin } : {}),
      rpId,
      rpIdHash: new Uint8Array(createHash("sha256").update(rpId).digest()),
    };
    if (cacheKey !== undefined) this.callers.set(cacheKey, resolved);
    return resolved;
  }

  /** The credential `id` names at this RP, or undefined when it is not one of this population's (altered, another seed, another RP, a user beyond the size). */
  lookup(rp: ResolvedCall, id: Uint8Array): CredentialEntry | undefined {
    const cacheKey = `${rp.rpId} ${toBase64Url(id)}`;
    const known = this.credentials.get(cacheKey);
    if (known) return known;
    const encodedSource = unwrapCredentialId(this.secrets, rp.rpIdHash, id);
    const source = encodedSource && decodeSource(encodedSource);
    if (!encodedSource || !source || source.user >= this.size) return undefined;
    return this.admit(cacheKey, { id, source, encodedSource });
  }

  /** The credential made from `source` at this RP: its ID is computed, not looked up (a discoverable sign-in, a registration). */
  credential(rp: ResolvedCall, source: CredentialSource): CredentialEntry {
    const cacheKey = `${rp.rpId} #${source.discoverable ? "d" : "n"}${source.alg}:${source.user}:${source.account ? toBase64Url(source.account) : ""}`;
    const known = this.credentials.get(cacheKey);
    if (known) return known;
    const encodedSource = encodeSource(source);
    return this.admit(cacheKey, { id: wrapCredentialId(this.secrets, rp.rpIdHash, encodedSource), source, encodedSource });
  }

  /**
   * Cache a credential only the second time it is asked for while remembered
   * (a doorkeeper, as in TinyLFU): in a large population most users come once
   * an hour, and caching them would only churn memory. The reason is V8's: an
   * entry that outlives a few collections is promoted, and freed only by a
   * full collection, which runs late; a parsed key's native memory (about 6
   * KiB) is invisible to V8 and waits with it. Used once and dropped, both die
   * young and go with the next scavenge.
   */
  private admit(cacheKey: string, entry: CredentialEntry): CredentialEntry {
    if (this.seenOnce.get(cacheKey)) {
      entry.cached = true;
      this.credentials.set(cacheKey, entry);
    } else this.seenOnce.set(cacheKey, true);
    return entry;
  }

  /** The credential's key pair, made now (registration, the export). */
  keyPair(rp: Pick<ResolvedCall, "rpIdHash">, entry: CredentialEntry) {
    return deriveKeyPair(this.secrets, rp.rpIdHash, entry.encodedSource, entry.source.alg);
  }

  /** The key to sign with: parsed once for a cached credential, else for this use only (see admit). */
  signingKey(rp: ResolvedCall, entry: CredentialEntry): KeyObject {
    if (entry.privateKey) return entry.privateKey;
    const key = deriveSigningKey(this.secrets, rp.rpIdHash, entry.encodedSource, entry.source.alg);
    if (entry.cached) entry.privateKey = key;
    return key;
  }

  /** The user handle a discoverable credential gives back: the RP's it carries, else the population's. */
  userHandleOf(entry: CredentialEntry): Uint8Array {
    entry.userHandle ??= entry.source.account ?? this.userHandle(entry.source.user);
    return entry.userHandle;
  }

  /** The account field of a credential for the RP's user handle: absent when the handle is the population's own. */
  accountOf(user: number, userHandle: Uint8Array, discoverable: boolean): Uint8Array | undefined {
    return bytesEqual(userHandle, this.userHandle(user)) ? undefined : accountFor(userHandle, discoverable);
  }

  /** The COSE public key alone, for the export (no KeyObject for ES256). */
  publicKey(rp: Pick<ResolvedCall, "rpIdHash">, entry: CredentialEntry): Uint8Array {
    return derivePublicKey(this.secrets, rp.rpIdHash, entry.encodedSource, entry.source.alg);
  }

  /** The credential made from `source`, without touching the cache (the export visits each user once). */
  uncachedCredential(rp: Pick<ResolvedCall, "rpIdHash">, source: CredentialSource): CredentialEntry {
    const encodedSource = encodeSource(source);
    return { id: wrapCredentialId(this.secrets, rp.rpIdHash, encodedSource), source, encodedSource };
  }
}

function parseAaguid(text: string | undefined): Uint8Array {
  if (text === undefined) return new Uint8Array(16);
  const hex = text.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new PopulationError(`aaguid must be a UUID such as 00000000-0000-0000-0000-000000000000, got ${JSON.stringify(text)}`);
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
