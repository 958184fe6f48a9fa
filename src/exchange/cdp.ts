/**
 * `--format cdp`: Chrome's own virtual authenticator, through the DevTools
 * protocol. The objects are `WebAuthn.Credential` as `WebAuthn.addCredential`
 * takes them and `WebAuthn.getCredentials` returns them (Chrome DevTools
 * Protocol, browser_protocol.pdl; checked against the copy playwright-core
 * 1.65 ships in types/protocol.d.ts):
 *
 *   credentialId          binary (base64)
 *   isResidentCredential  boolean
 *   rpId                  string (must be set when adding)
 *   privateKey            binary: "The ECDSA P-256 private key in PKCS#8 format"
 *   userHandle?           binary, at most 64 bytes
 *   signCount             integer >= -1 (-1: no counter, assertions report 0)
 *   largeBlob?            binary
 *   backupEligibility?    boolean (BE)
 *   backupState?          boolean (BS)
 *   userName?             string
 *   userDisplayName?      string
 *
 * Chrome's virtual authenticator holds P-256 keys only, so EdDSA credentials
 * cannot go there. softkey keeps large blobs in the authenticator's
 * largeBlobArray, not per credential: a credential's largeBlob is neither
 * exported nor imported (an import says so in its warnings).
 */
import { CoseAlgorithm, algorithmName } from "../ctap/cose.js";
import type { CredentialRecord } from "../authenticator/store.js";
import type { Softkey } from "../softkey.js";
import { idOf, rpIdHashOf, type CredentialFilter, type ExchangeEntry, type ExchangeProgress, type SkippedCredential } from "./entry.js";
import { ExchangeError, InvalidEntriesError, type EntryProblem } from "./errors.js";
import {
  FieldError,
  asObject,
  base64Field,
  checkCredentialId,
  checkUserHandle,
  describe,
  optionalBoolean,
  optionalString,
  requiredBoolean,
  rpIdField,
  signCountField,
} from "./fields.js";
import { parsePkcs8, storedKeyPair } from "./keys.js";
import { readEntries } from "./readEntries.js";
import { writeEntries, type ImportedCredential, type WriteOptions } from "./writeEntries.js";

/** Chrome DevTools Protocol `WebAuthn.Credential`. */
export interface CdpCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  largeBlob?: string;
  backupEligibility?: boolean;
  backupState?: boolean;
  userName?: string;
  userDisplayName?: string;
}

/** What the straight moves need of a CDP session: Playwright's CDPSession, Puppeteer's, chrome-remote-interface's. */
export interface CdpSessionLike {
  send(method: string, params?: object): Promise<unknown>;
}

export interface ToCdpOptions {
  /** Leave out credentials CDP cannot hold (EdDSA) instead of refusing the export. */
  skipUnsupported?: boolean;
}

export function toCdpCredentials(entries: readonly ExchangeEntry[], options: ToCdpOptions = {}): { credentials: CdpCredential[]; skipped: SkippedCredential[] } {
  const credentials: CdpCredential[] = [];
  const skipped: SkippedCredential[] = [];
  for (const { record, signCount } of entries) {
    if (record.alg !== CoseAlgorithm.ES256) {
      const reason = `it is ${algorithmName(record.alg)}; Chrome's virtual authenticator (CDP) holds ES256 (P-256) keys only`;
      if (!options.skipUnsupported) {
        throw new ExchangeError(
          "UNSUPPORTED",
          `credential ${idOf(record)} (${record.rpId}) cannot be exported in CDP format: ${reason}. Use --format softkey, or --skip-unsupported to leave it out`,
        );
      }
      skipped.push({ credentialId: idOf(record), rpId: record.rpId, reason });
      continue;
    }
    credentials.push(toCdpCredential(record, signCount));
  }
  return { credentials, skipped };
}

function toCdpCredential(record: CredentialRecord, signCount: number): CdpCredential {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  return {
    credentialId: b64(record.id),
    isResidentCredential: record.discoverable,
    rpId: record.rpId,
    privateKey: b64(record.privateKey),
    ...(record.user ? { userHandle: b64(record.user.id) } : {}),
    signCount,
    backupEligibility: record.backupEligible ?? false,
    backupState: record.backupState ?? false,
    ...(record.user?.name !== undefined ? { userName: record.user.name } : {}),
    ...(record.user?.displayName !== undefined ? { userDisplayName: record.user.displayName } : {}),
  };
}

/** Validate every credential of a CDP credential list; all or nothing (InvalidEntriesError lists each problem). */
export function fromCdpCredentials(value: unknown, now = Date.now(), onProgress?: ExchangeProgress): { entries: ExchangeEntry[]; warnings: string[] } {
  if (!Array.isArray(value)) {
    throw new ExchangeError("INVALID", `CDP credentials must be a JSON array of WebAuthn.Credential objects, got ${describe(value)}`);
  }
  const entries: ExchangeEntry[] = [];
  const warnings: string[] = [];
  const problems: EntryProblem[] = [];
  value.forEach((item, index) => {
    try {
      const { entry, warning } = fromCdpCredential(item, now);
      entries.push(entry);
      if (warning) warnings.push(warning);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      const given = (item as { credentialId?: unknown } | null)?.credentialId;
      problems.push({ index, message: error.message, ...(typeof given === "string" && given.length <= 1400 ? { credentialId: given } : {}) });
    }
    onProgress?.(index + 1, value.length);
  });
  if (problems.length > 0) throw new InvalidEntriesError(problems, value.length);
  return { entries, warnings };
}

function fromCdpCredential(item: unknown, now: number): { entry: ExchangeEntry; warning?: string } {
  const o = asObject(item, "a WebAuthn.Credential");
  const id = checkCredentialId(base64Field(o, "credentialId"), "credentialId");
  const discoverable = requiredBoolean(o, "isResidentCredential");
  const rpId = rpIdField(o, "rpId");
  const key = parsePkcs8(base64Field(o, "privateKey"), "privateKey", CoseAlgorithm.ES256);
  const userHandle = o.userHandle === undefined || o.userHandle === null ? undefined : checkUserHandle(base64Field(o, "userHandle"), "userHandle");
  if (discoverable && userHandle === undefined) throw new FieldError("a resident credential needs a userHandle");
  const signCount = signCountField(o, "signCount", { min: -1, required: true });
  const backupEligible = optionalBoolean(o, "backupEligibility") ?? false;
  const backupState = optionalBoolean(o, "backupState") ?? false;
  if (backupState && !backupEligible) throw new FieldError("backupState true needs backupEligibility true (WebAuthn L3: BS=1 requires BE=1)");
  const name = optionalString(o, "userName");
  const displayName = optionalString(o, "userDisplayName");
  if (o.largeBlob !== undefined && o.largeBlob !== null) base64Field(o, "largeBlob");
  const { privateKey, publicKey } = storedKeyPair(key);
  const record: CredentialRecord = {
    id,
    rpId,
    rpIdHash: rpIdHashOf(rpId),
    ...(userHandle ? { user: { id: userHandle, ...(name ? { name } : {}), ...(displayName ? { displayName } : {}) } } : {}),
    discoverable,
    alg: CoseAlgorithm.ES256,
    privateKey,
    publicKey,
    createdAt: now,
    backupEligible,
    backupState,
  };
  const warning =
    typeof o.largeBlob === "string" && o.largeBlob !== ""
      ? `credential ${Buffer.from(id).toString("base64url")} (${rpId}): its largeBlob was not imported (softkey keeps large blobs in the authenticator's largeBlobArray)`
      : undefined;
  return { entry: { record, signCount }, ...(warning ? { warning } : {}) };
}

/**
 * Add softkey's credentials (all, or those of `filter`) to Chrome's virtual
 * authenticator `authenticatorId` with `WebAuthn.addCredential`. The session
 * must have `WebAuthn.enable`d and added that authenticator (ctap2, with
 * hasResidentKey for discoverable credentials).
 */
export async function toCdpVirtualAuthenticator(
  softkey: Softkey,
  session: CdpSessionLike,
  authenticatorId: string,
  filter: CredentialFilter & ToCdpOptions = {},
): Promise<{ added: { credentialId: string; rpId: string }[]; skipped: SkippedCredential[] }> {
  const { credentials, skipped } = toCdpCredentials(await readEntries(softkey, filter), filter);
  const added: { credentialId: string; rpId: string }[] = [];
  for (const credential of credentials) {
    await session.send("WebAuthn.addCredential", { authenticatorId, credential });
    added.push({ credentialId: Buffer.from(credential.credentialId, "base64").toString("base64url"), rpId: credential.rpId! });
  }
  return { added, skipped };
}

/**
 * Import every credential of Chrome's virtual authenticator `authenticatorId`
 * (`WebAuthn.getCredentials`) into softkey, all or nothing.
 */
export async function fromCdpVirtualAuthenticator(
  session: CdpSessionLike,
  authenticatorId: string,
  softkey: Softkey,
  options: WriteOptions & { rpId?: string } = {},
): Promise<{ imported: ImportedCredential[]; warnings: string[] }> {
  const result = (await session.send("WebAuthn.getCredentials", { authenticatorId })) as { credentials?: unknown };
  const list = Array.isArray(result?.credentials) ? result.credentials : [];
  const wanted = options.rpId === undefined ? list : list.filter((c) => (c as { rpId?: unknown } | null)?.rpId === options.rpId);
  const { entries, warnings } = fromCdpCredentials(wanted);
  return { imported: await writeEntries(softkey, entries, options), warnings };
}
