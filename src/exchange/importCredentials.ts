/** importCredentials: credentials in one of the exchange formats into softkey, all or nothing. */
import type { Softkey } from "../softkey.js";
import { fromCdpCredentials } from "./cdp.js";
import type { ExchangeEntry, ExchangeFormat, ExchangeProgress } from "./entry.js";
import { ExchangeError } from "./errors.js";
import { fromPlaywrightCredentials } from "./playwright.js";
import { openBundle } from "./softkeyBundle.js";
import { writeEntries, type ImportedCredential } from "./writeEntries.js";

export interface ImportOptions {
  format: ExchangeFormat;
  /** The bundle's passphrase (format softkey only; required there). */
  passphrase?: string;
  /** Overwrite credentials whose ID is already in the store; otherwise such an import is refused whole. */
  replace?: boolean;
  /** Called as entries are checked (decodeCredentials) and then written (importCredentials). */
  onProgress?: ExchangeProgress;
}

export interface ImportResult {
  imported: ImportedCredential[];
  /** Things that were not carried over (e.g. a CDP credential's largeBlob). */
  warnings: string[];
}

/**
 * Decode and validate every entry of `data` (a parsed JSON document, or its
 * text), without touching the store. Throws InvalidEntriesError naming every
 * bad entry, or ExchangeError.
 */
export async function decodeCredentials(data: unknown, options: Omit<ImportOptions, "replace">): Promise<{ entries: ExchangeEntry[]; warnings: string[] }> {
  const value = typeof data === "string" ? parseJson(data) : data;
  switch (options.format) {
    case "softkey":
      if (typeof options.passphrase !== "string" || options.passphrase === "") {
        throw new ExchangeError("INVALID", "a softkey bundle needs its passphrase (passphrase option)");
      }
      return { entries: await openBundle(value, options.passphrase, options.onProgress), warnings: [] };
    case "cdp":
      return fromCdpCredentials(value, Date.now(), options.onProgress);
    case "playwright":
      return { ...fromPlaywrightCredentials(value, Date.now(), options.onProgress), warnings: [] };
    default:
      throw new ExchangeError("INVALID", `unknown format "${String(options.format)}" (softkey, cdp or playwright)`);
  }
}

/** Validate everything first, then write every credential in one batch: a bad entry or a duplicate ID leaves the store untouched. */
export async function importCredentials(softkey: Softkey, data: unknown, options: ImportOptions): Promise<ImportResult> {
  const { entries, warnings } = await decodeCredentials(data, options);
  return { imported: await writeEntries(softkey, entries, { replace: options.replace, onProgress: options.onProgress }), warnings };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new ExchangeError("INVALID", `the input is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
