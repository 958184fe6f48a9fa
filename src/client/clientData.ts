/**
 * CollectedClientData and its JSON-compatible serialization (WebAuthn L3
 * section 5.8.1.2): type, challenge, origin, crossOrigin always in that
 * order, then topOrigin when cross-origin, so RPs may verify it with the
 * spec's "limited verification algorithm" as well as with a JSON parser.
 */
import { createHash } from "node:crypto";
import { toBase64Url } from "../bytes/base64url.js";

export type ClientDataType = "webauthn.create" | "webauthn.get";

export interface CollectedClientData {
  type: ClientDataType;
  challenge: Uint8Array;
  /** Serialized caller origin. */
  origin: string;
  /** Serialized top-level origin; present only when the caller is cross-origin with it. */
  topOrigin?: string;
}

export function serializeClientData(data: CollectedClientData): Uint8Array {
  let json = `{"type":${ccdString(data.type)}`;
  json += `,"challenge":${ccdString(toBase64Url(data.challenge))}`;
  json += `,"origin":${ccdString(data.origin)}`;
  json += `,"crossOrigin":${data.topOrigin === undefined ? "false" : "true"}`;
  if (data.topOrigin !== undefined) json += `,"topOrigin":${ccdString(data.topOrigin)}`;
  json += "}";
  return new TextEncoder().encode(json);
}

/**
 * A ceremony's clientDataJSON and clientDataHash. topOrigin goes in only when
 * it differs from the caller's origin (a cross-origin iframe).
 */
export function collectClientData(
  type: ClientDataType,
  challenge: Uint8Array,
  origin: string,
  topOrigin: string | undefined,
): { clientDataJSON: Uint8Array; clientDataHash: Uint8Array } {
  const clientDataJSON = serializeClientData({
    type,
    challenge,
    origin,
    ...(topOrigin !== undefined && topOrigin !== origin ? { topOrigin } : {}),
  });
  return { clientDataJSON, clientDataHash: hashClientData(clientDataJSON) };
}

/** clientDataHash: SHA-256 over the exact clientDataJSON bytes. */
export function hashClientData(clientDataJSON: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(clientDataJSON).digest());
}

/** CCDToString (section 5.8.1.2): JSON string with only `"`, `\` and control characters escaped. */
export function ccdString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return out + '"';
}
