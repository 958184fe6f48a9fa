/**
 * `--format playwright`: the credentials of Playwright's virtual WebAuthn
 * authenticator, `context.credentials` (playwright-core 1.61 and later;
 * checked against 1.65's types/types.d.ts, interface Credentials). `get()`
 * returns, and `create(rpId, options)` takes, objects of
 *
 *   id          base64url credential ID
 *   rpId        string
 *   userHandle  base64url
 *   privateKey  base64url PKCS#8 (DER)
 *   publicKey   base64url SPKI (DER)
 *   signCount   the counter of the latest assertion; the next reports signCount + 1
 *
 * and `storageState({ credentials: true })` holds the same objects under
 * `credentials`, so an import takes either the array or such a state.
 * Playwright's authenticator signs with ECDSA P-256 only and treats every
 * credential it is given as discoverable; it has no user name, backup flags
 * or extensions.
 */
import { CoseAlgorithm, algorithmName } from "../ctap/cose.js";
import type { CredentialRecord } from "../authenticator/store.js";
import type { Softkey } from "../softkey.js";
import { idOf, rpIdHashOf, type CredentialFilter, type ExchangeEntry, type ExchangeProgress, type SkippedCredential } from "./entry.js";
import { ExchangeError, InvalidEntriesError, type EntryProblem } from "./errors.js";
import { FieldError, asObject, base64UrlField, checkCredentialId, checkUserHandle, describe, rpIdField, signCountField } from "./fields.js";
import { parsePkcs8, spkiOf, storedKeyPair } from "./keys.js";
import { bytesEqual } from "../bytes/equal.js";
import { readEntries } from "./readEntries.js";
import { writeEntries, type ImportedCredential, type WriteOptions } from "./writeEntries.js";

/** One credential of Playwright's `context.credentials`. */
export interface PlaywrightCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: string;
  publicKey: string;
  signCount: number;
}

/** What the straight moves need of a Playwright BrowserContext. */
export interface PlaywrightCredentialsContext {
  credentials: {
    create(rpId: string, options?: { id?: string; privateKey?: string; publicKey?: string; signCount?: number; userHandle?: string }): Promise<unknown>;
    get(options?: { id?: string; rpId?: string }): Promise<PlaywrightCredential[]>;
  };
}

export interface ToPlaywrightOptions {
  /** Leave out credentials Playwright cannot hold (EdDSA, no user handle) instead of refusing the export. */
  skipUnsupported?: boolean;
}

export function toPlaywrightCredentials(
  entries: readonly ExchangeEntry[],
  options: ToPlaywrightOptions = {},
): { credentials: PlaywrightCredential[]; skipped: SkippedCredential[]; warnings: string[] } {
  const credentials: PlaywrightCredential[] = [];
  const skipped: SkippedCredential[] = [];
  const warnings: string[] = [];
  for (const { record, signCount } of entries) {
    const reason = unsupported(record);
    if (reason !== undefined) {
      if (!options.skipUnsupported) {
        throw new ExchangeError(
          "UNSUPPORTED",
          `credential ${idOf(record)} (${record.rpId}) cannot be exported in Playwright format: ${reason}. Use --format softkey, or --skip-unsupported to leave it out`,
        );
      }
      skipped.push({ credentialId: idOf(record), rpId: record.rpId, reason });
      continue;
    }
    if (!record.discoverable) {
      warnings.push(`credential ${idOf(record)} (${record.rpId}) is not discoverable here; Playwright's authenticator makes every credential discoverable`);
    }
    credentials.push(toPlaywrightCredential(record, signCount));
  }
  return { credentials, skipped, warnings };
}

function unsupported(record: CredentialRecord): string | undefined {
  if (record.alg !== CoseAlgorithm.ES256) return `it is ${algorithmName(record.alg)}; Playwright's authenticator holds ES256 (P-256) keys only`;
  if (!record.user) return "it has no user handle, which Playwright's credentials need";
  return undefined;
}

function toPlaywrightCredential(record: CredentialRecord, signCount: number): PlaywrightCredential {
  const key = parsePkcs8(record.privateKey, "privateKey", CoseAlgorithm.ES256);
  const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  return {
    id: b64u(record.id),
    rpId: record.rpId,
    userHandle: b64u(record.user!.id),
    privateKey: b64u(record.privateKey),
    publicKey: b64u(spkiOf(key.publicKey)),
    signCount,
  };
}

/** Validate a list of Playwright credentials (or a storage state holding one); all or nothing. */
export function fromPlaywrightCredentials(value: unknown, now = Date.now(), onProgress?: ExchangeProgress): { entries: ExchangeEntry[] } {
  const list = Array.isArray(value) ? value : (value as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(list)) {
    throw new ExchangeError("INVALID", `Playwright credentials must be a JSON array (context.credentials.get()) or a storage state with "credentials", got ${describe(value)}`);
  }
  const entries: ExchangeEntry[] = [];
  const problems: EntryProblem[] = [];
  list.forEach((item, index) => {
    try {
      entries.push(fromPlaywrightCredential(item, now));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      const given = (item as { id?: unknown } | null)?.id;
      problems.push({ index, message: error.message, ...(typeof given === "string" && given.length <= 1400 ? { credentialId: given } : {}) });
    }
    onProgress?.(index + 1, list.length);
  });
  if (problems.length > 0) throw new InvalidEntriesError(problems, list.length);
  return { entries };
}

function fromPlaywrightCredential(item: unknown, now: number): ExchangeEntry {
  const o = asObject(item, "a Playwright credential");
  const id = checkCredentialId(base64UrlField(o, "id"), "id");
  const rpId = rpIdField(o, "rpId");
  const userHandle = checkUserHandle(base64UrlField(o, "userHandle"), "userHandle");
  const key = parsePkcs8(base64UrlField(o, "privateKey"), "privateKey", CoseAlgorithm.ES256);
  if (o.publicKey !== undefined && o.publicKey !== null) {
    if (!bytesEqual(base64UrlField(o, "publicKey"), spkiOf(key.publicKey))) throw new FieldError("publicKey (SPKI) does not belong to privateKey");
  }
  const signCount = signCountField(o, "signCount");
  const { privateKey, publicKey } = storedKeyPair(key);
  const record: CredentialRecord = {
    id,
    rpId,
    rpIdHash: rpIdHashOf(rpId),
    user: { id: userHandle },
    discoverable: true,
    alg: CoseAlgorithm.ES256,
    privateKey,
    publicKey,
    createdAt: now,
    backupEligible: false,
    backupState: false,
  };
  return { record, signCount };
}

/**
 * Seed softkey's credentials (all, or those of `filter`) into a Playwright
 * context's virtual authenticator with `context.credentials.create()`. Call
 * `context.credentials.install()` before the page first uses WebAuthn.
 */
export async function toPlaywrightContext(
  softkey: Softkey,
  context: PlaywrightCredentialsContext,
  filter: CredentialFilter & ToPlaywrightOptions = {},
): Promise<{ added: { credentialId: string; rpId: string }[]; skipped: SkippedCredential[]; warnings: string[] }> {
  const { credentials, skipped, warnings } = toPlaywrightCredentials(await readEntries(softkey, filter), filter);
  const added: { credentialId: string; rpId: string }[] = [];
  for (const { rpId, id, userHandle, privateKey, publicKey, signCount } of credentials) {
    await context.credentials.create(rpId, { id, userHandle, privateKey, publicKey, signCount });
    added.push({ credentialId: id, rpId });
  }
  return { added, skipped, warnings };
}

/** Import the credentials of a Playwright context's virtual authenticator (optionally of one RP) into softkey, all or nothing. */
export async function fromPlaywrightContext(
  context: PlaywrightCredentialsContext,
  softkey: Softkey,
  options: WriteOptions & { rpId?: string } = {},
): Promise<{ imported: ImportedCredential[] }> {
  const credentials = await context.credentials.get(options.rpId === undefined ? {} : { rpId: options.rpId });
  const { entries } = fromPlaywrightCredentials(credentials);
  return { imported: await writeEntries(softkey, entries, options) };
}
