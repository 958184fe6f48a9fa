/**
 * Filling a store with many real, usable credentials, fast: N credentials
 * spread round-robin over a list of RP IDs, user user<i>@<rpId>, ES256, each
 * record sealed on its own and written in batches through
 * Keystore.putCredentials. For testing a relying party against a key that
 * holds a lot, and for the scale benchmark (bench/scale.js via bench/fill.js).
 * Each credential signs like one made by makeCredential: its key pair is real.
 */
import { createHash, randomBytes } from "node:crypto";
import type { CredentialRecord } from "../authenticator/store.js";
import type { Keystore } from "../keystore/store.js";
import { KeyMaterialSource } from "./keyMaterial.js";

export interface FillOptions {
  /** How many credentials to add. */
  credentials: number;
  /** The relying parties, in turn: credential i goes to rpIds[i % rpIds.length]. */
  rpIds: readonly string[];
  /** The number of the first new user, so a second fill continues the names (default 0). */
  startIndex?: number;
  /** Discoverable (resident) credentials, as makeCredential with rk makes them (default true). */
  discoverable?: boolean;
  /** The backup flags new credentials get (the profile's). */
  backup?: { eligible: boolean; state: boolean };
  /** Called after each batch is on disk. */
  onProgress?: (done: number, total: number) => void;
  /** Credentials per batch (default 5000). */
  batchSize?: number;
}

export interface FillResult {
  added: number;
  seconds: number;
}

const ES256 = -7;

/** `count` generated RP IDs: rp0.<domain>, rp1.<domain>, ... */
export function generatedRpIds(count: number, domain = "fill.example"): string[] {
  return Array.from({ length: count }, (_, k) => `rp${k}.${domain}`);
}

export async function fillStore(store: Keystore, options: FillOptions): Promise<FillResult> {
  const total = options.credentials;
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`credentials must be a whole number, got ${total}`);
  if (options.rpIds.length === 0) throw new RangeError("at least one RP ID is needed");
  const batch = options.batchSize ?? 5000;
  const discoverable = options.discoverable ?? true;
  const start = performance.now();
  const createdAt = Date.now();
  const rpIdHashes = options.rpIds.map((rpId) => new Uint8Array(createHash("sha256").update(rpId).digest()));
  const source = new KeyMaterialSource();
  try {
    let next = total > 0 ? source.request(Math.min(batch, total)) : undefined;
    for (let done = 0; done < total; ) {
      const n = Math.min(batch, total - done);
      const keys = await next!;
      const following = Math.min(batch, total - done - n);
      if (following > 0) next = source.request(following);
      const ids = randomBytes(n * 48);
      const records: CredentialRecord[] = keys.map((key, j) => {
        const i = (options.startIndex ?? 0) + done + j;
        const k = (done + j) % options.rpIds.length;
        const rpId = options.rpIds[k]!;
        const userId = new Uint8Array(ids.subarray(n * 32 + j * 16, n * 32 + (j + 1) * 16));
        return {
          id: new Uint8Array(ids.subarray(j * 32, (j + 1) * 32)),
          rpId,
          rpIdHash: rpIdHashes[k]!,
          rpName: rpId,
          // makeCredential keeps the user's names with discoverable credentials only (CTAP 2.1 section 6.1.2, step 17).
          user: discoverable ? { id: userId, name: `user${i}@${rpId}`, displayName: `User ${i}` } : { id: userId },
          discoverable,
          alg: ES256,
          privateKey: key.privateKey,
          publicKey: key.publicKey,
          createdAt,
          ...(options.backup?.eligible ? { backupEligible: true, backupState: options.backup.state } : {}),
        };
      });
      await store.putCredentials(records);
      done += n;
      options.onProgress?.(done, total);
    }
  } finally {
    await source.close();
  }
  return { added: total, seconds: (performance.now() - start) / 1000 };
}
