/**
 * Credential exchange: softkey's credentials out to, and in from, an
 * encrypted softkey bundle, Chrome's virtual authenticator (CDP) and
 * Playwright's `context.credentials`. One module per format.
 */
export { exportCredentials, type ExportData, type ExportOptions, type ExportResult } from "./exportCredentials.js";
export { importCredentials, decodeCredentials, type ImportOptions, type ImportResult } from "./importCredentials.js";
export { toCdpVirtualAuthenticator, fromCdpVirtualAuthenticator, type CdpCredential, type CdpSessionLike } from "./cdp.js";
export { toPlaywrightContext, fromPlaywrightContext, type PlaywrightCredential, type PlaywrightCredentialsContext } from "./playwright.js";
export { DEFAULT_BUNDLE_SCRYPT, type SoftkeyBundle } from "./softkeyBundle.js";
export { EXCHANGE_FORMATS, type CredentialFilter, type ExchangeFormat, type SkippedCredential } from "./entry.js";
export type { ImportedCredential } from "./writeEntries.js";
export { ExchangeError, InvalidEntriesError, type EntryProblem, type ExchangeErrorCode } from "./errors.js";
