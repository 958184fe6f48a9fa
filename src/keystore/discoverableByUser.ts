/**
 * Which discoverable credential an RP holds for a user handle, for makeCredential's "replace the
 * credential of the same RP and user" (CTAP 2.2 section 6.1.2, step 16). Without it every
 * discoverable registration decrypted every record of its RP. An RP's map is built from one scan
 * the first time it is asked for, then kept in step with every write this process makes; nothing
 * is stored, so the format and the integrity checks stay as they are. The maps are bounded: past
 * `limit` entries, the RPs used least recently are dropped and scanned again when next asked.
 */
import type { CredentialRecord } from "../authenticator/store.js";
import { toHex } from "./keys.js";

interface RpUsers {
  /** user handle (hex) → credential ID (hex) */
  credentialOf: Map<string, string>;
  /** credential ID (hex) → user handle (hex) */
  userOf: Map<string, string>;
}

export class DiscoverableByUser {
  private readonly rps = new Map<string, RpUsers>();
  private entries = 0;

  constructor(private readonly limit = 200_000) {}

  /** The credential ID (hex) for this user, "none" when the RP holds none, undefined when the RP is not mapped yet. */
  lookup(rpHex: string, userHex: string): string | "none" | undefined {
    const rp = this.rps.get(rpHex);
    if (!rp) return undefined;
    this.rps.delete(rpHex); // most recently used last
    this.rps.set(rpHex, rp);
    return rp.credentialOf.get(userHex) ?? "none";
  }

  /** An RP's map from a scan, in key order: with several credentials for one user, the first found is the one. */
  load(rpHex: string, records: Iterable<{ userHex: string; idHex: string }>): void {
    this.drop(rpHex);
    const rp: RpUsers = { credentialOf: new Map(), userOf: new Map() };
    for (const { userHex, idHex } of records) if (!rp.credentialOf.has(userHex)) this.link(rp, userHex, idHex);
    this.rps.set(rpHex, rp);
    while (this.entries > this.limit && this.rps.size > 1) this.drop(this.rps.keys().next().value!);
  }

  /** A credential written (new, replaced or updated) under `rpHex`. */
  written(rpHex: string, record: CredentialRecord): void {
    const rp = this.rps.get(rpHex);
    if (!rp) return;
    const idHex = toHex(record.id);
    this.unlink(rp, idHex);
    if (record.discoverable && record.user) this.link(rp, toHex(record.user.id), idHex);
  }

  /** A credential gone from `rpHex` (deleted, or moved to another RP). */
  removed(rpHex: string, idHex: string): void {
    const rp = this.rps.get(rpHex);
    if (rp) this.unlink(rp, idHex);
  }

  clear(): void {
    this.rps.clear();
    this.entries = 0;
  }

  private link(rp: RpUsers, userHex: string, idHex: string): void {
    const previous = rp.credentialOf.get(userHex);
    if (previous !== undefined) this.unlink(rp, previous);
    rp.credentialOf.set(userHex, idHex);
    rp.userOf.set(idHex, userHex);
    this.entries++;
  }

  private unlink(rp: RpUsers, idHex: string): void {
    const userHex = rp.userOf.get(idHex);
    if (userHex === undefined) return;
    rp.userOf.delete(idHex);
    if (rp.credentialOf.get(userHex) === idHex) rp.credentialOf.delete(userHex);
    this.entries--;
  }

  private drop(rpHex: string): void {
    const rp = this.rps.get(rpHex);
    if (!rp) return;
    this.entries -= rp.userOf.size;
    this.rps.delete(rpHex);
  }
}
