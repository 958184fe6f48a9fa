/** The credentials to export, read from a softkey store with their counters. */
import { fromBase64Url } from "../bytes/base64url.js";
import { CredentialNotFoundError, IntegrityError } from "../keystore/errors.js";
import type { Softkey } from "../softkey.js";
import type { CredentialFilter, ExchangeEntry, ExchangeProgress } from "./entry.js";
import { ExchangeError } from "./errors.js";

/**
 * Every credential that passes `filter`, sorted by RP ID then creation time.
 * A record that fails its integrity check stops the export (IntegrityError):
 * an export that silently left one out would look complete. Given `damaged`
 * (a rescue), such a credential is left out instead, and said there: the
 * caller must report it.
 */
export async function readEntries(
  softkey: Softkey,
  filter: CredentialFilter = {},
  options: { onProgress?: ExchangeProgress; damaged?: string[] } = {},
): Promise<ExchangeEntry[]> {
  const { onProgress, damaged } = options;
  const store = softkey.keystore;
  let records;
  if (filter.credentialId !== undefined) {
    let id: Uint8Array;
    try {
      id = fromBase64Url(filter.credentialId);
    } catch {
      throw new ExchangeError("INVALID", `"${filter.credentialId}" is not a credential ID (expected base64url, as softkey list shows)`);
    }
    const record = await store.findCredential(id);
    if (record === undefined) throw new CredentialNotFoundError(id);
    if (filter.rpId !== undefined && record.rpId !== filter.rpId) {
      throw new ExchangeError("INVALID", `credential ${filter.credentialId} belongs to ${record.rpId}, not ${filter.rpId}`);
    }
    records = [record];
  } else {
    const rpIdHash = filter.rpId === undefined ? undefined : softkey.authenticator.context.rpIdHash(filter.rpId);
    const scan = await store.scanCredentials(rpIdHash);
    if (damaged) damaged.push(...scan.corrupted.map((c) => c.error.message));
    else if (scan.corrupted.length === 1) throw scan.corrupted[0]!.error;
    else if (scan.corrupted.length > 1) {
      const ids = scan.corrupted.map((c) => Buffer.from(c.credentialId).toString("base64url"));
      throw new IntegrityError("c!", undefined, `${ids.length} credentials failed their integrity check (tampered with or corrupt): ${ids.join(", ")}; nothing was exported`);
    }
    records = scan.credentials.sort((a, b) => a.rpId.localeCompare(b.rpId) || a.createdAt - b.createdAt);
  }
  const entries: ExchangeEntry[] = [];
  for (const record of records) {
    try {
      entries.push({ record, signCount: (await store.getSignCount(record.id)) ?? 0 });
    } catch (error) {
      // A counter that fails its check: without it the credential could sign with a count it already used.
      if (!damaged || !(error instanceof IntegrityError)) throw error;
      damaged.push(error.message);
    }
    onProgress?.(entries.length + (damaged?.length ?? 0), records.length);
  }
  return entries;
}
