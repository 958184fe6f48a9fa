/** Byte-for-byte equality (not constant-time: for IDs, never for secrets; those use timingSafeEqual). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
