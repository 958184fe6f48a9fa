/**
 * authenticatorLargeBlobs (0x0C), CTAP 2.1 section 6.10: the keys of the
 * request's parameter map and of the response map, named as the spec names
 * them, and the message a set's pinUvAuthParam authenticates.
 */
import { createHash } from "node:crypto";
import { Command } from "../commands.js";

export const Param = {
  get: 0x01,
  set: 0x02,
  offset: 0x03,
  length: 0x04,
  pinUvAuthParam: 0x05,
  pinUvAuthProtocol: 0x06,
} as const;

export const Response = { config: 0x01 } as const;

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
