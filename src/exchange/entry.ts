/**
 * What every format converts to and from: a full credential record, as the
 * keystore holds it, and its signature counter (the last value handed out;
 * the next assertion carries a larger one).
 */
import { createHash } from "node:crypto";
import type { CredentialRecord } from "../authenticator/store.js";

export interface ExchangeEntry {
  record: CredentialRecord;
  signCount: number;
}

/** Which credentials to export or move: all, one RP's, or one by its base64url ID. */
/** Called as a long exchange goes: `done` of `total` entries read, checked or written. */
export type ExchangeProgress = (done: number, total: number) => void;

export interface CredentialFilter {
  rpId?: string;
  /** base64url, as `softkey list` shows it. */
  credentialId?: string;
}

/** A credential left out of an export, and why. */
export interface SkippedCredential {
  credentialId: string;
  rpId: string;
  reason: string;
}

/** The credential formats softkey reads and writes. */
export const EXCHANGE_FORMATS = ["softkey", "cdp", "playwright"] as const;
export type ExchangeFormat = (typeof EXCHANGE_FORMATS)[number];

/** Formats whose output holds private keys in plaintext. */
export const PLAINTEXT_FORMATS: readonly ExchangeFormat[] = ["cdp", "playwright"];

export function rpIdHashOf(rpId: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(rpId, "utf8").digest());
}

export function idOf(record: CredentialRecord): string {
  return Buffer.from(record.id).toString("base64url");
}
