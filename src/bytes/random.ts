/**
 * Random values that are public once used (AES-GCM nonces, credential IDs), drawn from a pool that
 * one call fills 4 KiB at a time: each call into OpenSSL's RNG costs about 5 µs here, whatever its
 * size. Drawn bytes are wiped from the pool. Never for key material: that comes from the RNG directly.
 */
import { randomFillSync } from "node:crypto";

const POOL_SIZE = 4096;
let pool = new Uint8Array(POOL_SIZE);
let offset = POOL_SIZE;

export function publicRandomBytes(length: number): Uint8Array {
  if (length > POOL_SIZE / 16) return randomFillSync(new Uint8Array(length));
  if (offset + length > POOL_SIZE) {
    pool = randomFillSync(new Uint8Array(POOL_SIZE));
    offset = 0;
  }
  const out = pool.slice(offset, offset + length);
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}
