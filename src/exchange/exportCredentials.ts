/** exportCredentials: softkey's credentials in one of the exchange formats. */
import type { ScryptParams } from "../keystore/records.js";
import type { Softkey } from "../softkey.js";
import { toCdpCredentials, type CdpCredential } from "./cdp.js";
import type { CredentialFilter, ExchangeFormat, ExchangeProgress, SkippedCredential } from "./entry.js";
import { ExchangeError } from "./errors.js";
import { toPlaywrightCredentials, type PlaywrightCredential } from "./playwright.js";
import { readEntries } from "./readEntries.js";
import { sealBundle, type SoftkeyBundle } from "./softkeyBundle.js";

/** The JSON document each format exports. */
export interface ExportData {
  softkey: SoftkeyBundle;
  cdp: CdpCredential[];
  playwright: PlaywrightCredential[];
}

export interface ExportOptions<F extends ExchangeFormat = ExchangeFormat> extends CredentialFilter {
  format: F;
  /** The bundle's own passphrase (format softkey only; required there). */
  passphrase?: string;
  /** scrypt cost of the bundle passphrase (format softkey); DEFAULT_BUNDLE_SCRYPT unless given. */
  scrypt?: ScryptParams;
  /** cdp, playwright: leave out credentials the format cannot hold (EdDSA, ...) instead of refusing. */
  skipUnsupported?: boolean;
  /** Called as credentials are read from the store. */
  onProgress?: ExchangeProgress;
  /** A rescue: leave out the credentials that fail their integrity check, listed in `damaged`, instead of refusing. */
  rescue?: boolean;
}

export interface ExportResult<F extends ExchangeFormat = ExchangeFormat> {
  format: F;
  /** The document to write as JSON. cdp and playwright hold private keys in plaintext. */
  data: ExportData[F];
  /** The credentials in it. */
  exported: { credentialId: string; rpId: string }[];
  skipped: SkippedCredential[];
  warnings: string[];
  /** With `rescue`: what failed its integrity check and was left out. */
  damaged: string[];
}

export async function exportCredentials<F extends ExchangeFormat>(softkey: Softkey, options: ExportOptions<F>): Promise<ExportResult<F>> {
  const format: ExchangeFormat = options.format;
  if (format === "softkey" && (typeof options.passphrase !== "string" || options.passphrase === "")) {
    throw new ExchangeError("INVALID", "a softkey bundle needs its own passphrase (passphrase option)");
  }
  const damaged: string[] = [];
  const entries = await readEntries(softkey, options, { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.rescue ? { damaged } : {}) });
  switch (format) {
    case "softkey": {
      const data = await sealBundle(entries, options.passphrase!, options.scrypt ? { scrypt: options.scrypt } : {});
      const exported = entries.map(({ record }) => ({ credentialId: Buffer.from(record.id).toString("base64url"), rpId: record.rpId }));
      return { format: options.format, data: data as ExportData[F], exported, skipped: [], warnings: [], damaged };
    }
    case "cdp": {
      const { credentials, skipped } = toCdpCredentials(entries, options);
      const exported = credentials.map((c) => ({ credentialId: Buffer.from(c.credentialId, "base64").toString("base64url"), rpId: c.rpId! }));
      return { format: options.format, data: credentials as ExportData[F], exported, skipped, warnings: [], damaged };
    }
    case "playwright": {
      const { credentials, skipped, warnings } = toPlaywrightCredentials(entries, options);
      const exported = credentials.map((c) => ({ credentialId: c.id, rpId: c.rpId }));
      return { format: options.format, data: credentials as ExportData[F], exported, skipped, warnings, damaged };
    }
    default:
      throw new ExchangeError("INVALID", `unknown format "${String(format)}" (softkey, cdp or playwright)`);
  }
}
