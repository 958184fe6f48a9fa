/**
 * The population's public credentials, one record per user, for seeding an
 * RP's database in bulk instead of registering every user through its
 * endpoints: exactly what a registration of that user with the population's
 * user handle would leave the RP (credential ID, COSE public key, algorithm,
 * counter, transports), plus the user's index and names. A generator, made
 * with the same seed anywhere, then signs in as any of them.
 *
 * A generator function: one user at a time, nothing kept, so a million users
 * take the memory of one.
 */
import { toBase64Url } from "../bytes/base64url.js";
import type { AuthenticatorTransport } from "../client/responseJSON.js";
import { PopulationError, type PopulationCore } from "./core.js";

export interface PopulationCredentialRecord {
  /** The user's index in the population. */
  user: number;
  userName: string;
  userDisplayName: string;
  /** base64url: user.id at the RP. */
  userHandle: string;
  /** base64url. */
  credentialId: string;
  /** base64url COSE_Key, as WebAuthn carries it (what @simplewebauthn/server keeps as `publicKey`). */
  publicKey: string;
  /** COSE algorithm: -7 (ES256) or -8 (EdDSA). */
  algorithm: number;
  /** The signature counter the RP should store: what the registration would have reported. */
  counter: number;
  discoverable: boolean;
  transports: AuthenticatorTransport[];
}

export interface PublicCredentialRange {
  /** The first user; default 0. */
  first?: number;
  /** How many users; default all from `first` to the end. */
  count?: number;
  /** Discoverable credentials (passkeys; the default) or not. */
  discoverable?: boolean;
}

/** The users a range covers, checked against the population's size. */
export function resolveRange(core: PopulationCore, range: PublicCredentialRange): { first: number; count: number } {
  const first = range.first ?? 0;
  if (!Number.isInteger(first) || first < 0 || first >= core.size) throw new PopulationError(`first must be a user from 0 to ${core.size - 1}, got ${first}`);
  const count = range.count ?? core.size - first;
  if (!Number.isInteger(count) || count < 1 || first + count > core.size) {
    throw new PopulationError(`count must be from 1 to ${core.size - first} (the population has ${core.size} users from 0), got ${count}`);
  }
  return { first, count };
}

export function* publicCredentials(core: PopulationCore, rpId: string, range: PublicCredentialRange = {}): Generator<PopulationCredentialRecord> {
  const { first, count } = resolveRange(core, range);
  if (!isBareDomain(rpId)) throw new PopulationError(`the RP ID must be a bare lowercase domain such as example.com (no scheme, port or path), got ${JSON.stringify(rpId)}`);
  // The RP ID must be one a secure origin on that host could claim (not a public suffix, ...).
  const rp = core.resolveCall(`https://${rpId}`, undefined, rpId);
  const discoverable = range.discoverable ?? true;
  const transports = core.transports;
  for (let user = first; user < first + count; user++) {
    const entry = core.uncachedCredential(rp, { discoverable, alg: core.alg, user });
    yield {
      user,
      userName: core.userName(user),
      userDisplayName: core.userDisplayName(user),
      userHandle: toBase64Url(core.userHandle(user)),
      credentialId: toBase64Url(entry.id),
      publicKey: toBase64Url(core.publicKey(rp, entry)),
      algorithm: core.alg,
      counter: core.signCount(),
      discoverable,
      transports: [...transports],
    };
  }
}

function isBareDomain(rpId: string): boolean {
  try {
    return rpId !== "" && new URL(`https://${rpId}/`).hostname === rpId;
  } catch {
    return false;
  }
}
