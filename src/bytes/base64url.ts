/**
 * base64url (RFC 4648 section 5) as WebAuthn's JSON forms use it: unpadded on
 * output; on input, padding is tolerated but every other character must be
 * from the URL-safe alphabet. Node's own decoder silently skips bad
 * characters, which would turn a typo in an RP's JSON into different bytes.
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** True when `value` decodes strictly (see `fromBase64Url`). */
export function isBase64Url(value: string): boolean {
  return unpadded(value) !== undefined;
}

/** Decode strict base64url; throws a TypeError naming the problem. */
export function fromBase64Url(value: string): Uint8Array {
  const body = unpadded(value);
  if (body === undefined) {
    throw new TypeError("not valid base64url (alphabet A-Z a-z 0-9 - _, optional '=' padding)");
  }
  return new Uint8Array(Buffer.from(body, "base64url"));
}

/** The unpadded body, or undefined when the string is not base64url. */
function unpadded(value: string): string | undefined {
  let body = value;
  const padStart = value.indexOf("=");
  if (padStart !== -1) {
    body = value.slice(0, padStart);
    const padding = value.slice(padStart);
    // Padding, when present, must be exactly what standard base64 would add.
    if (!/^={1,2}$/.test(padding) || value.length % 4 !== 0) return undefined;
  }
  // A single leftover character encodes fewer than 8 bits: never valid.
  if (!BASE64URL.test(body) || body.length % 4 === 1) return undefined;
  return body;
}
