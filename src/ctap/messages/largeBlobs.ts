/**
 * authenticatorLargeBlobs (0x0C), CTAP 2.2 section 6.10: the request's
 * parameter map and the response map, each field beside its CBOR key, and
 * the message a set's pinUvAuthParam authenticates.
 */
import { createHash } from "node:crypto";
import { Command } from "../commands.js";
import { bytes, optional, table, type Codec, type Shape } from "../schema.js";

/**
 * An unsigned integer that may be huge: above 2^53 the decoder gives a bigint,
 * larger than any limit here, read as MAX_SAFE_INTEGER so it is refused as such.
 */
const length: Codec<number> = {
  decode(value, name, fail) {
    if (typeof value === "bigint" && value > 0n) return Number.MAX_SAFE_INTEGER;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw fail.wrongType(name, "an unsigned integer");
    return value;
  },
  encode: (value) => value,
};

export const LargeBlobsRequest = table({
  get: optional(0x01, length),
  set: optional(0x02, bytes),
  offset: optional(0x03, length),
  length: optional(0x04, length),
  pinUvAuthParam: optional(0x05, bytes),
  pinUvAuthProtocol: optional(0x06, length),
});
export type LargeBlobsRequest = Shape<typeof LargeBlobsRequest.fields>;

export const LargeBlobsResponse = table({
  config: optional(0x01, bytes),
});
export type LargeBlobsResponse = Shape<typeof LargeBlobsResponse.fields>;

/**
 * What a set's pinUvAuthParam authenticates (section 6.10.2, step 5.5):
 * 32×0xff || h'0c00' || uint32LittleEndian(offset) || SHA-256(set).
 */
export function largeBlobsSetMessage(offset: number, fragment: Uint8Array): Uint8Array {
  const message = new Uint8Array(32 + 2 + 4 + 32);
  message.fill(0xff, 0, 32);
  message[32] = Command.authenticatorLargeBlobs;
  message[33] = 0x00;
  new DataView(message.buffer).setUint32(34, offset, true);
  message.set(createHash("sha256").update(fragment).digest(), 38);
  return message;
}


