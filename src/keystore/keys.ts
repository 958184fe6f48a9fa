/**
 * The database key layout.
 *
 *   meta                          store format version, plaintext CBOR; what unlocks the store is in the SOFTKEY
 *                                 header file beside LevelDB's (header.ts); in a 0.1.0 store, that too
 *   c!<rpIdHash hex>!<credId hex> sealed credential record; one RP is one contiguous range
 *   i!<credId hex>                rpIdHash hex of that credential, so an ID alone finds its record
 *   n!<credId hex>                sealed signature counter (its persisted ceiling)
 *   s!<name>                      sealed setting (PIN state, config, ...)
 *   settings                      sealed manifest of the settings: name -> digest of its sealed value (settings.ts),
 *                                 written in the same batch as every setting, so a deleted or older setting shows
 *   generation                    sealed store generation, raised by every batch (generation.ts)
 *   counts                        sealed {total, discoverable}: the credential counts, kept in the same batch
 *                                 as every credential write, so getInfo never has to scan the store
 *
 * Hex keeps keys printable and makes byte order equal string order, so range
 * scans by prefix work under the utf8 key encoding.
 */
import { fromHex } from "../bytes/hex.js";

export { toHex, fromHex } from "../bytes/hex.js";
export const META_KEY = "meta";
export const CREDENTIAL_PREFIX = "c!";
export const COUNTS_KEY = "counts";
export const SETTINGS_MANIFEST_KEY = "settings";
export const GENERATION_KEY = "generation";

export function credentialKey(rpIdHashHex: string, credentialIdHex: string): string {
  return `c!${rpIdHashHex}!${credentialIdHex}`;
}

/** The prefix of one RP's credentials, or of all credentials. */
export function credentialPrefix(rpIdHashHex?: string): string {
  return rpIdHashHex === undefined ? CREDENTIAL_PREFIX : `c!${rpIdHashHex}!`;
}

/** The credential ID is the last segment of a credential key. */
export function credentialIdOfKey(key: string): Uint8Array {
  return fromHex(key.slice(key.lastIndexOf("!") + 1));
}

export function indexKey(credentialIdHex: string): string {
  return `i!${credentialIdHex}`;
}

export function counterKey(credentialIdHex: string): string {
  return `n!${credentialIdHex}`;
}

export function settingKey(name: string): string {
  if (typeof name !== "string" || name.length === 0) throw new TypeError("setting name must be a non-empty string");
  return `s!${name}`;
}

/** Iterator bounds for every key that starts with `prefix` (keys here are ASCII, all below U+FFFF). */
export function prefixRange(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: `${prefix}\uffff` };
}
