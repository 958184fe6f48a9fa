/** Writing validated entries into a softkey store: all or nothing, in one batch. */
import { IntegrityError } from "../keystore/errors.js";
import type { Softkey } from "../softkey.js";
import { idOf, type ExchangeEntry, type ExchangeProgress } from "./entry.js";
import { ExchangeError } from "./errors.js";

export interface ImportedCredential {
  credentialId: string;
  rpId: string;
  userName?: string;
  /** True when it replaced a credential with the same ID. */
  replaced: boolean;
}

export interface WriteOptions {
  /** Overwrite credentials whose ID is already in the store (default: refuse the whole import). */
  replace?: boolean;
  /** Called as entries are looked up in the store, and once more when the batch is written. */
  onProgress?: ExchangeProgress;
}

/**
 * Store `entries` (already validated) in one batch. IDs already in the store
 * refuse the import unless `replace`; nothing is written when anything is refused.
 */
export async function writeEntries(softkey: Softkey, entries: readonly ExchangeEntry[], options: WriteOptions = {}): Promise<ImportedCredential[]> {
  const seen = new Set<string>();
  for (const { record } of entries) {
    const id = idOf(record);
    if (seen.has(id)) throw new ExchangeError("DUPLICATE", `credential ${id} appears more than once in the input; nothing was imported`);
    seen.add(id);
  }
  const existing = new Set<string>();
  // The last entry counts as done only once the batch that writes them all is on disk.
  const total = entries.length;
  for (const [index, { record }] of entries.entries()) {
    if (await isInStore(softkey, record.id)) existing.add(idOf(record));
    options.onProgress?.(Math.min(index + 1, total - 1), total);
  }
  if (existing.size > 0 && !options.replace) {
    const ids = [...existing];
    const named = ids.slice(0, 5).join(", ") + (ids.length > 5 ? ` and ${ids.length - 5} more` : "");
    throw new ExchangeError(
      "DUPLICATE",
      `${ids.length === 1 ? "credential" : `${ids.length} credentials`} already in the store: ${named}; nothing was imported (use --replace to overwrite)`,
    );
  }
  await softkey.keystore.importCredentials(entries);
  options.onProgress?.(total, total);
  return entries.map(({ record }) => ({
    credentialId: idOf(record),
    rpId: record.rpId,
    ...(record.user?.name ? { userName: record.user.name } : {}),
    replaced: existing.has(idOf(record)),
  }));
}

async function isInStore(softkey: Softkey, id: Uint8Array): Promise<boolean> {
  try {
    return (await softkey.keystore.findCredential(id)) !== undefined;
  } catch (error) {
    // A record that fails its integrity check still holds the ID.
    if (error instanceof IntegrityError) return true;
    throw error;
  }
}
